"""How an assessment is put together and run: its questions or draws, timing, attempts, feedback."""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from starguide.content.questions import Key, SkillSlug

MAX_ASSESSMENT_QUESTIONS = 200


class FeedbackPolicy(StrEnum):
    IMMEDIATELY = "immediately"  # score and explanation as soon as an answer is saved
    AFTER_SUBMIT = "after_submit"
    AFTER_CLOSE = "after_close"  # when the assessment's window has closed


class AssessmentMode(StrEnum):
    ASSESSMENT = "assessment"
    PRACTICE = "practice"  # one question at a time, instant feedback and hints, never closes


class Draw(BaseModel):
    """`count` questions picked at random among those with one of `skills` and a difficulty in range."""

    model_config = ConfigDict(extra="forbid")

    skills: list[SkillSlug] = Field(default_factory=list, max_length=10, description="empty: any skill")
    difficulty_min: int = Field(default=1, ge=1, le=5)
    difficulty_max: int = Field(default=5, ge=1, le=5)
    count: int = Field(ge=1, le=MAX_ASSESSMENT_QUESTIONS)

    @model_validator(mode="after")
    def _range(self) -> Self:
        if self.difficulty_min > self.difficulty_max:
            raise ValueError("difficulty_min is above difficulty_max")
        return self


class AssessmentPolicy(BaseModel):
    """The settings of an assessment shared by the API and the course exchange format."""

    model_config = ConfigDict(extra="forbid")

    mode: AssessmentMode = AssessmentMode.ASSESSMENT
    questions: list[Key] = Field(
        default_factory=list, max_length=MAX_ASSESSMENT_QUESTIONS, description="a fixed list, in order"
    )
    draws: list[Draw] = Field(default_factory=list, max_length=20, description="random draws from the bank")
    shuffle_questions: bool = False
    shuffle_options: bool = True
    time_limit_minutes: int | None = Field(default=None, ge=1, le=24 * 60)
    max_attempts: int | None = Field(default=None, ge=1, le=100, description="None: unlimited")
    pass_mark: float = Field(default=0.5, ge=0, le=1, description="share of the points needed to pass")
    feedback_policy: FeedbackPolicy = FeedbackPolicy.AFTER_SUBMIT

    @model_validator(mode="after")
    def _questions_or_draws(self) -> Self:
        if bool(self.questions) == bool(self.draws):
            raise ValueError("give either a fixed list of `questions` or `draws`, not both or neither")
        if len(set(self.questions)) != len(self.questions):
            raise ValueError("a question is listed twice")
        if sum(d.count for d in self.draws) > MAX_ASSESSMENT_QUESTIONS:
            raise ValueError(f"draws add up to more than {MAX_ASSESSMENT_QUESTIONS} questions")
        return self
