"""Request and response bodies of the learning API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from starguide.learning.badges import Counter

LeaderboardMode = Literal["visible", "anonymous", "hidden"]


class LevelRead(BaseModel):
    level: int
    xp_total: int
    level_start_xp: int
    next_level_xp: int | None
    fraction: float


class StreakRead(BaseModel):
    current: int
    longest: int
    freezes: int
    today_counted: bool
    at_risk: bool
    on_vacation: bool


class DailyGoalRead(BaseModel):
    day: date
    goal_xp: int
    xp_today: int
    met: bool
    fraction: float


class Suggestion(BaseModel):
    kind: Literal["review", "practice", "new"]
    reason: str
    count: int | None = None
    skill_id: uuid.UUID | None = None
    skill_name: str | None = None
    course_id: uuid.UUID | None = None
    course_title: str | None = None
    lesson_id: uuid.UUID | None = Field(default=None, description="the lesson to open, when there is one")
    lesson_title: str | None = None
    mastery: float | None = None


class EarnedBadgeRead(BaseModel):
    key: str
    name: str
    tier: int
    tier_name: str | None
    description: str
    earned_at: datetime


class HomeRead(BaseModel):
    learner_id: uuid.UUID
    level: LevelRead
    streak: StreakRead
    daily_goal: DailyGoalRead
    due_reviews: int
    what_next: list[Suggestion]
    recent_badges: list[EarnedBadgeRead]
    settings: SettingsRead


class SettingsRead(BaseModel):
    daily_goal_xp: int
    desired_retention: float
    leaderboard_mode: LeaderboardMode
    time_zone: str


class SettingsUpdate(BaseModel):
    daily_goal_xp: int | None = Field(default=None, ge=10, le=1000)
    desired_retention: float | None = Field(default=None, ge=0.7, le=0.97)
    leaderboard_mode: LeaderboardMode | None = None


class VacationStart(BaseModel):
    until: date | None = Field(
        default=None, description="last day of the vacation (local); open-ended if absent"
    )


class VacationRead(BaseModel):
    start_day: date
    end_day: date | None


class DayRead(BaseModel):
    day: date
    xp: int
    answers: int
    correct: int
    goal_xp: int
    goal_met: bool
    streak_outcome: str | None


class BadgeProgressRead(BaseModel):
    key: str
    name: str
    description: str
    counter: str
    value: int
    tiers_earned: int
    tiers_total: int
    next_threshold: int | None
    fraction: float
    custom: bool
    earned: list[EarnedBadgeRead]


class CustomBadgeCreate(BaseModel):
    name: str = Field(min_length=1, max_length=80)
    description: str = Field(min_length=1, max_length=300)
    counter: Counter
    thresholds: list[int] = Field(min_length=1, max_length=5)


class CustomBadgeRead(BaseModel):
    id: uuid.UUID
    key: str
    name: str
    description: str
    counter: str
    thresholds: list[int]
    created_at: datetime


class LeaderboardEntryRead(BaseModel):
    rank: int
    learner_id: uuid.UUID | None
    display_name: str
    xp: int
    is_me: bool


class LeaderboardRead(BaseModel):
    period: Literal["week", "all"]
    course_id: uuid.UUID | None
    starts_at: datetime | None
    ends_at: datetime | None
    entries: list[LeaderboardEntryRead]


class ReviewPromptRead(BaseModel):
    """The question of a review card as the learner sees it: no correct answer."""

    type: str
    title: str | None
    text_html: str
    options: list[str] = Field(default_factory=list, description="choices or items, in authored order")


class ReviewAnswerRead(BaseModel):
    """The answer of a review card, shown when the learner turns it over."""

    card_id: uuid.UUID
    answer: list[str] = Field(description="the correct answer, as lines of text")
    explanation_html: str


class ReviewCardRead(BaseModel):
    id: uuid.UUID
    question_id: uuid.UUID
    question_version: int
    course_id: uuid.UUID | None
    skill_ids: list[uuid.UUID]
    due: datetime
    state: Literal["learning", "review", "relearning"]
    reps: int
    lapses: int
    retrievability: float
    prompt: ReviewPromptRead | None = Field(
        default=None, description="the question (absent when it was deleted)"
    )


class ReviewSubmit(BaseModel):
    rating: Literal[1, 2, 3, 4] = Field(description="1 again, 2 hard, 3 good, 4 easy")


class ReviewResult(BaseModel):
    card: ReviewCardRead
    xp_total: int
    level: int


class SkillRead(BaseModel):
    skill_id: uuid.UUID
    name: str | None = None
    course_id: uuid.UUID | None = None
    probability: float
    low: float
    high: float
    sd: float
    mastered: bool
    attempts: int
    correct: int
    last_practised_at: datetime | None
    crutch_index: float | None  # accuracy assisted - accuracy unassisted; None until both have answers
    assisted_attempts: int


class CourseMasteryRead(BaseModel):
    course_id: uuid.UUID
    title: str | None = None
    mastery: float
    skills: int
    skills_mastered: int


class SkillsRead(BaseModel):
    skills: list[SkillRead]
    courses: list[CourseMasteryRead]


class LearnerSummaryRead(BaseModel):
    """A learner a mentor may look at, for the list of their learners."""

    learner_id: uuid.UUID
    display_name: str
    level: int
    xp_total: int
    streak_current: int
    last_active_day: date | None
    course_ids: list[uuid.UUID]


class ProgressEvent(BaseModel):
    """What the web app receives on the learner's Socket.IO room for a level-up or a new badge."""

    kind: Literal["level", "badge"]
    organisation_id: uuid.UUID | None
    learner_id: uuid.UUID
    level: int | None = None
    xp_total: int | None = None
    badge_key: str | None = None
    tier: int | None = None
    name: str | None = None


HomeRead.model_rebuild()
