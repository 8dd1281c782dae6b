"""Grading of every question type: full, partial and no credit, boundaries, empty and unicode answers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from starguide.content.questions import Answer, Question
from starguide.quizzes.grading import (
    AnswerMismatch,
    GradeStatus,
    grade,
    normalise_text,
    parse_number,
    wildcard_match,
)

Q: TypeAdapter[Any] = TypeAdapter(Question)
A: TypeAdapter[Any] = TypeAdapter(Answer)


def q(**data: Any) -> Any:
    data.setdefault("text", "?")
    return Q.validate_python(data)


def score(question: Any, **answer: Any) -> float:
    answer.setdefault("type", question.type)
    return grade(question, A.validate_python(answer)).score


def choices(*specs: str | tuple[str, bool], **extra: Any) -> list[dict[str, Any]]:
    out = []
    for spec in specs:
        cid, correct = (spec, False) if isinstance(spec, str) else spec
        out.append({"id": cid, "text": f"choice {cid}", "correct": correct, **extra})
    return out


# ---- single choice ------------------------------------------------------------------------------


def test_single_choice_right_wrong_and_partial_weight() -> None:
    question = q(
        type="single_choice",
        choices=[
            {"id": "a", "text": "Sirius", "correct": True, "feedback": "Yes: magnitude -1.46."},
            {"id": "b", "text": "Canopus", "weight": 50},
            {"id": "c", "text": "Vega", "feedback": "Vega is about 0.0."},
        ],
    )
    right = grade(question, A.validate_python({"type": "single_choice", "choice": "a"}))
    assert (right.score, right.correct, right.feedback) == (1.0, True, ("Yes: magnitude -1.46.",))
    assert score(question, choice="b") == 0.5
    wrong = grade(question, A.validate_python({"type": "single_choice", "choice": "c"}))
    assert (wrong.score, wrong.correct, wrong.feedback) == (0.0, False, ("Vega is about 0.0.",))


def test_single_choice_unanswered_and_unknown_choice() -> None:
    question = q(type="single_choice", choices=choices(("a", True), "b"))
    empty = grade(question, A.validate_python({"type": "single_choice"}))
    assert (empty.score, empty.answered, empty.status) == (0.0, False, GradeStatus.GRADED)
    with pytest.raises(AnswerMismatch, match="unknown choice"):
        grade(question, A.validate_python({"type": "single_choice", "choice": "z"}))


def test_single_choice_needs_exactly_one_correct_and_unique_ids() -> None:
    with pytest.raises(ValidationError, match="exactly one correct"):
        q(type="single_choice", choices=choices(("a", True), ("b", True)))
    with pytest.raises(ValidationError, match="exactly one correct"):
        q(type="single_choice", choices=choices("a", "b"))
    with pytest.raises(ValidationError, match="unique"):
        q(type="single_choice", choices=choices(("a", True), "a"))


# ---- multiple choice ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("picked", "expected"),
    [
        (["a", "b", "c"], 1.0),
        (["a", "b"], 2 / 3),
        (["a"], 1 / 3),
        (["a", "b", "c", "d"], 2 / 3),
        (["a", "d"], 0.0),
        (["a", "d", "e"], 0.0),  # floored at 0, never negative
        (["d", "e"], 0.0),
        (["a", "b", "c", "d", "e"], 1 / 3),
    ],
)
def test_multiple_choice_right_minus_wrong(picked: list[str], expected: float) -> None:
    question = q(type="multiple_choice", choices=choices(("a", True), ("b", True), ("c", True), "d", "e"))
    assert score(question, choices=picked) == pytest.approx(expected, abs=1e-6)


def test_multiple_choice_all_or_nothing() -> None:
    question = q(
        type="multiple_choice", scoring="all_or_nothing", choices=choices(("a", True), ("b", True), "c")
    )
    assert score(question, choices=["b", "a"]) == 1.0
    assert score(question, choices=["a"]) == 0.0
    assert score(question, choices=["a", "b", "c"]) == 0.0


def test_multiple_choice_weighted_is_clamped() -> None:
    question = q(
        type="multiple_choice",
        scoring="weighted",
        choices=[
            {"id": "a", "text": "x", "correct": True, "weight": 50},
            {"id": "b", "text": "y", "correct": True, "weight": 50},
            {"id": "c", "text": "z", "weight": -100},
        ],
    )
    assert score(question, choices=["a", "b"]) == 1.0
    assert score(question, choices=["a"]) == 0.5
    assert score(question, choices=["a", "c"]) == 0.0
    with pytest.raises(ValidationError, match="weight on every choice"):
        q(type="multiple_choice", scoring="weighted", choices=choices(("a", True), "b"))


def test_multiple_choice_empty_duplicate_and_unknown() -> None:
    question = q(type="multiple_choice", choices=choices(("a", True), "b"))
    empty = grade(question, A.validate_python({"type": "multiple_choice", "choices": []}))
    assert not empty.answered
    with pytest.raises(AnswerMismatch, match="twice"):
        score(question, choices=["a", "a"])
    with pytest.raises(AnswerMismatch, match="unknown"):
        score(question, choices=["a", "q"])
    with pytest.raises(ValidationError, match="at least one correct"):
        q(type="multiple_choice", choices=choices("a", "b"))


# ---- true / false -----------------------------------------------------------------------------------


def test_true_false_with_feedback_for_the_given_answer() -> None:
    question = q(
        type="true_false", answer=False, feedback_true="No: the Sun is a star.", feedback_false="Right"
    )
    wrong = grade(question, A.validate_python({"type": "true_false", "value": True}))
    assert (wrong.score, wrong.feedback) == (0.0, ("No: the Sun is a star.",))
    assert score(question, value=False) == 1.0
    assert not grade(question, A.validate_python({"type": "true_false"})).answered


def test_answer_of_another_type_is_refused() -> None:
    question = q(type="true_false", answer=True)
    with pytest.raises(AnswerMismatch, match="needs a true_false answer"):
        grade(question, A.validate_python({"type": "short_text", "text": "true"}))


# ---- numeric ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("3.14", (Decimal("3.14"), "")),
        ("  -2,5 ", (Decimal("-2.5"), "")),
        ("\u22122.5", (Decimal("-2.5"), "")),
        ("1.5e8 km", (Decimal("1.5e8"), "km")),
        ("1,5 \u00d7 10^8 km", (Decimal("1.5e8"), "km")),
        ("1.5·10⁸ km", (Decimal("1.5e8"), "km")),
        ("1.5x10^-3", (Decimal("1.5e-3"), "")),
        ("149 600 000 km", (Decimal("149600000"), "km")),
        (".5", (Decimal("0.5"), "")),
        ("\uff18", (Decimal("8"), "")),  # full-width digit, NFKC
        ("12 ly", (Decimal("12"), "ly")),
    ],
)
def test_parse_number(typed: str, expected: tuple[Decimal, str]) -> None:
    assert parse_number(typed) == expected


@pytest.mark.parametrize("typed", ["", "abc", "e5", "--3", "km 5", "1e99999"])
def test_parse_number_refuses_non_numbers(typed: str) -> None:
    parsed = parse_number(typed)
    assert parsed is None or parsed[1] != ""


def test_numeric_absolute_tolerance_boundaries_are_inclusive() -> None:
    question = q(type="numeric", answers=[{"value": 3.14, "tolerance": 0.01}])
    assert score(question, value="3.13") == 1.0
    assert score(question, value="3.15") == 1.0
    assert score(question, value="3,15") == 1.0
    assert score(question, value="3.1500001") == 0.0
    assert score(question, value="3.1299999") == 0.0
    assert score(question, value="pi") == 0.0
    assert not grade(question, A.validate_python({"type": "numeric", "value": "  "})).answered


def test_numeric_relative_tolerance_and_exact() -> None:
    question = q(type="numeric", answers=[{"value": 299792, "tolerance": 0.01, "tolerance_mode": "relative"}])
    assert score(question, value="302789.92") == 1.0  # exactly +1 %
    assert score(question, value="302790") == 0.0
    assert score(question, value="3e5") == 1.0
    exact = q(type="numeric", answers=[{"value": 0.3}])
    assert score(exact, value="0.3") == 1.0  # decimal arithmetic: no 0.1 + 0.2 surprise
    negative = q(type="numeric", answers=[{"value": -1.46, "tolerance": 0.05, "tolerance_mode": "relative"}])
    assert score(negative, value="-1.5") == 1.0


def test_numeric_ranges_and_partial_credit_answers() -> None:
    question = q(
        type="numeric",
        answers=[
            {"minimum": 1, "maximum": 5, "feedback": "in range"},
            {"value": 10, "tolerance": 1, "credit": 0.5, "feedback": "close"},
        ],
    )
    assert grade(question, A.validate_python({"type": "numeric", "value": "5"})).feedback == ("in range",)
    assert score(question, value="1") == 1.0
    assert score(question, value="0.999") == 0.0
    assert score(question, value="11") == 0.5
    with pytest.raises(ValidationError, match="full credit"):
        q(type="numeric", answers=[{"value": 1, "credit": 0.5}])
    with pytest.raises(ValidationError, match="either"):
        q(type="numeric", answers=[{"value": 1, "minimum": 0, "maximum": 2}])
    with pytest.raises(ValidationError, match="minimum"):
        q(type="numeric", answers=[{"minimum": 3, "maximum": 2}])
    with pytest.raises(ValidationError):
        q(type="numeric", answers=[{"value": float("nan")}])


def test_numeric_units_conversion_required_optional_none() -> None:
    units = [{"name": "AU", "factor": 1}, {"name": "km", "factor": 1 / 149_597_870.7}]
    question = q(type="numeric", answers=[{"value": 1, "tolerance": 0.01}], units=units, unit_mode="required")
    assert score(question, value="1 AU") == 1.0
    assert score(question, value="1AU") == 1.0
    assert score(question, value="149600000 km") == 1.0
    assert score(question, value="1") == 0.0  # unit required
    assert score(question, value="1 au") == 0.0  # units match exactly (case matters: mm vs Mm)
    optional = q(type="numeric", answers=[{"value": 1}], units=units, unit_mode="optional")
    assert score(optional, value="1") == 1.0
    none = q(type="numeric", answers=[{"value": 1}])
    assert score(none, value="1 AU") == 0.0
    with pytest.raises(ValidationError, match="needs `units`"):
        q(type="numeric", answers=[{"value": 1}], unit_mode="required")


# ---- short text ---------------------------------------------------------------------------------


def test_normalise_text() -> None:
    assert normalise_text("  The   Big\tDipper \n") == "the big dipper"
    assert normalise_text("\uff33\uff29\uff32\uff29\uff35\uff33") == "sirius"  # full width, NFKC
    assert normalise_text("Straße") == normalise_text("STRASSE")  # case folding, not lower()
    assert normalise_text("Ca\u0301ncer") == normalise_text("Cáncer")  # combining accent composed
    assert normalise_text("AbC", case_sensitive=True) == "AbC"


def test_short_text_alternatives_credit_and_case() -> None:
    question = q(
        type="short_text",
        answers=[
            {"text": "Polaris", "feedback": "the North Star"},
            {"text": "North Star"},
            {"text": "Kochab", "credit": 0.25},
        ],
    )
    assert score(question, text="polaris") == 1.0
    assert score(question, text="  NORTH   star ") == 1.0
    assert score(question, text="kochab") == 0.25
    assert score(question, text="Vega") == 0.0
    assert not grade(question, A.validate_python({"type": "short_text", "text": " \t "})).answered
    strict = q(type="short_text", case_sensitive=True, answers=[{"text": "NaCl"}])
    assert score(strict, text="NaCl") == 1.0
    assert score(strict, text="nacl") == 0.0


def test_short_text_unicode_answers() -> None:
    question = q(type="short_text", answers=[{"text": "Bételgeuse"}, {"text": "參宿四"}])
    assert score(question, text="be\u0301telgeuse") == 1.0
    assert score(question, text="參宿四") == 1.0
    assert score(question, text="betelgeuse") == 0.0  # accents are meaningful; add an alternative


def test_short_text_wildcards() -> None:
    question = q(type="short_text", wildcards=True, answers=[{"text": "*nebula"}])
    assert score(question, text="Crab Nebula") == 1.0
    assert score(question, text="nebula") == 1.0
    assert score(question, text="nebulae") == 0.0
    literal = q(type="short_text", answers=[{"text": "a*b"}])
    assert score(literal, text="a*b") == 1.0
    assert score(literal, text="axb") == 0.0


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("a*c", "abc", True),
        ("a*c", "ac", True),
        ("a*c", "abd", False),
        ("*", "", True),
        ("", "", True),
        ("", "a", False),
        ("a**b", "ab", True),
        ("*a*b*", "xxaxxbxx", True),
        ("*ab", "aab", True),
        ("a*", "", False),
    ],
)
def test_wildcard_match(pattern: str, text: str, expected: bool) -> None:
    assert wildcard_match(pattern, text) is expected


def test_wildcard_match_is_not_exponential() -> None:
    assert not wildcard_match("*a" * 500 + "b", "a" * 1000)


# ---- ordering -----------------------------------------------------------------------------------

PLANETS = ["mercury", "venus", "earth", "mars", "jupiter"]


def ordering(scoring: str = "longest_subsequence") -> Any:
    return q(type="ordering", scoring=scoring, items=[{"id": p, "text": p.title()} for p in PLANETS])


def test_ordering_longest_subsequence() -> None:
    question = ordering()
    assert score(question, order=PLANETS) == 1.0
    assert score(question, order=list(reversed(PLANETS))) == 0.0
    # one item moved: the other four are still in order -> (4 - 1) / (5 - 1)
    assert score(question, order=["venus", "earth", "mars", "jupiter", "mercury"]) == 0.75
    assert score(question, order=["mercury", "earth", "venus", "mars", "jupiter"]) == 0.75


def test_ordering_pairwise_and_all_or_nothing() -> None:
    pairwise = ordering("pairwise")
    assert score(pairwise, order=PLANETS) == 1.0
    assert score(pairwise, order=list(reversed(PLANETS))) == 0.0
    assert score(pairwise, order=["venus", "mercury", "earth", "mars", "jupiter"]) == 0.9
    strict = ordering("all_or_nothing")
    assert score(strict, order=["venus", "mercury", "earth", "mars", "jupiter"]) == 0.0
    two = q(type="ordering", items=[{"id": "a", "text": "A"}, {"id": "b", "text": "B"}])
    assert score(two, order=["b", "a"]) == 0.0


def test_ordering_must_be_a_permutation() -> None:
    question = ordering()
    assert not grade(question, A.validate_python({"type": "ordering", "order": []})).answered
    for bad in (PLANETS[:4], [*PLANETS[:4], "pluto"], [*PLANETS[:4], "mercury"]):
        with pytest.raises(AnswerMismatch, match="every item exactly once"):
            score(question, order=bad)


# ---- matching -----------------------------------------------------------------------------------


def matching(scoring: str = "per_pair") -> Any:
    return q(
        type="matching",
        scoring=scoring,
        pairs=[
            {"id": "sirius", "prompt": "Sirius", "answer": "Canis Major"},
            {"id": "vega", "prompt": "Vega", "answer": "Lyra"},
            {"id": "deneb", "prompt": "Deneb", "answer": "Cygnus"},
            {"id": "altair", "prompt": "Altair", "answer": "Aquila"},
        ],
        distractors=["Orion"],
    )


def test_matching_per_pair_credit() -> None:
    question = matching()
    right = {"sirius": "Canis Major", "vega": "Lyra", "deneb": "Cygnus", "altair": "Aquila"}
    assert score(question, matches=right) == 1.0
    assert score(question, matches={**right, "vega": "Orion", "deneb": "Lyra"}) == 0.5
    assert score(question, matches={"sirius": "Canis Major"}) == 0.25  # missing prompts are wrong
    assert score(matching("all_or_nothing"), matches={**right, "vega": "Orion"}) == 0.0
    assert not grade(question, A.validate_python({"type": "matching"})).answered
    assert question.options() == ["Canis Major", "Lyra", "Cygnus", "Aquila", "Orion"]


def test_matching_refuses_unknown_prompts_and_answers() -> None:
    question = matching()
    with pytest.raises(AnswerMismatch, match="unknown prompt"):
        score(question, matches={"rigel": "Orion"})
    with pytest.raises(AnswerMismatch, match="not one of the answers"):
        score(question, matches={"vega": "Lyre"})


# ---- free text ----------------------------------------------------------------------------------


def test_free_text_waits_for_a_mentor() -> None:
    question = q(type="free_text", rubric="Mentions axial tilt.", max_length=100)
    result = grade(question, A.validate_python({"type": "free_text", "text": "Because of the tilt."}))
    assert (result.status, result.score, result.answered, result.correct) == (
        GradeStatus.PENDING,
        0.0,
        True,
        False,
    )
    assert not grade(question, A.validate_python({"type": "free_text", "text": "  "})).answered
    with pytest.raises(AnswerMismatch, match="longer than 100"):
        score(question, text="x" * 101)


# ---- bounds -------------------------------------------------------------------------------------


def test_inputs_are_bounded() -> None:
    with pytest.raises(ValidationError):
        A.validate_python({"type": "short_text", "text": "x" * 1001})
    with pytest.raises(ValidationError):
        A.validate_python({"type": "numeric", "value": "1" * 65})
    with pytest.raises(ValidationError):
        A.validate_python({"type": "multiple_choice", "choices": [f"c{i}" for i in range(21)]})
    with pytest.raises(ValidationError):
        q(type="single_choice", choices=choices(*[f"c{i}" for i in range(21)]))
    with pytest.raises(ValidationError):
        q(type="true_false", answer=True, difficulty=6)
    with pytest.raises(ValidationError):
        q(type="true_false", answer=True, skills=["Not A Slug"])
