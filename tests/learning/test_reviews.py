"""Spaced repetition on FSRS: scheduling, ratings from answers, desired retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fsrs import Rating

from starguide.learning import reviews as rv

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def test_new_card_is_due_and_good_reviews_push_it_out() -> None:
    card = rv.new_card(NOW)
    assert rv.is_due(card, NOW)
    assert rv.retrievability(card, NOW) == 0.0
    t = NOW
    intervals = []
    for _ in range(5):
        card = rv.review(card, Rating.Good, t)
        intervals.append(card.due - t)
        t = card.due
    assert card.reps == 5
    assert card.state == 2
    assert intervals[-1] > intervals[-2] > timedelta(days=1)
    assert not rv.is_due(card, t - timedelta(hours=1))
    assert 0.8 < rv.retrievability(card, t) <= 1.0


def test_again_after_review_is_a_lapse_and_comes_back_soon() -> None:
    t = NOW
    card = rv.new_card(t)
    for _ in range(3):
        card = rv.review(card, Rating.Good, t)
        t = card.due
    lapsed = rv.review(card, Rating.Again, t)
    assert lapsed.lapses == 1
    assert lapsed.due - t < timedelta(hours=1)


def test_higher_retention_schedules_sooner() -> None:
    t = NOW
    card = rv.new_card(t)
    for _ in range(3):
        card = rv.review(card, Rating.Good, t)
        t = card.due
    low = rv.review(card, Rating.Good, t, desired_retention=0.8)
    high = rv.review(card, Rating.Good, t, desired_retention=0.95)
    assert high.due < low.due
    # Retention outside the supported range is clamped, never rejected by fsrs.
    assert (
        rv.review(card, Rating.Good, t, desired_retention=0.1).due
        == rv.review(card, Rating.Good, t, desired_retention=rv.MIN_RETENTION).due
    )


def test_rating_from_answer_and_seeded_fuzz_is_reproducible() -> None:
    assert rv.rating_for_answer(correct=False, assisted=False) == Rating.Again
    assert rv.rating_for_answer(correct=True, assisted=True, time_taken_ms=1000) == Rating.Hard
    assert rv.rating_for_answer(correct=True, assisted=False, time_taken_ms=3000) == Rating.Easy
    assert rv.rating_for_answer(correct=True, assisted=False, time_taken_ms=60_000) == Rating.Good
    t = NOW
    card = rv.new_card(t)
    for _ in range(4):
        card = rv.review(card, Rating.Good, t)
        t = card.due
    assert rv.review(card, Rating.Easy, t, seed=5).due == rv.review(card, Rating.Easy, t, seed=5).due
