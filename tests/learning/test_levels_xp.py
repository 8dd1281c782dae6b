"""XP rules and the level curve."""

from __future__ import annotations

import pytest

from starguide.learning import levels, xp
from starguide.learning.xp import AnswerFacts, Award, XPRule


def _facts(**kw: object) -> AnswerFacts:
    base: dict[str, object] = {
        "difficulty": 0.5,
        "correct": True,
        "first_try": True,
        "assisted": False,
        "recent_repeats": 0,
        "seen_before": False,
        "due_review": False,
    }
    base.update(kw)
    return AnswerFacts(**base)  # type: ignore[arg-type]


def test_level_curve_values_and_inverse() -> None:
    assert [levels.xp_for_level(n) for n in (1, 2, 3, 5, 10, 20, 50)] == [
        0,
        100,
        250,
        700,
        2700,
        10450,
        63700,
    ]
    for xp_total in range(0, 70_000, 37):
        level = levels.level_for_xp(xp_total)
        assert levels.xp_for_level(level) <= xp_total < levels.xp_for_level(level + 1)
    p = levels.progress(175)
    assert (p.level, p.level_start_xp, p.next_level_xp) == (2, 100, 250)
    assert p.fraction == pytest.approx(0.5)
    assert levels.progress(10**9).next_level_xp is None


def test_correct_answer_scales_with_difficulty_and_wrong_pays_nothing() -> None:
    easy = xp.answer_awards(_facts(difficulty=0.0, first_try=False))
    hard = xp.answer_awards(_facts(difficulty=1.0, first_try=False))
    assert easy == [Award(XPRule.CORRECT_ANSWER, 5)]
    assert hard == [Award(XPRule.CORRECT_ANSWER, 15)]
    assert xp.answer_awards(_facts(correct=False)) == []


def test_first_try_bonus_only_unassisted_and_new() -> None:
    rules = {a.rule for a in xp.answer_awards(_facts())}
    assert XPRule.FIRST_TRY_BONUS in rules
    assert XPRule.FIRST_TRY_BONUS not in {a.rule for a in xp.answer_awards(_facts(assisted=True))}
    assert XPRule.FIRST_TRY_BONUS not in {a.rule for a in xp.answer_awards(_facts(seen_before=True))}


def test_due_recall_pays_more_than_an_immediate_repeat() -> None:
    due = sum(a.amount for a in xp.answer_awards(_facts(first_try=False, seen_before=True, due_review=True)))
    repeat = sum(
        a.amount for a in xp.answer_awards(_facts(first_try=False, seen_before=True, recent_repeats=1))
    )
    assisted_due = sum(
        a.amount
        for a in xp.answer_awards(_facts(first_try=False, seen_before=True, due_review=True, assisted=True))
    )
    assert due > assisted_due > 0
    assert due > 2 * repeat


def test_repeats_diminish_to_zero() -> None:
    amounts = [
        sum(a.amount for a in xp.answer_awards(_facts(first_try=False, seen_before=True, recent_repeats=n)))
        for n in range(6)
    ]
    assert amounts == sorted(amounts, reverse=True)
    assert amounts[0] > amounts[1] > amounts[2]
    assert amounts[4] == amounts[5] == 0


def test_daily_caps_and_other_rules() -> None:
    cap = xp.RULES[XPRule.CORRECT_ANSWER].daily_cap
    assert xp.apply_cap(Award(XPRule.CORRECT_ANSWER, 10), cap - 4) == Award(XPRule.CORRECT_ANSWER, 4)
    assert xp.apply_cap(Award(XPRule.CORRECT_ANSWER, 10), cap + 50).amount == 0
    assert all(spec.daily_cap >= spec.base for spec in xp.RULES.values())
    assert xp.lesson_awards(first_completion=False) == []
    assert xp.lesson_awards(first_completion=True)[0].amount == 20
    assert xp.quiz_awards(passed=False, score=0.9, first_pass=True) == []
    assert xp.quiz_awards(passed=True, score=1.0, first_pass=True)[0].amount == 50
    assert xp.quiz_awards(passed=True, score=1.0, first_pass=False)[0].amount == 13
    assert [a.rule for a in xp.review_awards(recalled=True, was_due=True)] == [
        XPRule.REVIEW_DONE,
        XPRule.SPACED_RECALL,
    ]
    assert [a.rule for a in xp.review_awards(recalled=True, was_due=False)] == [XPRule.REVIEW_DONE]
    assert xp.goal_awards()[0].rule == XPRule.DAILY_GOAL_MET
