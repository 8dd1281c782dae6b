"""XP rules, in one table: what pays, how much, and the daily cap of each rule.

XP rewards durable learning more than activity. A correct answer pays by difficulty, less when it was
assisted, and much less when it repeats a question answered a moment ago; recalling a question after a
delay (a due review) pays a bonus on top. Every rule has a daily cap in the learner's own day, so XP
cannot be farmed. The functions here are pure: the engine gives them the facts (repeats, due state,
what was already paid today) and writes what they return to the ledger.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum


class XPRule(StrEnum):
    CORRECT_ANSWER = "correct_answer"
    FIRST_TRY_BONUS = "first_try_bonus"
    SPACED_RECALL = "spaced_recall"
    REVIEW_DONE = "review_done"
    LESSON_COMPLETED = "lesson_completed"
    QUIZ_PASSED = "quiz_passed"
    DAILY_GOAL_MET = "daily_goal_met"


@dataclass(frozen=True)
class RuleSpec:
    base: int
    daily_cap: int
    description: str


# The one table of XP rules (docs/learning.md renders the same numbers).
RULES: dict[XPRule, RuleSpec] = {
    XPRule.CORRECT_ANSWER: RuleSpec(
        10, 400, "correct answer: base x (0.5 + difficulty); x 0.5 when assisted; repeats within a day decay"
    ),
    XPRule.FIRST_TRY_BONUS: RuleSpec(
        5, 100, "correct on the first try, unassisted, on a question new to you"
    ),
    XPRule.SPACED_RECALL: RuleSpec(
        10, 200, "correct, unassisted recall of a question that was due for review (after a delay)"
    ),
    XPRule.REVIEW_DONE: RuleSpec(2, 100, "a flashcard review (any rating)"),
    XPRule.LESSON_COMPLETED: RuleSpec(20, 200, "a lesson completed for the first time"),
    XPRule.QUIZ_PASSED: RuleSpec(
        30, 300, "a quiz passed: base + 20 x score; a repeat pass of the same quiz pays 1/4"
    ),
    XPRule.DAILY_GOAL_MET: RuleSpec(15, 15, "the daily XP goal met (once a day)"),
}

# A question answered again within this many hours counts as an immediate repeat.
REPEAT_WINDOW_HOURS = 24
# Each repeat of the same question within the window halves the answer XP; from the 4th on it pays 0.
REPEAT_DECAY = 0.5
MAX_PAID_REPEATS = 3
ASSISTED_FACTOR = 0.5
REPEAT_QUIZ_FACTOR = 0.25


@dataclass(frozen=True)
class AnswerFacts:
    """What the engine knows about one graded answer when it pays XP."""

    difficulty: float  # 0..1
    correct: bool
    first_try: bool
    assisted: bool
    recent_repeats: int  # earlier answers to this question within REPEAT_WINDOW_HOURS
    seen_before: bool  # answered this question ever before
    due_review: bool  # the question's review card was due when answered


@dataclass(frozen=True)
class Award:
    rule: XPRule
    amount: int


def answer_awards(facts: AnswerFacts) -> list[Award]:
    """The XP an answer earns, before daily caps."""
    if not facts.correct:
        return []
    difficulty = min(1.0, max(0.0, facts.difficulty))
    amount = RULES[XPRule.CORRECT_ANSWER].base * (0.5 + difficulty)
    if facts.assisted:
        amount *= ASSISTED_FACTOR
    if facts.recent_repeats > MAX_PAID_REPEATS:
        amount = 0.0
    else:
        amount *= REPEAT_DECAY**facts.recent_repeats
    awards = [Award(XPRule.CORRECT_ANSWER, math.floor(amount + 0.5))] if amount >= 0.5 else []
    if facts.first_try and not facts.assisted and not facts.seen_before:
        awards.append(Award(XPRule.FIRST_TRY_BONUS, RULES[XPRule.FIRST_TRY_BONUS].base))
    if facts.due_review and not facts.assisted and facts.recent_repeats == 0:
        awards.append(Award(XPRule.SPACED_RECALL, RULES[XPRule.SPACED_RECALL].base))
    return awards


def review_awards(*, recalled: bool, was_due: bool) -> list[Award]:
    """A flashcard review: a small fee for doing it, the recall bonus when it was due and remembered."""
    awards = [Award(XPRule.REVIEW_DONE, RULES[XPRule.REVIEW_DONE].base)]
    if recalled and was_due:
        awards.append(Award(XPRule.SPACED_RECALL, RULES[XPRule.SPACED_RECALL].base))
    return awards


def lesson_awards(*, first_completion: bool) -> list[Award]:
    if not first_completion:
        return []
    return [Award(XPRule.LESSON_COMPLETED, RULES[XPRule.LESSON_COMPLETED].base)]


def quiz_awards(*, passed: bool, score: float, first_pass: bool) -> list[Award]:
    if not passed:
        return []
    amount = RULES[XPRule.QUIZ_PASSED].base + 20 * min(1.0, max(0.0, score))
    if not first_pass:
        amount *= REPEAT_QUIZ_FACTOR
    return [Award(XPRule.QUIZ_PASSED, math.floor(amount + 0.5))]


def goal_awards() -> list[Award]:
    return [Award(XPRule.DAILY_GOAL_MET, RULES[XPRule.DAILY_GOAL_MET].base)]


def apply_cap(award: Award, paid_today: int) -> Award:
    """The award cut to what is left of its rule's daily cap (`paid_today` = XP of that rule today)."""
    room = max(0, RULES[award.rule].daily_cap - paid_today)
    return Award(award.rule, min(award.amount, room))
