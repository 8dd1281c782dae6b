"""GIFT import: every part of the syntax, and a report of every error with its line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from starguide.content.gift import GiftError, GiftErrors, parse_gift
from starguide.content.questions import Answer
from starguide.quizzes.grading import grade

DATA = Path(__file__).parent / "data"
A: TypeAdapter[Any] = TypeAdapter(Answer)


@pytest.fixture(scope="module")
def night_sky() -> dict[str, Any]:
    parsed = parse_gift((DATA / "night_sky.gift").read_text(encoding="utf-8"))
    return {(p.question.title or p.question.text[:20]): p for p in parsed}


def test_reads_every_question_with_category_and_line(night_sky: dict[str, Any]) -> None:
    assert len(night_sky) == 14
    first = night_sky["brightest-star"]
    assert (first.line, first.category) == (6, "$course$/Astronomy/Stars")
    assert night_sky["wildcard"].category == "$course$/Astronomy/Planets"
    assert night_sky["Mercury is the plane"].question.type == "true_false"


def test_single_choice_with_feedback_partial_weight_and_general_feedback(night_sky: dict[str, Any]) -> None:
    q = night_sky["brightest-star"].question
    assert q.type == "single_choice"
    assert q.text == "Which star is the brightest in the night sky?"
    assert q.explanation == "Sirius, in Canis Major, is 8.6 light-years away."
    assert [(c.id, c.text, c.correct, c.weight) for c in q.choices] == [
        ("a", "Sirius", True, None),
        ("b", "Canopus", False, None),
        ("c", "Polaris", False, None),
        ("d", "Alpha Centauri", False, 25.0),
    ]
    assert q.choices[0].feedback == "Right: apparent magnitude about -1.46."
    assert grade(q, A.validate_python({"type": "single_choice", "choice": "d"})).score == 0.25


def test_multiple_choice_by_weights_with_penalty(night_sky: dict[str, Any]) -> None:
    q = night_sky["planets-visible"].question
    assert (q.type, q.scoring, q.text_format) == ("multiple_choice", "weighted", "markdown")
    assert q.text == "Which of these are **planets**?"
    assert [c.weight for c in q.choices] == [50, 50, -100, -100]
    assert grade(q, A.validate_python({"type": "multiple_choice", "choices": ["a", "b"]})).score == 1
    assert grade(q, A.validate_python({"type": "multiple_choice", "choices": ["a", "c"]})).score == 0


def test_true_false_feedback_goes_to_the_right_side(night_sky: dict[str, Any]) -> None:
    sun = night_sky["sun-star"].question
    assert (sun.answer, sun.feedback_false, sun.feedback_true) == (
        True,
        "It is a star: a G-type main-sequence star.",
        "Yes.",
    )
    moon = night_sky["moon-light"].question
    assert (moon.answer, moon.feedback_true, moon.feedback_false) == (
        False,
        "It reflects sunlight.",
        "Right: it reflects sunlight.",
    )
    assert moon.explanation == "Moonlight is reflected sunlight."


def test_short_answer_alternatives_and_partial(night_sky: dict[str, Any]) -> None:
    q = night_sky["north-star"].question
    assert [(a.text, a.credit) for a in q.answers] == [("Polaris", 1), ("North Star", 1), ("Pole Star", 0.5)]
    assert not q.wildcards
    wild = night_sky["wildcard"].question
    assert wild.wildcards
    assert grade(wild, A.validate_python({"type": "short_text", "text": "planet Jupiter"})).score == 1


def test_matching_with_distractor(night_sky: dict[str, Any]) -> None:
    q = night_sky["constellation-match"].question
    assert [(p.prompt, p.answer) for p in q.pairs] == [
        ("Betelgeuse", "Orion"),
        ("Aldebaran", "Taurus"),
        ("Vega", "Lyra"),
    ]
    assert q.distractors == ["Cassiopeia"]


def test_numeric_forms(night_sky: dict[str, Any]) -> None:
    tol = night_sky["light-minute"].question
    assert [(a.value, a.tolerance) for a in tol.answers] == [(8.3, 0.2)]
    rng = night_sky["magnitude-range"].question
    assert [(a.minimum, a.maximum) for a in rng.answers] == [(5, 7)]
    multi = night_sky["au-km"].question
    assert [(a.value, a.tolerance, a.credit, a.feedback) for a in multi.answers] == [
        (149.6, 0.1, 1.0, "Exactly 149,597,870.7 km."),
        (150, 1, 0.5, "Close enough for a rough sum."),
    ]
    assert grade(multi, A.validate_python({"type": "numeric", "value": "150,5"})).score == 0.5


def test_essay_missing_word_and_escapes(night_sky: dict[str, Any]) -> None:
    essay = night_sky["why-seasons"].question
    assert (essay.type, essay.text_format) == ("free_text", "html")
    missing = night_sky["The Moon takes about"].question
    assert missing.text == "The Moon takes about _____ to go round the Earth once."
    assert [c.text for c in missing.choices if c.correct] == ["one month"]
    esc = night_sky["escapes"].question
    assert esc.text == "Which expression uses the characters { } = and ~ and a colon: ?"
    assert esc.choices[0].text == "a = b ~ c"
    assert esc.choices[0].feedback == "Escapes keep {braces} literal."


def test_broken_file_reports_every_error_with_its_line() -> None:
    with pytest.raises(GiftErrors) as info:
        parse_gift((DATA / "broken.gift").read_text(encoding="utf-8"))
    assert info.value.errors == [
        GiftError(3, "no answer is marked right (`=` or a positive `~%n%` weight)"),
        GiftError(5, "the answer block `{` is never closed"),
        GiftError(7, "'about 384' is not a number, `value:tolerance` or `min..max`"),
        GiftError(9, "a matching question needs at least two pairs"),
        GiftError(11, "several answers are marked fully right; use `~%50%` weights for multiple answers"),
        GiftError(13, "no answer block: a question needs `{...}` (use `{}` for an essay)"),
        GiftError(15, "range '6..1': the minimum is above the maximum"),
        GiftError(17, "the positive weights add up to 80%, not 100%"),
        GiftError(21, "unknown text format [latex]"),
    ]


def test_error_line_inside_a_multi_line_question() -> None:
    source = "// header\n\n::q::Pick one{\n  =Mars\n  ~%150%Venus\n}\n"
    with pytest.raises(GiftErrors) as info:
        parse_gift(source)
    assert info.value.errors == [GiftError(5, "weight 150% must be between -100 and 100")]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("", "the file has no questions"),
        ("// only a comment\n", "the file has no questions"),
        ("::t::Q?{=a}{=b}", "a question has one answer block only"),
        ("::title without end{T}", "the title has no closing `::`"),
        ("Q?{=a {b}", "an answer block cannot contain `{`; escape it as `\\{`"),
        ("Q?{maybe}", "cannot read the answers 'maybe'"),
        ("Q?{text ~a =b}", "unexpected text 'text' before the first answer"),
        ("Q?{=a -> }", "a matching pair has nothing after `->`"),
        ("Q?{=a -> b =c}", "every answer of a matching question has the form `=left -> right`"),
        ("Q?{=%50%a}", "question: a short-text question needs an answer with full credit"),
        ("Q?{=%120%a}", "weight 120% must be between 0 and 100 here"),
        ("Q?{=#x ~b}", "an answer has no text"),
    ],
)
def test_single_errors(source: str, message: str) -> None:
    with pytest.raises(GiftErrors) as info:
        parse_gift(source)
    assert [e.message for e in info.value.errors] == [message]


def test_bom_crlf_and_question_after_category_in_the_same_block() -> None:
    source = "\ufeff$CATEGORY: Moon\r\nPhases repeat every 29.5 days.{T}\r\n\r\n2+2?{#4}\r\n"
    parsed = parse_gift(source)
    assert [(p.line, p.category, p.question.type) for p in parsed] == [
        (2, "Moon", "true_false"),
        (4, "Moon", "numeric"),
    ]


def test_error_count_is_bounded() -> None:
    with pytest.raises(GiftErrors) as info:
        parse_gift("\n\n".join("Q?{maybe}" for _ in range(500)))
    assert len(info.value.errors) == 201
