"""Question types of the bank and the answers a learner gives to them (pure data, no database).

A question is a discriminated union on `type`; so is an answer. The grader in
`starguide.quizzes.grading` turns a (question, answer) pair into a score between 0 and 1.
Every text and list is bounded, so nothing a client sends can be unbounded work for the grader.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
Key = Annotated[str, StringConstraints(pattern=KEY_PATTERN)]
SkillSlug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=1000)]
Markdown = Annotated[str, StringConstraints(max_length=20_000)]
Feedback = Annotated[str, StringConstraints(max_length=2000)]

MAX_CHOICES = 20
MAX_ITEMS = 20
MAX_ANSWERS = 20


class QuestionType(StrEnum):
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    TRUE_FALSE = "true_false"
    NUMERIC = "numeric"
    SHORT_TEXT = "short_text"
    ORDERING = "ordering"
    MATCHING = "matching"
    FREE_TEXT = "free_text"


AUTO_GRADED = frozenset(QuestionType) - {QuestionType.FREE_TEXT}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class QuestionBase(_Model):
    """What every question has, whatever its type."""

    title: str | None = Field(default=None, max_length=200)
    text: Markdown = Field(min_length=1, description="The question, in Markdown")
    explanation: Markdown = Field(default="", description="Shown after answering (general feedback)")
    hints: list[Feedback] = Field(default_factory=list, max_length=5)
    difficulty: int = Field(default=2, ge=1, le=5, description="1 (easiest) to 5")
    skills: list[SkillSlug] = Field(default_factory=list, max_length=10)
    text_format: Literal["markdown", "html", "plain"] = "markdown"


# ---- choices ------------------------------------------------------------------------------------


class Choice(_Model):
    id: Key
    text: ShortText
    correct: bool = False
    weight: float | None = Field(
        default=None,
        ge=-100,
        le=100,
        description="Percent credit for this choice. Single choice: partial credit of a wrong choice; "
        "multiple choice with scoring `weighted`: added when selected (negative values penalise).",
    )
    feedback: Feedback | None = None


def _check_unique(ids: list[str], what: str) -> None:
    if len(set(ids)) != len(ids):
        raise ValueError(f"{what} ids must be unique")


class SingleChoiceQuestion(QuestionBase):
    """Exactly one right choice; a wrong choice may carry partial credit (`weight`)."""

    type: Literal[QuestionType.SINGLE_CHOICE] = QuestionType.SINGLE_CHOICE
    choices: list[Choice] = Field(min_length=2, max_length=MAX_CHOICES)
    shuffle: bool = True

    @model_validator(mode="after")
    def _one_correct(self) -> Self:
        _check_unique([c.id for c in self.choices], "choice")
        if sum(c.correct for c in self.choices) != 1:
            raise ValueError("a single-choice question has exactly one correct choice")
        return self


class MultipleChoiceScoring(StrEnum):
    RIGHT_MINUS_WRONG = "right_minus_wrong"
    ALL_OR_NOTHING = "all_or_nothing"
    WEIGHTED = "weighted"


class MultipleChoiceQuestion(QuestionBase):
    """Any number of right choices (at least one); see `MultipleChoiceScoring` for the credit."""

    type: Literal[QuestionType.MULTIPLE_CHOICE] = QuestionType.MULTIPLE_CHOICE
    choices: list[Choice] = Field(min_length=2, max_length=MAX_CHOICES)
    scoring: MultipleChoiceScoring = MultipleChoiceScoring.RIGHT_MINUS_WRONG
    shuffle: bool = True

    @model_validator(mode="after")
    def _some_correct(self) -> Self:
        _check_unique([c.id for c in self.choices], "choice")
        if not any(c.correct for c in self.choices):
            raise ValueError("a multiple-choice question needs at least one correct choice")
        if self.scoring == MultipleChoiceScoring.WEIGHTED and any(c.weight is None for c in self.choices):
            raise ValueError("weighted scoring needs a weight on every choice")
        return self


class TrueFalseQuestion(QuestionBase):
    type: Literal[QuestionType.TRUE_FALSE] = QuestionType.TRUE_FALSE
    answer: bool
    feedback_true: Feedback | None = None
    feedback_false: Feedback | None = None


# ---- numbers ------------------------------------------------------------------------------------


class NumericAnswerSpec(_Model):
    """An accepted value: `value ± tolerance` (inclusive), or the inclusive range `minimum..maximum`."""

    value: float | None = None
    tolerance: float = Field(default=0, ge=0)
    tolerance_mode: Literal["absolute", "relative"] = "absolute"
    minimum: float | None = None
    maximum: float | None = None
    credit: float = Field(default=1.0, ge=0, le=1)
    feedback: Feedback | None = None

    @model_validator(mode="after")
    def _value_or_range(self) -> Self:
        has_range = self.minimum is not None or self.maximum is not None
        if has_range == (self.value is not None):
            raise ValueError("give either `value` (with `tolerance`) or `minimum` and `maximum`")
        if has_range:
            if self.minimum is None or self.maximum is None or self.minimum > self.maximum:
                raise ValueError("a range needs `minimum` <= `maximum`")
            if self.tolerance:
                raise ValueError("a range has no tolerance")
        return self


class Unit(_Model):
    """A unit the learner may write; `factor` converts a value in this unit to the answer's unit."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=20)]
    factor: float = Field(default=1.0, gt=0)


