"""Spaced repetition with FSRS (the `fsrs` package, without its optimizer): cards, ratings, due dates.

FSRS with its default parameters already beats SM-2 on the open srs-benchmark (log loss 0.339 against
0.547), so it schedules well from a learner's first day without a per-learner fit. Each learner sets a
desired retention (the probability of recall aimed for at the due date): higher means more reviews.
A card is stored as plain columns (`CardData`), so this module is the only place that knows `fsrs`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime

from fsrs import Card, Rating, Scheduler, State

DEFAULT_RETENTION = 0.9
MIN_RETENTION = 0.7
MAX_RETENTION = 0.97
MAXIMUM_INTERVAL_DAYS = 365
# An answer faster than this (per question) is an easy recall.
EASY_ANSWER_MS = 8_000


@dataclass(frozen=True)
class CardData:
    """An FSRS card as stored in the database."""

    state: int  # fsrs.State: 1 learning, 2 review, 3 relearning
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None
    reps: int = 0
    lapses: int = 0


def new_card(now: datetime) -> CardData:
    """A card that is due at once (first seen now)."""
    return CardData(State.Learning.value, 0, None, None, now, None)


def scheduler(desired_retention: float = DEFAULT_RETENTION, *, fuzz: bool = False) -> Scheduler:
    retention = min(MAX_RETENTION, max(MIN_RETENTION, desired_retention))
    return Scheduler(desired_retention=retention, maximum_interval=MAXIMUM_INTERVAL_DAYS, enable_fuzzing=fuzz)


def rating_for_answer(*, correct: bool, assisted: bool, time_taken_ms: int | None = None) -> Rating:
    """A graded answer as an FSRS rating: wrong = Again, assisted = Hard, quick and unaided = Easy."""
    if not correct:
        return Rating.Again
    if assisted:
        return Rating.Hard
    if time_taken_ms is not None and 0 < time_taken_ms <= EASY_ANSWER_MS:
        return Rating.Easy
    return Rating.Good


def _utc(value: datetime) -> datetime:
    # fsrs insists on the `timezone.utc` singleton, not just any UTC-aware tzinfo.
    return value.astimezone(UTC)


def review(
    card: CardData,
    rating: Rating,
    now: datetime,
    *,
    desired_retention: float = DEFAULT_RETENTION,
    seed: int | None = None,
) -> CardData:
    """The card after a review with `rating` at `now`.

    Fuzzing spreads due dates so cards learned together do not all fall due on one day; `seed`
    makes it reproducible (tests and replays), `None` leaves it off.
    """
    fsrs_card = Card(
        card_id=1,
        state=State(card.state),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=_utc(card.due),
        last_review=None if card.last_review is None else _utc(card.last_review),
    )
    sched = scheduler(desired_retention, fuzz=seed is not None)
    if seed is not None:
        state = random.getstate()
        random.seed(seed)
        try:
            updated, _log = sched.review_card(fsrs_card, rating, _utc(now))
        finally:
            random.setstate(state)
    else:
        updated, _log = sched.review_card(fsrs_card, rating, _utc(now))
    return CardData(
        state=int(updated.state.value),
        step=updated.step,
        stability=updated.stability,
        difficulty=updated.difficulty,
        due=updated.due,
        last_review=updated.last_review,
        reps=card.reps + 1,
        lapses=card.lapses + (1 if rating == Rating.Again and card.state == State.Review.value else 0),
    )


def retrievability(card: CardData, now: datetime, desired_retention: float = DEFAULT_RETENTION) -> float:
    """Estimated probability of recalling the card at `now` (0 for a card never reviewed)."""
    if card.last_review is None or card.stability is None:
        return 0.0
    fsrs_card = Card(
        card_id=1,
        state=State(card.state),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=_utc(card.due),
        last_review=_utc(card.last_review),
    )
    return float(scheduler(desired_retention).get_card_retrievability(fsrs_card, _utc(now)))


def is_due(card: CardData, now: datetime) -> bool:
    return card.due <= now
