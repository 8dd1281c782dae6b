"""Grading: a score between 0 and 1 for a learner's answer to a question of any type.

Pure functions, no database: the same grade for the same (question version, answer), always.
Rules (also in docs/content.md):

- single choice: 1 for the right choice, a wrong choice's `weight`/100 if it has one, else 0.
- multiple choice: `right_minus_wrong` (default) = max(0, (right picked - wrong picked) / all right);
  `all_or_nothing` = 1 only for exactly the right set; `weighted` = sum of picked weights / 100,
  clamped to [0, 1].
- true/false: 1 or 0.
- numeric: the best credit among the accepted answers the value falls in; bounds are inclusive and
  compared in decimal arithmetic, so 3.14 ± 0.01 accepts 3.13 and 3.15 exactly.
- short text: the best credit among accepted answers equal after normalisation (NFKC, case folding,
  whitespace collapsed), `*` matching any run of characters when the question allows wildcards.
- ordering: `longest_subsequence` (default) = (longest run of items in the right relative order - 1)
  / (items - 1); `pairwise` = share of item pairs in the right order; `all_or_nothing`.
- matching: `per_pair` (default) = share of prompts matched right; `all_or_nothing`.
- free text: pending until a mentor grades it.
An empty answer is "not answered" and scores 0.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from starguide.content.questions import (
    Answer,
    FreeTextAnswer,
    FreeTextQuestion,
    MatchingAnswer,
    MatchingQuestion,
    MultipleChoiceAnswer,
    MultipleChoiceQuestion,
    MultipleChoiceScoring,
    NumericAnswer,
    NumericAnswerSpec,
    NumericQuestion,
    OrderingAnswer,
    OrderingQuestion,
    Question,
    ShortTextAnswer,
    ShortTextQuestion,
    SingleChoiceAnswer,
    SingleChoiceQuestion,
    TrueFalseAnswer,
    TrueFalseQuestion,
)


class GradeStatus(StrEnum):
    GRADED = "graded"
    PENDING = "pending"  # waits for a mentor


@dataclass(frozen=True)
class Grade:
    status: GradeStatus
    score: float
    answered: bool
    feedback: tuple[str, ...] = field(default=())

    @property
    def correct(self) -> bool:
        return self.status == GradeStatus.GRADED and self.score >= 1.0


class AnswerMismatch(ValueError):
    """The answer does not fit the question (other type, unknown choice, not a permutation...)."""


def _graded(score: float, feedback: list[str | None] | None = None) -> Grade:
    score = min(1.0, max(0.0, round(score, 6)))
    return Grade(GradeStatus.GRADED, score, True, tuple(f for f in feedback or [] if f))


_UNANSWERED = Grade(GradeStatus.GRADED, 0.0, False)


def check_answer(question: Question, answer: Answer) -> None:
    """Refuse an answer that could not have been given to this question (raises `AnswerMismatch`)."""
    if answer.type != question.type:
        raise AnswerMismatch(f"a {question.type} question needs a {question.type} answer, not {answer.type}")
    if isinstance(question, SingleChoiceQuestion | MultipleChoiceQuestion):
        ids = {c.id for c in question.choices}
        picked = (
            [answer.choice]
            if isinstance(answer, SingleChoiceAnswer) and answer.choice is not None
            else answer.choices
            if isinstance(answer, MultipleChoiceAnswer)
            else []
        )
        unknown = [p for p in picked if p not in ids]
        if unknown:
            raise AnswerMismatch(f"unknown choice {unknown[0]!r}")
        if len(set(picked)) != len(picked):
            raise AnswerMismatch("a choice is picked twice")
    elif isinstance(question, OrderingQuestion) and isinstance(answer, OrderingAnswer):
        if answer.order and sorted(answer.order) != sorted(i.id for i in question.items):
            raise AnswerMismatch("the order must list every item exactly once")
    elif isinstance(question, MatchingQuestion) and isinstance(answer, MatchingAnswer):
        pairs = {p.id for p in question.pairs}
        options = set(question.options())
        for pair_id, chosen in answer.matches.items():
            if pair_id not in pairs:
                raise AnswerMismatch(f"unknown prompt {pair_id!r}")
            if chosen not in options:
                raise AnswerMismatch(f"{chosen[:50]!r} is not one of the answers")
    elif (
        isinstance(question, FreeTextQuestion)
        and isinstance(answer, FreeTextAnswer)
        and len(answer.text) > question.max_length
    ):
        raise AnswerMismatch(f"the answer is longer than {question.max_length} characters")


def grade(question: Question, answer: Answer) -> Grade:
    """Grade `answer` (checked with `check_answer` first, so a mismatch raises `AnswerMismatch`)."""
    check_answer(question, answer)
    if isinstance(question, SingleChoiceQuestion) and isinstance(answer, SingleChoiceAnswer):
        return _single_choice(question, answer)
    if isinstance(question, MultipleChoiceQuestion) and isinstance(answer, MultipleChoiceAnswer):
        return _multiple_choice(question, answer)
    if isinstance(question, TrueFalseQuestion) and isinstance(answer, TrueFalseAnswer):
        if answer.value is None:
            return _UNANSWERED
        feedback = question.feedback_true if answer.value else question.feedback_false
        return _graded(1.0 if answer.value == question.answer else 0.0, [feedback])
    if isinstance(question, NumericQuestion) and isinstance(answer, NumericAnswer):
        return _numeric(question, answer)
    if isinstance(question, ShortTextQuestion) and isinstance(answer, ShortTextAnswer):
        return _short_text(question, answer)
    if isinstance(question, OrderingQuestion) and isinstance(answer, OrderingAnswer):
        return _ordering(question, answer)
    if isinstance(question, MatchingQuestion) and isinstance(answer, MatchingAnswer):
        return _matching(question, answer)
    if isinstance(question, FreeTextQuestion) and isinstance(answer, FreeTextAnswer):
        return Grade(GradeStatus.PENDING, 0.0, bool(answer.text.strip()))
    raise AnswerMismatch("unsupported question type")  # pragma: no cover - the union is exhaustive


# ---- choices ------------------------------------------------------------------------------------


def _single_choice(question: SingleChoiceQuestion, answer: SingleChoiceAnswer) -> Grade:
    if answer.choice is None:
        return _UNANSWERED
    choice = next(c for c in question.choices if c.id == answer.choice)
    score = 1.0 if choice.correct else max(0.0, (choice.weight or 0.0) / 100)
    return _graded(score, [choice.feedback])


def _multiple_choice(question: MultipleChoiceQuestion, answer: MultipleChoiceAnswer) -> Grade:
    if not answer.choices:
        return _UNANSWERED
    picked = set(answer.choices)
    chosen = [c for c in question.choices if c.id in picked]
    right = sum(c.correct for c in question.choices)
    right_picked = sum(c.correct for c in chosen)
    wrong_picked = len(chosen) - right_picked
    if question.scoring == MultipleChoiceScoring.ALL_OR_NOTHING:
        score = 1.0 if wrong_picked == 0 and right_picked == right else 0.0
    elif question.scoring == MultipleChoiceScoring.WEIGHTED:
        score = sum(c.weight or 0.0 for c in chosen) / 100
    else:
        score = (right_picked - wrong_picked) / right
    return _graded(score, [c.feedback for c in chosen])


# ---- numbers ------------------------------------------------------------------------------------

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_SUPERSCRIPT_RUN = re.compile("[⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺]+")
# A mantissa with `.` or `,` as decimal mark, digit groups of three separated by spaces allowed,
# then an exponent written `e8`, `x 10^8`, `*10^8`, with a multiplication sign or superscripts.
_NUMBER = re.compile(
    r"""^(?P<sign>[+-]?)\s*
    (?P<mantissa>\d{1,3}(?:\ \d{3})+(?:[.,]\d*)?|\d+(?:[.,]\d*)?|[.,]\d+)
    (?:\s*(?:[eE](?P<exp1>[+-]?\d{1,4})|(?:[x\u00d7*\u00b7]\s*10\s*\^\s*(?P<exp2>[+-]?\d{1,4}))))?
    """,
    re.VERBOSE,
)


def parse_number(text: str) -> tuple[Decimal, str] | None:
    """`(value, unit text)` from what a learner typed, or None when it does not start with a number."""
    # Superscript exponents would become plain digits under NFKC ("10⁸" -> "108"): mark them first.
    text = _SUPERSCRIPT_RUN.sub(lambda m: "^" + m.group().translate(_SUPERSCRIPTS), text)
    text = unicodedata.normalize("NFKC", text).replace("\u2212", "-").strip()
    text = re.sub(r"\s+", " ", text)
    match = _NUMBER.match(text)
    if not match:
        return None
    mantissa = match["mantissa"].replace(" ", "").replace(",", ".")
    exponent = match["exp1"] or match["exp2"] or "0"
    try:
        value = Decimal(f"{match['sign']}{mantissa}e{exponent}")
    except InvalidOperation:  # pragma: no cover - the pattern only lets numbers through
        return None
    return value, text[match.end() :].strip()


def _within(value: Decimal, spec: NumericAnswerSpec) -> bool:
    if spec.value is None:
        # A range: the schema guarantees both bounds when there is no value.
        low, high = Decimal(repr(spec.minimum)), Decimal(repr(spec.maximum))
        return low <= value <= high
    target = Decimal(repr(spec.value))
    tolerance = Decimal(repr(spec.tolerance))
    if spec.tolerance_mode == "relative":
        tolerance *= abs(target)
    return abs(value - target) <= tolerance


def _numeric(question: NumericQuestion, answer: NumericAnswer) -> Grade:
    if not answer.value.strip():
        return _UNANSWERED
    parsed = parse_number(answer.value)
    if parsed is None:
        return _graded(0.0, ["That is not a number."])
    value, unit_text = parsed
    if unit_text:
        if question.unit_mode == "none":
            return _graded(0.0, ["This answer takes no unit."])
        unit = next((u for u in question.units if u.name == unit_text), None)
        if unit is None:
            return _graded(0.0, [f"Unknown unit; use one of: {', '.join(u.name for u in question.units)}."])
        value *= Decimal(repr(unit.factor))
    elif question.unit_mode == "required":
        return _graded(0.0, ["Give the unit too."])
    best: NumericAnswerSpec | None = None
    for spec in question.answers:
        if _within(value, spec) and (best is None or spec.credit > best.credit):
            best = spec
    return _graded(best.credit, [best.feedback]) if best else _graded(0.0)


# ---- text -------------------------------------------------------------------------------------


def normalise_text(text: str, *, case_sensitive: bool = False) -> str:
    """NFKC, case folded unless `case_sensitive`, runs of whitespace as one space, no outer spaces."""
    text = unicodedata.normalize("NFKC", text)
    if not case_sensitive:
        text = text.casefold()
    return " ".join(text.split())


def wildcard_match(pattern: str, text: str) -> bool:
    """`*` matches any run of characters; every other character matches itself.

    Greedy with one backtrack point, so the time is O(len(pattern) * len(text)) at worst,
    never exponential whatever a mentor or a learner types.
    """
    p = t = 0
    star = -1
    mark = 0
    while t < len(text):
        if p < len(pattern) and pattern[p] != "*" and pattern[p] == text[t]:
            p += 1
            t += 1
        elif p < len(pattern) and pattern[p] == "*":
            star, mark = p, t
            p += 1
        elif star >= 0:
            p = star + 1
            mark += 1
            t = mark
        else:
            return False
    while p < len(pattern) and pattern[p] == "*":
        p += 1
    return p == len(pattern)


def _short_text(question: ShortTextQuestion, answer: ShortTextAnswer) -> Grade:
    given = normalise_text(answer.text, case_sensitive=question.case_sensitive)
    if not given:
        return _UNANSWERED
    best = None
    for spec in question.answers:
        expected = normalise_text(spec.text, case_sensitive=question.case_sensitive)
        hit = wildcard_match(expected, given) if question.wildcards else expected == given
        if hit and (best is None or spec.credit > best.credit):
            best = spec
    return _graded(best.credit, [best.feedback]) if best else _graded(0.0)


# ---- ordering and matching ------------------------------------------------------------------------


def _longest_increasing(values: list[int]) -> int:
    tails: list[int] = []
    for v in values:
        i = bisect_left(tails, v)
        if i == len(tails):
            tails.append(v)
        else:
            tails[i] = v
    return len(tails)


def _ordering(question: OrderingQuestion, answer: OrderingAnswer) -> Grade:
    if not answer.order:
        return _UNANSWERED
    position = {item.id: i for i, item in enumerate(question.items)}
    ranks = [position[i] for i in answer.order]
    n = len(ranks)
    if question.scoring == "all_or_nothing":
        score = 1.0 if ranks == sorted(ranks) else 0.0
    elif question.scoring == "pairwise":
        pairs = n * (n - 1) // 2
        right = sum(1 for a in range(n) for b in range(a + 1, n) if ranks[a] < ranks[b])
        score = right / pairs
    else:
        score = (_longest_increasing(ranks) - 1) / (n - 1)
    return _graded(score)


def _matching(question: MatchingQuestion, answer: MatchingAnswer) -> Grade:
    if not answer.matches:
        return _UNANSWERED
    right = sum(1 for p in question.pairs if answer.matches.get(p.id) == p.answer)
    if question.scoring == "all_or_nothing":
        return _graded(1.0 if right == len(question.pairs) else 0.0)
    return _graded(right / len(question.pairs))


def model_answer(question: Question) -> Answer | None:
    """A full-credit answer to `question` (shown in reviews), or None for a mentor-graded one."""
    if isinstance(question, SingleChoiceQuestion):
        return SingleChoiceAnswer(choice=next(c.id for c in question.choices if c.correct))
    if isinstance(question, MultipleChoiceQuestion):
        if question.scoring == MultipleChoiceScoring.WEIGHTED:
            return MultipleChoiceAnswer(choices=[c.id for c in question.choices if (c.weight or 0) > 0])
        return MultipleChoiceAnswer(choices=[c.id for c in question.choices if c.correct])
    if isinstance(question, TrueFalseQuestion):
        return TrueFalseAnswer(value=question.answer)
    if isinstance(question, NumericQuestion):
        best = next(a for a in question.answers if a.credit == 1)
        value = best.value if best.value is not None else best.minimum
        unit = f" {question.units[0].name}" if question.unit_mode == "required" else ""
        return NumericAnswer(value=f"{value:g}{unit}")
    if isinstance(question, ShortTextQuestion):
        return ShortTextAnswer(text=next(a.text for a in question.answers if a.credit == 1))
    if isinstance(question, OrderingQuestion):
        return OrderingAnswer(order=[i.id for i in question.items])
    if isinstance(question, MatchingQuestion):
        return MatchingAnswer(matches={p.id: p.answer for p in question.pairs})
    return None