class NumericQuestion(QuestionBase):
    """A number, optionally followed by a unit (`units`); decimal comma and exponents are accepted.

    `unit_mode`: `none` (a unit is refused), `optional` (no unit means the first unit), `required`.
    """

    type: Literal[QuestionType.NUMERIC] = QuestionType.NUMERIC
    answers: list[NumericAnswerSpec] = Field(min_length=1, max_length=MAX_ANSWERS)
    units: list[Unit] = Field(default_factory=list, max_length=10)
    unit_mode: Literal["none", "optional", "required"] = "none"

    @model_validator(mode="after")
    def _units(self) -> Self:
        if self.unit_mode != "none" and not self.units:
            raise ValueError("unit_mode other than `none` needs `units`")
        if not any(a.credit == 1 for a in self.answers):
            raise ValueError("a numeric question needs an answer with full credit")
        _check_unique([u.name for u in self.units], "unit")
        return self


# ---- text -------------------------------------------------------------------------------------


class TextAnswerSpec(_Model):
    """An accepted answer; `*` matches any run of characters when the question allows wildcards."""

    text: ShortText
    credit: float = Field(default=1.0, ge=0, le=1)
    feedback: Feedback | None = None


class ShortTextQuestion(QuestionBase):
    """Compared after Unicode NFKC, case folding (unless `case_sensitive`) and whitespace collapsing."""

    type: Literal[QuestionType.SHORT_TEXT] = QuestionType.SHORT_TEXT
    answers: list[TextAnswerSpec] = Field(min_length=1, max_length=MAX_ANSWERS)
    case_sensitive: bool = False
    wildcards: bool = False

    @model_validator(mode="after")
    def _full_credit(self) -> Self:
        if not any(a.credit == 1 for a in self.answers):
            raise ValueError("a short-text question needs an answer with full credit")
        return self


class OrderingItem(_Model):
    id: Key
    text: ShortText


class OrderingQuestion(QuestionBase):
    """`items` listed in the right order; learners get them shuffled."""

    type: Literal[QuestionType.ORDERING] = QuestionType.ORDERING
    items: list[OrderingItem] = Field(min_length=2, max_length=MAX_ITEMS)
    scoring: Literal["all_or_nothing", "longest_subsequence", "pairwise"] = "longest_subsequence"

    @model_validator(mode="after")
    def _unique(self) -> Self:
        _check_unique([i.id for i in self.items], "item")
        return self


class MatchPair(_Model):
    id: Key
    prompt: ShortText
    answer: ShortText


