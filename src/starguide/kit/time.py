"""Clock and timezone-aware UTC datetimes; services take a `Clock` so tests can drive time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """A naive value is taken to be UTC (what SQLite gives back); an aware one is converted."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class FrozenClock:
    """A clock for tests: returns the same instant until told to move."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = as_utc(start or utcnow())

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now
