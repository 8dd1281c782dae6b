"""Streaks: local days, midnight in the learner's zone, DST, freezes and vacation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from starguide.learning import streaks as st
from starguide.learning.streaks import StreakState, Vacation


def _run(days: list[date], vacations: list[Vacation] = ()) -> StreakState:  # type: ignore[assignment]
    state = StreakState()
    for d in days:
        state = st.record_goal_met(state, d, vacations).state
    return state


def test_midnight_is_the_learners_midnight() -> None:
    # 23:30 UTC on 1 March is already 2 March in Tokyo and still 1 March in New York.
    instant = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    assert st.local_day(instant, "Asia/Tokyo") == date(2026, 3, 2)
    assert st.local_day(instant, "America/New_York") == date(2026, 3, 1)
    assert st.local_day(instant, "Not/AZone") == date(2026, 3, 1)
    assert not st.is_valid_zone("Not/AZone")
    assert st.is_valid_zone("Europe/Berlin")
    # Two sessions 45 minutes apart across local midnight are two streak days.
    tz = "Asia/Kolkata"
    first = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)  # 23:30 local
    second = first + timedelta(minutes=45)  # 00:15 local next day
    state = _run([st.local_day(first, tz), st.local_day(second, tz)])
    assert state.current == 2


def test_dst_days_have_23_and_25_hours_and_count_once() -> None:
    spring = st.day_bounds(date(2026, 3, 29), "Europe/Berlin")
    autumn = st.day_bounds(date(2026, 10, 25), "Europe/Berlin")
    assert spring[1] - spring[0] == timedelta(hours=23)
    assert autumn[1] - autumn[0] == timedelta(hours=25)
    # Activity at 00:30 and 23:30 local on the 25-hour day is one day; the next day continues the streak.
    tz = "Europe/Berlin"
    start = autumn[0].astimezone(UTC)
    early, late = start + timedelta(minutes=30), start + timedelta(hours=24, minutes=30)
    assert st.local_day(early, tz) == st.local_day(late, tz) == date(2026, 10, 25)
    nxt = autumn[1] + timedelta(minutes=5)
    state = _run([st.local_day(early, tz), st.local_day(late, tz), st.local_day(nxt, tz)])
    assert state.current == 2
    # Spring forward: 23:50 on 28 March and 00:10 on 29 March (an hour of clock time lost) are two days.
    a = datetime(2026, 3, 28, 22, 50, tzinfo=UTC)  # 23:50 CET
    b = datetime(2026, 3, 28, 23, 10, tzinfo=UTC)  # 00:10 CET on the 29th
    assert _run([st.local_day(a, tz), st.local_day(b, tz)]).current == 2


def test_consecutive_days_count_and_a_gap_breaks() -> None:
    d0 = date(2026, 1, 5)
    state = _run([d0, d0, d0 + timedelta(days=1), d0 + timedelta(days=2)])
    assert (state.current, state.longest) == (3, 3)
    broken = st.record_goal_met(state, d0 + timedelta(days=4))
    assert broken.state.current == 1
    assert broken.state.longest == 3
    assert [o.outcome for o in broken.days] == ["missed", "counted"]
    assert st.view(state, d0 + timedelta(days=3)).at_risk
    assert st.view(state, d0 + timedelta(days=4)).current == 0


def test_freezes_are_earned_limited_and_cover_missed_days() -> None:
    d0 = date(2026, 2, 1)
    state = _run([d0 + timedelta(days=i) for i in range(7)])
    assert state.freezes == 1
    state = _run([d0 + timedelta(days=i) for i in range(30)])
    assert state.freezes == st.MAX_FREEZES
    last = d0 + timedelta(days=29)
    # Two missed days are covered by two freezes; the streak goes on.
    after = st.record_goal_met(state, last + timedelta(days=3))
    assert after.frozen == [last + timedelta(days=1), last + timedelta(days=2)]
    assert after.state.current == 31
    assert after.state.freezes == 0
    # Three missed days with two freezes: the streak breaks.
    again = st.record_goal_met(state, last + timedelta(days=4))
    assert again.state.current == 1
    # Reading the state settles past days the same way, and repeatedly settling changes nothing.
    v = st.view(state, last + timedelta(days=2))
    assert (v.current, v.freezes) == (30, 1)
    s1 = st.settle(state, last + timedelta(days=2)).state
    assert st.settle(s1, last + timedelta(days=2)).state == s1


def test_vacation_days_neither_count_nor_break() -> None:
    d0 = date(2026, 7, 1)
    state = _run([d0, d0 + timedelta(days=1)])
    vacation = [Vacation(d0 + timedelta(days=2), d0 + timedelta(days=9))]
    back = st.record_goal_met(state, d0 + timedelta(days=10), vacation)
    assert back.state.current == 3
    assert back.state.freezes == 0
    assert [o.outcome for o in back.days].count("vacation") == 8
    open_ended = [Vacation(d0 + timedelta(days=2))]
    v = st.view(state, d0 + timedelta(days=20), open_ended)
    assert v.on_vacation
    assert v.current == 2
    assert not v.at_risk
    # Without the vacation the same gap breaks the streak.
    assert st.record_goal_met(state, d0 + timedelta(days=10)).state.current == 1


def test_late_or_duplicate_day_is_ignored() -> None:
    d0 = date(2026, 4, 10)
    state = _run([d0, d0 + timedelta(days=1)])
    assert st.record_goal_met(state, d0).state == state
