"""Streaks: consecutive days, in the learner's own time zone, on which the daily goal was met.

Days are calendar dates in the learner's IANA zone: an instant is converted to a local date with
`zoneinfo`, never by adding a fixed offset, so midnight and the DST changes (23- and 25-hour days) fall
where the learner lives. A day counts when the daily goal is met. A missed day is covered, in order, by
vacation mode (the day is skipped: it neither counts nor breaks the streak) or by a streak freeze
(earned, one per `FREEZE_EVERY_DAYS` counted days, at most `MAX_FREEZES` in stock: two freezes help
as much as three). Otherwise the streak breaks. Past days are settled lazily, up to yesterday, so the
state is correct whenever it is read; today is never settled, because the learner can still meet it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MAX_FREEZES = 2
FREEZE_EVERY_DAYS = 7
MAX_VACATION_DAYS = 30


def zone(name: str) -> ZoneInfo:
    """The IANA zone `name`; unknown names fall back to UTC rather than failing a learner's request."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def is_valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def local_day(instant: datetime, tz: str) -> date:
    """The learner's calendar date at `instant` (aware)."""
    return instant.astimezone(zone(tz)).date()


def day_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    """The UTC-aware instants where the local `day` starts and the next one starts (23 to 25 hours apart)."""
    tzinfo = zone(tz)
    start = datetime(day.year, day.month, day.day, tzinfo=tzinfo)
    nxt = day + timedelta(days=1)
    end = datetime(nxt.year, nxt.month, nxt.day, tzinfo=tzinfo)
    return start.astimezone(UTC), end.astimezone(UTC)


@dataclass(frozen=True)
class Vacation:
    """Vacation mode from `start` to `end` inclusive (local dates); `end` None = still on vacation."""

    start: date
    end: date | None = None

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class StreakState:
    current: int = 0
    longest: int = 0
    last_counted: date | None = None  # the last day that counted
    settled_through: date | None = None  # every day up to this one has been decided
    freezes: int = 0
    counted_since_freeze: int = 0  # counted days towards the next earned freeze


@dataclass(frozen=True)
class DayOutcome:
    day: date
    outcome: str  # "counted" | "frozen" | "vacation" | "missed"


@dataclass(frozen=True)
class Settlement:
    state: StreakState
    days: list[DayOutcome] = field(default_factory=list)

    @property
    def frozen(self) -> list[date]:
        return [d.day for d in self.days if d.outcome == "frozen"]


def settle(state: StreakState, today: date, vacations: Sequence[Vacation] = ()) -> Settlement:
    """Decide every past day after `settled_through` up to yesterday (missed, frozen or vacation)."""
    if state.settled_through is None or state.current == 0:
        # Nothing to protect: jump ahead (a broken or fresh streak has no days to decide).
        through = today - timedelta(days=1)
        if state.settled_through is not None and state.settled_through >= through:
            return Settlement(state)
        return Settlement(replace(state, settled_through=through, current=0))
    outcomes: list[DayOutcome] = []
    day = state.settled_through + timedelta(days=1)
    current, freezes = state.current, state.freezes
    while day < today:
        if any(v.covers(day) for v in vacations):
            outcomes.append(DayOutcome(day, "vacation"))
        elif current == 0:
            # Streak already broken: the remaining past days need no decision.
            day = today - timedelta(days=1)
            break
        elif freezes > 0:
            freezes -= 1
            outcomes.append(DayOutcome(day, "frozen"))
        else:
            current = 0
            outcomes.append(DayOutcome(day, "missed"))
        day += timedelta(days=1)
    through = max(state.settled_through, today - timedelta(days=1))
    return Settlement(replace(state, current=current, freezes=freezes, settled_through=through), outcomes)


def record_goal_met(state: StreakState, day: date, vacations: Sequence[Vacation] = ()) -> Settlement:
    """The daily goal was met on local `day`: settle the days before it, then count it (once)."""
    if state.last_counted is not None and day <= state.last_counted:
        return Settlement(state)
    settled = settle(state, day, vacations)
    s = settled.state
    current = s.current + 1
    earned = s.counted_since_freeze + 1
    freezes = s.freezes
    if earned >= FREEZE_EVERY_DAYS:
        earned = 0
        freezes = min(MAX_FREEZES, freezes + 1)
    new = replace(
        s,
        current=current,
        longest=max(s.longest, current),
        last_counted=day,
        settled_through=day,
        freezes=freezes,
        counted_since_freeze=earned,
    )
    return Settlement(new, [*settled.days, DayOutcome(day, "counted")])


@dataclass(frozen=True)
class StreakView:
    current: int
    longest: int
    freezes: int
    today_counted: bool
    at_risk: bool  # today not yet counted and a streak is running
    on_vacation: bool


def view(state: StreakState, today: date, vacations: Sequence[Vacation] = ()) -> StreakView:
    """What the learner sees today (after settling past days)."""
    s = settle(state, today, vacations).state
    counted = s.last_counted == today
    on_vacation = any(v.covers(today) for v in vacations)
    return StreakView(
        current=s.current,
        longest=s.longest,
        freezes=s.freezes,
        today_counted=counted,
        at_risk=s.current > 0 and not counted and not on_vacation,
        on_vacation=on_vacation,
    )