class MatchingQuestion(QuestionBase):
    """Match each prompt to an answer; `distractors` are extra answers that match nothing."""

    type: Literal[QuestionType.MATCHING] = QuestionType.MATCHING
    pairs: list[MatchPair] = Field(min_length=2, max_length=MAX_ITEMS)
    distractors: list[ShortText] = Field(default_factory=list, max_length=MAX_ITEMS)
    scoring: Literal["per_pair", "all_or_nothing"] = "per_pair"

    @model_validator(mode="after")
    def _unique(self) -> Self:
        _check_unique([p.id for p in self.pairs], "pair")
        return self

    def options(self) -> list[str]:
        """Every answer a learner may pick (duplicates removed, order kept)."""
        return list(dict.fromkeys([p.answer for p in self.pairs] + self.distractors))


class FreeTextQuestion(QuestionBase):
    """Graded by a mentor (a rubric guides mentors and, later, AI grading)."""

    type: Literal[QuestionType.FREE_TEXT] = QuestionType.FREE_TEXT
    rubric: Markdown = ""
    max_length: int = Field(default=5000, ge=1, le=20_000)


Question = Annotated[
    SingleChoiceQuestion
    | MultipleChoiceQuestion
    | TrueFalseQuestion
    | NumericQuestion
    | ShortTextQuestion
    | OrderingQuestion
    | MatchingQuestion
    | FreeTextQuestion,
    Field(discriminator="type"),
]


def visible_options(question: Question) -> list[str]:
    """What a learner is shown to choose from, never the answer: choices, ordering items sorted (the
    authored order is the answer), matching prompts; nothing for the other types."""
    if isinstance(question, SingleChoiceQuestion | MultipleChoiceQuestion):
        return [c.text for c in question.choices]
    if isinstance(question, OrderingQuestion):
        return sorted(i.text for i in question.items)
    if isinstance(question, MatchingQuestion):
        return [p.prompt for p in question.pairs]
    return []


# ---- answers ------------------------------------------------------------------------------------


class SingleChoiceAnswer(_Model):
    type: Literal[QuestionType.SINGLE_CHOICE] = QuestionType.SINGLE_CHOICE
    choice: Key | None = None


class MultipleChoiceAnswer(_Model):
    type: Literal[QuestionType.MULTIPLE_CHOICE] = QuestionType.MULTIPLE_CHOICE
    choices: list[Key] = Field(default_factory=list, max_length=MAX_CHOICES)


class TrueFalseAnswer(_Model):
    type: Literal[QuestionType.TRUE_FALSE] = QuestionType.TRUE_FALSE
    value: bool | None = None


class NumericAnswer(_Model):
    type: Literal[QuestionType.NUMERIC] = QuestionType.NUMERIC
    value: str = Field(default="", max_length=64, description="As typed, e.g. `3,14 km` or `1.5e8`")


class ShortTextAnswer(_Model):
    type: Literal[QuestionType.SHORT_TEXT] = QuestionType.SHORT_TEXT
    text: str = Field(default="", max_length=1000)


class OrderingAnswer(_Model):
    type: Literal[QuestionType.ORDERING] = QuestionType.ORDERING
    order: list[Key] = Field(default_factory=list, max_length=MAX_ITEMS)


class MatchingAnswer(_Model):
    type: Literal[QuestionType.MATCHING] = QuestionType.MATCHING
    matches: dict[Key, Annotated[str, StringConstraints(max_length=1000)]] = Field(
        default_factory=dict, max_length=MAX_ITEMS, description="pair id -> chosen answer"
    )


class FreeTextAnswer(_Model):
    type: Literal[QuestionType.FREE_TEXT] = QuestionType.FREE_TEXT
    text: str = Field(default="", max_length=20_000)


Answer = Annotated[
    SingleChoiceAnswer
    | MultipleChoiceAnswer
    | TrueFalseAnswer
    | NumericAnswer
    | ShortTextAnswer
    | OrderingAnswer
    | MatchingAnswer
    | FreeTextAnswer,
    Field(discriminator="type"),
]
