"""The badge catalogue: declarative badges with tiers, criteria over the learner's counters, and progress.

A badge is a counter and one threshold per tier ("100 correct answers in one skill" is the counter
`best_skill_correct` at 100). The engine keeps the counters (sums such as `answers_correct`, and
bests such as `streak_best`) from the events it receives; `newly_earned()` says which tiers a change
of counters unlocks and `progress()` how far the learner is from each next tier. Organisations add
their own badges on the same counters through the API (`CustomBadge`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum


class Counter(StrEnum):
    """Every counter a badge may look at; the engine updates them from events."""

    ANSWERS_CORRECT = "answers_correct"
    ANSWERS_CORRECT_UNASSISTED = "answers_correct_unassisted"
    FIRST_TRY_CORRECT = "first_try_correct"
    BEST_SKILL_CORRECT = "best_skill_correct"  # max over skills of correct answers in one skill
    CORRECT_RUN_BEST = "correct_run_best"  # longest run of correct answers
    UNASSISTED_RUN_BEST = "unassisted_run_best"  # longest run of correct answers without help
    BOUNCE_BACKS = "bounce_backs"  # correct answers to a question previously answered wrong
    ANSWERS_DAY_BEST = "answers_day_best"  # most answers in one local day
    QUIZZES_PASSED = "quizzes_passed"
    QUIZZES_PERFECT = "quizzes_perfect"
    LESSONS_COMPLETED = "lessons_completed"
    REVIEWS_DONE = "reviews_done"
    RECALLS = "recalls"  # correct unassisted recalls of due reviews
    LONG_RECALLS = "long_recalls"  # recalls of an item not seen for 30+ days
    STREAK_BEST = "streak_best"
    GOALS_MET = "goals_met"
    WEEKEND_GOALS = "weekend_goals"  # weekends with the goal met on Saturday and Sunday
    FREEZES_EARNED = "freezes_earned"
    EARLY_DAYS = "early_days"  # days with an answer before 07:00 local time
    LATE_DAYS = "late_days"  # days with an answer after 22:00 local time
    SKILLS_PRACTISED = "skills_practised"
    SKILLS_MASTERED = "skills_mastered"
    COURSES_MASTERED = "courses_mastered"
    LEVEL = "level"
    XP_TOTAL = "xp_total"
    COMEBACKS = "comebacks"  # days of study after a week or more away


# Counters that hold a best (maximum), not a running sum.
BEST_COUNTERS = frozenset(
    {
        Counter.BEST_SKILL_CORRECT,
        Counter.CORRECT_RUN_BEST,
        Counter.UNASSISTED_RUN_BEST,
        Counter.ANSWERS_DAY_BEST,
        Counter.STREAK_BEST,
        Counter.SKILLS_PRACTISED,
        Counter.SKILLS_MASTERED,
        Counter.COURSES_MASTERED,
        Counter.LEVEL,
        Counter.XP_TOTAL,
    }
)

TIER_NAMES = ("bronze", "silver", "gold", "platinum", "diamond")


@dataclass(frozen=True)
class BadgeSpec:
    key: str
    name: str
    description: str  # "{n}" is replaced by the tier's threshold
    counter: Counter
    thresholds: tuple[int, ...]  # one per tier, increasing

    @property
    def tiered(self) -> bool:
        return len(self.thresholds) > 1

    def tier_name(self, tier: int) -> str | None:
        return TIER_NAMES[tier - 1] if self.tiered else None

    def describe(self, tier: int) -> str:
        return self.description.replace("{n}", f"{self.thresholds[tier - 1]:,}")


def _b(key: str, name: str, description: str, counter: Counter, *thresholds: int) -> BadgeSpec:
    return BadgeSpec(key, name, description, counter, tuple(thresholds))


C = Counter
CATALOGUE: tuple[BadgeSpec, ...] = (
    _b("first-answer", "First Light", "Answer your first question correctly", C.ANSWERS_CORRECT, 1),
    _b(
        "correct-answers",
        "Sharpshooter",
        "Answer {n} questions correctly",
        C.ANSWERS_CORRECT,
        50,
        250,
        1000,
        5000,
    ),
    _b(
        "independent",
        "Independent Thinker",
        "Answer {n} questions correctly without hints or mentor help",
        C.ANSWERS_CORRECT_UNASSISTED,
        25,
        150,
        750,
    ),
    _b(
        "first-try",
        "Right First Time",
        "Get {n} new questions right on the first try",
        C.FIRST_TRY_CORRECT,
        10,
        50,
        250,
    ),
    _b(
        "skill-specialist",
        "Specialist",
        "Answer {n} questions correctly in one skill",
        C.BEST_SKILL_CORRECT,
        25,
        100,
        250,
    ),
    _b("on-a-roll", "On a Roll", "Answer {n} questions correctly in a row", C.CORRECT_RUN_BEST, 10, 25, 50),
    _b(
        "no-hints",
        "Look, No Hints",
        "Answer {n} questions correctly in a row without any help",
        C.UNASSISTED_RUN_BEST,
        10,
        30,
    ),
    _b(
        "bounce-back",
        "Bounce Back",
        "Get {n} questions right that you once got wrong",
        C.BOUNCE_BACKS,
        5,
        25,
        100,
    ),
    _b("marathon", "Marathon", "Answer {n} questions in a single day", C.ANSWERS_DAY_BEST, 50, 150),
    _b("first-quiz", "Quiz Starter", "Pass your first quiz", C.QUIZZES_PASSED, 1),
    _b("quiz-champion", "Quiz Champion", "Pass {n} quizzes", C.QUIZZES_PASSED, 5, 25, 100),
    _b("perfectionist", "Perfectionist", "Score 100 % on {n} quizzes", C.QUIZZES_PERFECT, 1, 5, 20),
    _b("first-lesson", "First Page", "Complete your first lesson", C.LESSONS_COMPLETED, 1),
    _b("bookworm", "Bookworm", "Complete {n} lessons", C.LESSONS_COMPLETED, 10, 50, 200),
    _b("reviewer", "Reviewer", "Do {n} flashcard reviews", C.REVIEWS_DONE, 25, 250, 1000),
    _b("memory-keeper", "Memory Keeper", "Recall {n} due reviews correctly", C.RECALLS, 10, 100, 500),
    _b("long-memory", "Long Memory", "Recall {n} things you had not seen for a month", C.LONG_RECALLS, 1, 10),
    _b("streak", "Streak", "Meet your daily goal {n} days in a row", C.STREAK_BEST, 3, 7, 30, 100, 365),
    _b("goal-getter", "Goal Getter", "Meet your daily goal on {n} days", C.GOALS_MET, 1, 10, 50, 200),
    _b(
        "weekend-warrior",
        "Weekend Warrior",
        "Meet your goal on both days of {n} weekends",
        C.WEEKEND_GOALS,
        1,
        5,
        20,
    ),
    _b("safety-net", "Safety Net", "Earn a streak freeze", C.FREEZES_EARNED, 1),
    _b("early-bird", "Early Bird", "Study before 7 am on {n} days", C.EARLY_DAYS, 1, 10),
    _b("night-owl", "Night Owl", "Study after 10 pm on {n} days", C.LATE_DAYS, 1, 10),
    _b("explorer", "Explorer", "Practise {n} different skills", C.SKILLS_PRACTISED, 3, 10, 25),
    _b("skill-master", "Skill Master", "Master {n} skills", C.SKILLS_MASTERED, 1, 5, 15),
    _b("course-master", "Course Master", "Master every skill of {n} courses", C.COURSES_MASTERED, 1, 3),
    _b("level", "Climber", "Reach level {n}", C.LEVEL, 5, 10, 25, 50),
    _b("xp", "XP Collector", "Earn {n} XP", C.XP_TOTAL, 1000, 10000, 50000),
    _b(
        "comeback",
        "Welcome Back",
        "Come back to learning after a week or more away, {n} times",
        C.COMEBACKS,
        1,
        5,
    ),
)

BY_KEY: dict[str, BadgeSpec] = {b.key: b for b in CATALOGUE}
assert len(BY_KEY) == len(CATALOGUE), "duplicate badge key"


@dataclass(frozen=True)
class Unlock:
    key: str
    tier: int


def newly_earned(
    specs: Iterable[BadgeSpec], counters: Mapping[str, int], earned: set[tuple[str, int]]
) -> list[Unlock]:
    """Every (badge, tier) reached by `counters` and not in `earned` yet."""
    unlocks: list[Unlock] = []
    for spec in specs:
        value = counters.get(spec.counter, 0)
        for tier, threshold in enumerate(spec.thresholds, start=1):
            if value >= threshold and (spec.key, tier) not in earned:
                unlocks.append(Unlock(spec.key, tier))
    return unlocks


@dataclass(frozen=True)
class BadgeProgress:
    key: str
    name: str
    counter: str
    value: int
    tiers_earned: int
    tiers_total: int
    next_threshold: int | None  # None when every tier is earned
    next_description: str | None

    @property
    def fraction(self) -> float:
        if self.next_threshold is None:
            return 1.0
        return min(1.0, self.value / self.next_threshold)


def progress(spec: BadgeSpec, counters: Mapping[str, int], earned: set[tuple[str, int]]) -> BadgeProgress:
    value = counters.get(spec.counter, 0)
    done = sum(1 for tier in range(1, len(spec.thresholds) + 1) if (spec.key, tier) in earned)
    nxt = next((t for t in range(1, len(spec.thresholds) + 1) if (spec.key, t) not in earned), None)
    return BadgeProgress(
        key=spec.key,
        name=spec.name,
        counter=spec.counter.value,
        value=value,
        tiers_earned=done,
        tiers_total=len(spec.thresholds),
        next_threshold=None if nxt is None else spec.thresholds[nxt - 1],
        next_description=None if nxt is None else spec.describe(nxt),
    )
