"""The learning engine's event handlers: graded answers, lessons and quizzes become XP, streaks and badges.

Each handler runs in the dispatcher's write transaction for that event. When the outbox delivers a
batch of events together, `batch_scope` first loads what the whole batch needs (profiles, counters,
days, XP paid today, cards, mastery, badges, …) in a few Core queries per organisation, as plain rows
(`rows.py`); the handlers then compute in memory on those rows, exactly as on the ORM rows of an event
delivered alone, and at the end the batch's new rows are inserted and its changed rows updated with
one executemany a table (ledger and badge rows with ON CONFLICT DO NOTHING). The learner's profile row is
locked first (`FOR UPDATE` on PostgreSQL; SQLite serialises writers anyway), so two events of the same
learner delivered at once apply one after the other. XP goes to the append-only ledger with
`ON CONFLICT DO NOTHING` on (source event, rule): a duplicate delivery pays nothing, and only XP that
was actually inserted moves the totals.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from fsrs import Rating
from sqlalchemy import bindparam, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TupleType

from starguide.auth.models import User
from starguide.kit.events import (
    AnswerGraded,
    AttemptSubmitted,
    BadgeEarned,
    DomainEvent,
    LessonCompleted,
    LevelReached,
    MentorHelpGiven,
)
from starguide.kit.ids import uuid7
from starguide.kit.outbox import record_event
from starguide.kit.sql import among
from starguide.kit.tenancy import scoped
from starguide.learning import badges, leaderboards, levels, mastery, reviews, streaks, xp
from starguide.learning.badges import Counter
from starguide.learning.leaderboards import LeaderboardCache
from starguide.learning.models import (
    Assist,
    CompletedItem,
    CourseSkill,
    CustomBadge,
    DailyActivity,
    EarnedBadge,
    ItemDifficulty,
    LearningCounter,
    LearningProfile,
    ReviewCard,
    SkillMastery,
    Vacation,
    XPLedgerEntry,
)
from starguide.learning.queries import insert_ignore, insert_ignore_many, is_sqlite, tenant
from starguide.learning.rows import (
    AssistLike,
    Card,
    CardRow,
    Completion,
    CompletionRow,
    Day,
    DayRow,
    Item,
    ItemRow,
    Mastery,
    MasteryRow,
    Profile,
    ProfileRow,
    Tracked,
    assist_select,
    assists_of,
    card_tracker,
    completion_tracker,
    day_tracker,
    insert_statement,
    item_tracker,
    mastery_tracker,
    profile_tracker,
    update_statement,
)

# The mentor's help counts for answers within this time after it.
ASSIST_WINDOW = timedelta(minutes=15)
LONG_RECALL_DAYS = 30
COMEBACK_DAYS = 7
EARLY_HOUR, LATE_HOUR = 7, 22
GOAL_NAMESPACE = uuid.UUID("4b1f7f3e-9a57-4c1e-9d0c-6a1e5b7c2d10")
LEADERBOARD_MODES = ("visible", "anonymous", "hidden")


def goal_event_id(learner_id: uuid.UUID, day: date) -> uuid.UUID:
    """The source id of a day's goal award: one per learner and local day, whatever triggers it."""
    return uuid.uuid5(GOAL_NAMESPACE, f"{learner_id}:{day.isoformat()}")


OrgLearner = tuple[uuid.UUID, uuid.UUID]
LearnerDay = tuple[uuid.UUID, uuid.UUID, date]
PRELOAD_KEY = "learning.preload"


@dataclass
class Preload:
    """The rows a batch of events needs, loaded up front, and the rows made while processing it.

    Keys are (organisation, learner, …). A key that is present is the truth for the whole batch
    (None: known not to exist yet); a key that is absent was not loaded and is read from the database
    on first use. Rows are plain `rows.*Row` objects read with Core selects; each table's `Tracked`
    writes the new and changed ones when the batch ends, with the ledger and badge rows.
    """

    profiles: dict[OrgLearner, ProfileRow] = field(default_factory=dict)
    time_zones: dict[uuid.UUID, str] = field(default_factory=dict)
    # Counter values of the batch's learners, shared with each event's Context, and as they were loaded.
    counters: dict[OrgLearner, dict[str, int]] = field(default_factory=dict)
    counters_loaded: dict[OrgLearner, dict[str, int]] = field(default_factory=dict)
    days: dict[LearnerDay, DayRow | None] = field(default_factory=dict)
    paid: dict[LearnerDay, dict[str, int]] = field(default_factory=dict)
    ledger_keys: set[tuple[uuid.UUID, str]] = field(default_factory=set)
    ledger_rows: list[dict[str, Any]] = field(default_factory=list)
    vacations: dict[OrgLearner, list[streaks.Vacation]] = field(default_factory=dict)
    custom: dict[uuid.UUID, list[badges.BadgeSpec]] = field(default_factory=dict)
    earned: dict[OrgLearner, set[tuple[str, int]]] = field(default_factory=dict)
    badge_rows: list[dict[str, Any]] = field(default_factory=list)
    assists: dict[OrgLearner, list[AssistLike]] = field(default_factory=dict)
    cards: dict[tuple[uuid.UUID, uuid.UUID, uuid.UUID], CardRow | None] = field(default_factory=dict)
    items: dict[tuple[uuid.UUID, uuid.UUID], ItemRow | None] = field(default_factory=dict)
    mastery: dict[tuple[uuid.UUID, uuid.UUID, uuid.UUID], MasteryRow | None] = field(default_factory=dict)
    course_skills: set[tuple[uuid.UUID, uuid.UUID, uuid.UUID]] = field(default_factory=set)
    course_skill_rows: list[dict[str, Any]] = field(default_factory=list)
    skill_ids: dict[tuple[uuid.UUID, uuid.UUID | None, str], uuid.UUID] = field(default_factory=dict)
    completions: dict[tuple[uuid.UUID, uuid.UUID, str, uuid.UUID], CompletionRow | None] = field(
        default_factory=dict
    )
    org_settings: dict[uuid.UUID, tuple[str, bool]] = field(default_factory=dict)
    profile_rows: Tracked[ProfileRow] = field(default_factory=profile_tracker)
    day_rows: Tracked[DayRow] = field(default_factory=day_tracker)
    card_rows: Tracked[CardRow] = field(default_factory=card_tracker)
    mastery_rows: Tracked[MasteryRow] = field(default_factory=mastery_tracker)
    item_rows: Tracked[ItemRow] = field(default_factory=item_tracker)
    completion_rows: Tracked[CompletionRow] = field(default_factory=completion_tracker)


def preload_of(session: AsyncSession) -> Preload | None:
    pre = session.info.get(PRELOAD_KEY)
    return pre if isinstance(pre, Preload) else None


@dataclass
class Context:
    """What one event's processing has loaded and changed (flushed at the end)."""

    session: AsyncSession
    org_id: uuid.UUID
    learner_id: uuid.UUID
    now: datetime
    profile: Profile
    tz: str
    day: date
    counters: dict[str, int] = field(default_factory=dict)
    counter_rows: dict[str, LearningCounter] = field(default_factory=dict)
    xp_by_course: dict[uuid.UUID | None, int] = field(default_factory=dict)
    cache: LeaderboardCache | None = None
    pre: Preload | None = None

    def bump(self, key: Counter, by: int = 1) -> None:
        self._set(key, self.counters.get(key, 0) + by)

    def best(self, key: Counter, value: int) -> None:
        if value > self.counters.get(key, 0):
            self._set(key, value)

    def _set(self, key: str, value: int) -> None:
        self.counters[key] = value
        if self.pre is not None:
            return  # `counters` is the batch's own dict of the learner's counters, written at its end
        row = self.counter_rows.get(key)
        if row is None:
            row = LearningCounter(
                organisation_id=self.org_id, learner_id=self.learner_id, key=key, value=value
            )
            self.session.add(row)
            self.counter_rows[key] = row
        else:
            row.value = value


async def learner_time_zone(session: AsyncSession, learner_id: uuid.UUID) -> str:
    tz = await session.scalar(select(User.time_zone).where(User.id == learner_id))
    return tz or "UTC"


async def load_profile(
    session: AsyncSession, org_id: uuid.UUID, learner_id: uuid.UUID, *, lock: bool = False
) -> LearningProfile:
    """The learner's profile in `org_id`, created on first use (and locked for update when asked)."""
    stmt = scoped(select(LearningProfile), LearningProfile, org_id).where(
        LearningProfile.learner_id == learner_id
    )
    if lock:
        stmt = stmt.with_for_update()
    profile = await session.scalar(stmt)
    if profile is None:
        values = {"organisation_id": org_id, "learner_id": learner_id}
        await session.execute(insert_ignore(session, LearningProfile, [{"id": uuid.uuid4(), **values}]))
        profile = await session.scalar(stmt)
        assert profile is not None
    return profile


async def _context(
    session: AsyncSession,
    org_id: uuid.UUID,
    learner_id: uuid.UUID,
    now: datetime,
    cache: LeaderboardCache | None = None,
) -> Context:
    pre = preload_of(session)
    if pre is not None and (org_id, learner_id) in pre.profiles:
        tz = pre.time_zones.get(learner_id) or "UTC"
        ctx = Context(
            session,
            org_id,
            learner_id,
            now,
            pre.profiles[(org_id, learner_id)],
            tz,
            streaks.local_day(now, tz),
            cache=cache,
            pre=pre,
        )
        ctx.counters = pre.counters.setdefault((org_id, learner_id), {})
        return ctx
    # Rows added by an earlier event in the same transaction must be visible to this one.
    await session.flush()
    profile = await load_profile(session, org_id, learner_id, lock=True)
    tz = await learner_time_zone(session, learner_id)
    rows = (
        await session.scalars(
            scoped(select(LearningCounter), LearningCounter, org_id).where(
                LearningCounter.learner_id == learner_id
            )
        )
    ).all()
    ctx = Context(session, org_id, learner_id, now, profile, tz, streaks.local_day(now, tz), cache=cache)
    ctx.counter_rows = {r.key: r for r in rows}
    ctx.counters = {r.key: r.value for r in rows}
    return ctx


async def _get_day(ctx: Context, day: date) -> Day | None:
    key = (ctx.org_id, ctx.learner_id, day)
    pre = ctx.pre
    if pre is None:
        return await ctx.session.get(DailyActivity, key)
    if key not in pre.days:
        t = pre.day_rows
        found = await t.load(
            ctx.session,
            scoped(t.select(), t.c, ctx.org_id).where(t.c.learner_id == ctx.learner_id, t.c.day == day),
        )
        pre.days[key] = found[0] if found else None
    return pre.days[key]


def _add_day(ctx: Context, day: date, streak_outcome: str | None = None) -> Day:
    """A new day row of the learner (its goal is the learner's goal now)."""
    goal = ctx.profile.daily_goal_xp
    if ctx.pre is not None:
        row = ctx.pre.day_rows.add(
            DayRow(ctx.org_id, ctx.learner_id, day, 0, 0, 0, goal, False, streak_outcome)
        )
        ctx.pre.days[(ctx.org_id, ctx.learner_id, day)] = row
        return row
    orm = DailyActivity(
        organisation_id=ctx.org_id,
        learner_id=ctx.learner_id,
        day=day,
        xp=0,
        answers=0,
        correct=0,
        goal_xp=goal,
        goal_met=False,
        streak_outcome=streak_outcome,
    )
    ctx.session.add(orm)
    return orm


async def _today(ctx: Context) -> Day:
    row = await _get_day(ctx, ctx.day)
    if row is None:
        row = _add_day(ctx, ctx.day)
        local = ctx.now.astimezone(streaks.zone(ctx.tz))
        if local.hour < EARLY_HOUR:
            ctx.bump(Counter.EARLY_DAYS)
        if local.hour >= LATE_HOUR:
            ctx.bump(Counter.LATE_DAYS)
        last = ctx.profile.last_active_day
        if last is not None and (ctx.day - last).days >= COMEBACK_DAYS:
            ctx.bump(Counter.COMEBACKS)
        ctx.profile.last_active_day = ctx.day
    return row


async def _paid_today(ctx: Context) -> dict[str, int]:
    rows = await ctx.session.execute(
        tenant(select(XPLedgerEntry.rule, func.sum(XPLedgerEntry.amount)), XPLedgerEntry, ctx.org_id)
        .where(XPLedgerEntry.learner_id == ctx.learner_id, XPLedgerEntry.local_day == ctx.day)
        .group_by(XPLedgerEntry.rule)
    )
    return {rule: int(total or 0) for rule, total in rows.all()}


async def _pay(
    ctx: Context,
    source_event_id: uuid.UUID,
    awards: Iterable[xp.Award],
    course_id: uuid.UUID | None,
    day: Day,
) -> int:
    """Write the awards (capped per rule and day) to the ledger; returns the XP actually inserted."""
    awards = [a for a in awards if a.amount > 0]
    if not awards:
        return 0
    if ctx.pre is not None:
        return _pay_in_batch(ctx, ctx.pre, source_event_id, awards, course_id, day)
    paid = await _paid_today(ctx)
    rows: list[dict[str, Any]] = []
    for award in awards:
        capped = xp.apply_cap(award, paid.get(award.rule, 0))
        if capped.amount <= 0:
            continue
        paid[award.rule] = paid.get(award.rule, 0) + capped.amount
        rows.append(_ledger_row(ctx, source_event_id, capped, course_id))
    total = 0
    for row in rows:
        result = await ctx.session.execute(insert_ignore(ctx.session, XPLedgerEntry, [row]))
        if result.rowcount:  # type: ignore[attr-defined]
            total += row["amount"]
    _credit(ctx, day, course_id, total)
    return total


def _ledger_row(
    ctx: Context, source_event_id: uuid.UUID, award: xp.Award, course_id: uuid.UUID | None
) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "organisation_id": ctx.org_id,
        "learner_id": ctx.learner_id,
        "source_event_id": source_event_id,
        "rule": award.rule.value,
        "amount": award.amount,
        "course_id": course_id,
        "local_day": ctx.day,
        "earned_at": ctx.now,
    }


def _credit(ctx: Context, day: Day, course_id: uuid.UUID | None, total: int) -> None:
    """XP actually inserted adds to the learner's total, the day and the course."""
    if total:
        ctx.profile.xp_total += total
        day.xp += total
        ctx.xp_by_course[course_id] = ctx.xp_by_course.get(course_id, 0) + total


def _pay_in_batch(
    ctx: Context,
    pre: Preload,
    source_event_id: uuid.UUID,
    awards: list[xp.Award],
    course_id: uuid.UUID | None,
    day: Day,
) -> int:
    """`_pay` on the batch's rows: what the ledger already holds was loaded with the batch (under the
    profiles' locks), so a duplicate (event, rule) is skipped here and the row is inserted at the end."""
    paid = pre.paid.setdefault((ctx.org_id, ctx.learner_id, ctx.day), {})
    total = 0
    for award in awards:
        capped = xp.apply_cap(award, paid.get(award.rule, 0))
        if capped.amount <= 0:
            continue
        paid[award.rule] = paid.get(award.rule, 0) + capped.amount
        key = (source_event_id, capped.rule.value)
        if key in pre.ledger_keys:
            continue
        pre.ledger_keys.add(key)
        pre.ledger_rows.append(_ledger_row(ctx, source_event_id, capped, course_id))
        total += capped.amount
    _credit(ctx, day, course_id, total)
    return total


async def _vacations(ctx: Context) -> list[streaks.Vacation]:
    if ctx.pre is not None and (ctx.org_id, ctx.learner_id) in ctx.pre.vacations:
        return ctx.pre.vacations[(ctx.org_id, ctx.learner_id)]
    rows = (
        await ctx.session.scalars(
            scoped(select(Vacation), Vacation, ctx.org_id).where(Vacation.learner_id == ctx.learner_id)
        )
    ).all()
    return [streaks.Vacation(r.start_day, r.end_day) for r in rows]


def streak_state(profile: Profile) -> streaks.StreakState:
    return streaks.StreakState(
        current=profile.streak_current,
        longest=profile.streak_longest,
        last_counted=profile.streak_last_counted,
        settled_through=profile.streak_settled_through,
        freezes=profile.streak_freezes,
        counted_since_freeze=profile.streak_counted_since_freeze,
    )


def _store_streak(profile: Profile, state: streaks.StreakState) -> None:
    profile.streak_current = state.current
    profile.streak_longest = state.longest
    profile.streak_last_counted = state.last_counted
    profile.streak_settled_through = state.settled_through
    profile.streak_freezes = state.freezes
    profile.streak_counted_since_freeze = state.counted_since_freeze


async def _check_goal(ctx: Context, day: Day, source_event_id: uuid.UUID) -> None:
    """Meeting the day's goal pays once, counts the streak day and may earn a freeze."""
    if day.goal_met or day.xp < day.goal_xp:
        return
    day.goal_met = True
    day.streak_outcome = "counted"
    await _pay(ctx, goal_event_id(ctx.learner_id, ctx.day), xp.goal_awards(), None, day)
    before = streak_state(ctx.profile)
    settlement = streaks.record_goal_met(before, ctx.day, await _vacations(ctx))
    _store_streak(ctx.profile, settlement.state)
    for outcome in settlement.days:
        if outcome.day == ctx.day:
            continue
        past = await _get_day(ctx, outcome.day)
        if past is None:
            _add_day(ctx, outcome.day, outcome.outcome)
        else:
            past.streak_outcome = outcome.outcome
    ctx.bump(Counter.GOALS_MET)
    ctx.best(Counter.STREAK_BEST, settlement.state.longest)
    earned = settlement.state.freezes - before.freezes + len(settlement.frozen)
    if earned > 0:
        ctx.bump(Counter.FREEZES_EARNED, earned)
    if ctx.day.weekday() in (5, 6):
        other = ctx.day + timedelta(days=1 if ctx.day.weekday() == 5 else -1)
        other_row = await _get_day(ctx, other)
        if other_row is not None and other_row.goal_met:
            ctx.bump(Counter.WEEKEND_GOALS)


async def _finish(ctx: Context, source_event_id: uuid.UUID) -> None:
    """Level-ups, badges and the leaderboard cache, after an event's XP and counters are known."""
    new_level = levels.level_for_xp(ctx.profile.xp_total)
    if new_level > ctx.profile.level:
        ctx.profile.level = new_level
        record_event(
            ctx.session,
            LevelReached(
                organisation_id=ctx.org_id,
                learner_id=ctx.learner_id,
                level=new_level,
                xp_total=ctx.profile.xp_total,
                occurred_at=ctx.now,
            ),
        )
    ctx.best(Counter.LEVEL, ctx.profile.level)
    ctx.best(Counter.XP_TOTAL, ctx.profile.xp_total)
    await award_badges(ctx)
    cache = ctx.cache
    if ctx.xp_by_course and ctx.profile.leaderboard_mode != "hidden" and cache is not None and cache.redis:
        if ctx.pre is not None and ctx.org_id in ctx.pre.org_settings:
            org_tz, _enabled = ctx.pre.org_settings[ctx.org_id]
        else:
            org_tz, _enabled = await leaderboards.org_settings(ctx.session, ctx.org_id)
            if ctx.pre is not None:
                ctx.pre.org_settings[ctx.org_id] = (org_tz, _enabled)
        cache.schedule(ctx.session, ctx.org_id, org_tz, ctx.learner_id, dict(ctx.xp_by_course), ctx.now)


async def custom_specs(session: AsyncSession, org_id: uuid.UUID) -> list[badges.BadgeSpec]:
    rows = (
        await session.scalars(
            scoped(select(CustomBadge), CustomBadge, org_id).where(CustomBadge.active.is_(True))
        )
    ).all()
    return [custom_spec(r) for r in rows]


def custom_spec(row: CustomBadge) -> badges.BadgeSpec:
    return badges.BadgeSpec(
        key=f"org-{row.id}",
        name=row.name,
        description=row.description,
        counter=Counter(row.counter),
        thresholds=tuple(int(v) for v in row.thresholds.get("values", [])),
    )


async def award_badges(ctx: Context) -> None:
    if ctx.pre is not None:
        await _award_badges_in_batch(ctx, ctx.pre)
        return
    specs = [*badges.CATALOGUE, *(await custom_specs(ctx.session, ctx.org_id))]
    earned = {
        (k, t)
        for k, t in (
            await ctx.session.execute(
                tenant(select(EarnedBadge.badge_key, EarnedBadge.tier), EarnedBadge, ctx.org_id).where(
                    EarnedBadge.learner_id == ctx.learner_id
                )
            )
        ).all()
    }
    by_key = {s.key: s for s in specs}
    for unlock in badges.newly_earned(specs, ctx.counters, earned):
        spec = by_key[unlock.key]
        result = await ctx.session.execute(
            insert_ignore(
                ctx.session,
                EarnedBadge,
                [
                    {
                        "id": uuid.uuid4(),
                        "organisation_id": ctx.org_id,
                        "learner_id": ctx.learner_id,
                        "badge_key": unlock.key,
                        "tier": unlock.tier,
                        "earned_at": ctx.now,
                    }
                ],
            )
        )
        if result.rowcount:  # type: ignore[attr-defined]
            record_event(
                ctx.session,
                BadgeEarned(
                    organisation_id=ctx.org_id,
                    learner_id=ctx.learner_id,
                    badge_key=unlock.key,
                    tier=unlock.tier,
                    name=spec.name,
                    occurred_at=ctx.now,
                ),
            )


async def _award_badges_in_batch(ctx: Context, pre: Preload) -> None:
    """`award_badges` on the batch's rows: earned tiers were loaded with the batch; rows go in at the end."""
    if ctx.org_id not in pre.custom:
        pre.custom[ctx.org_id] = await custom_specs(ctx.session, ctx.org_id)
    specs = [*badges.CATALOGUE, *pre.custom[ctx.org_id]]
    earned = pre.earned.setdefault((ctx.org_id, ctx.learner_id), set())
    by_key = {s.key: s for s in specs}
    for unlock in badges.newly_earned(specs, ctx.counters, earned):
        earned.add((unlock.key, unlock.tier))
        pre.badge_rows.append(
            {
                "id": uuid.uuid4(),
                "organisation_id": ctx.org_id,
                "learner_id": ctx.learner_id,
                "badge_key": unlock.key,
                "tier": unlock.tier,
                "earned_at": ctx.now,
            }
        )
        record_event(
            ctx.session,
            BadgeEarned(
                organisation_id=ctx.org_id,
                learner_id=ctx.learner_id,
                badge_key=unlock.key,
                tier=unlock.tier,
                name=by_key[unlock.key].name,
                occurred_at=ctx.now,
            ),
        )


def _assist_covers(row: AssistLike, question_id: uuid.UUID, wanted_skills: set[str]) -> bool:
    """Whether the mentor's help `row` was about this question or one of these skills."""
    helped = row.skill_ids or {}
    return (
        row.question_id == question_id
        or str(question_id) in helped.get("questions", [])
        or bool(wanted_skills & set(helped.get("ids", [])))
    )


async def _recently_assisted(ctx: Context, question_id: uuid.UUID, skill_ids: Sequence[uuid.UUID]) -> bool:
    wanted = {str(s) for s in skill_ids}
    if ctx.pre is not None and (ctx.org_id, ctx.learner_id) in ctx.pre.assists:
        return any(
            ctx.now - ASSIST_WINDOW <= r.at <= ctx.now and _assist_covers(r, question_id, wanted)
            for r in ctx.pre.assists[(ctx.org_id, ctx.learner_id)]
        )
    rows = (
        await ctx.session.scalars(
            scoped(select(Assist), Assist, ctx.org_id).where(
                Assist.learner_id == ctx.learner_id,
                Assist.at >= ctx.now - ASSIST_WINDOW,
                Assist.at <= ctx.now,
            )
        )
    ).all()
    return any(_assist_covers(r, question_id, wanted) for r in rows)


SKILL_NAMESPACE = uuid.UUID("0c6f1f0e-3d7b-4f55-9a53-2b8f1f8f7a21")


def skill_uuid(course_id: uuid.UUID | None, slug: str) -> uuid.UUID:
    """A stable id for a skill the content domain does not know (no course, or a slug not in it)."""
    return uuid.uuid5(SKILL_NAMESPACE, f"{course_id}:{slug}")


async def skill_ids_for(
    session: AsyncSession, org_id: uuid.UUID, course_id: uuid.UUID | None, slugs: Sequence[str]
) -> list[uuid.UUID]:
    """The content domain's skill ids for a course's skill slugs (stable stand-ins for unknown ones)."""
    slugs = list(dict.fromkeys(slugs))
    pre = preload_of(session)
    if pre is not None and all((org_id, course_id, slug) in pre.skill_ids for slug in slugs):
        return [pre.skill_ids[(org_id, course_id, slug)] for slug in slugs]
    known: dict[str, uuid.UUID] = {}
    if course_id is not None and slugs:
        from starguide.content.models import Skill

        rows = await session.execute(
            tenant(select(Skill.slug, Skill.id), Skill, org_id).where(
                Skill.course_id == course_id, Skill.slug.in_(slugs)
            )
        )
        known = dict(rows.all())
    return [known.get(slug) or skill_uuid(course_id, slug) for slug in slugs]


def difficulty_01(level: int) -> float:
    """Authored difficulty 1 (easiest) to 5 on the engine's 0..1 scale."""
    return min(1.0, max(0.0, (level - 1) / 4))


@dataclass(frozen=True)
class Graded:
    """A graded answer in the engine's terms."""

    event_id: uuid.UUID
    question_id: uuid.UUID
    question_version: int
    skill_ids: list[uuid.UUID]
    difficulty: float  # 0..1
    correct: bool
    score: float
    first_try: bool
    hints_shown: int
    time_taken_ms: int | None
    course_id: uuid.UUID | None
    assisted: bool = False  # known to be assisted when it was recorded


async def on_answer_graded(
    session: AsyncSession, event: AnswerGraded, cache: LeaderboardCache | None = None
) -> None:
    """A graded answer: review card, mastery, counters, XP, daily goal, streak, level and badges."""
    if event.organisation_id is None or event.status != "graded":
        return  # an answer waiting for a mentor counts once the mentor has graded it
    ctx = await _context(session, event.organisation_id, event.user_id, event.occurred_at, cache)
    graded = Graded(
        event_id=event.event_id,
        question_id=event.question_id,
        question_version=event.question_version,
        skill_ids=await skill_ids_for(session, ctx.org_id, event.course_id, event.skills),
        difficulty=difficulty_01(event.difficulty),
        correct=event.correct,
        score=event.score,
        first_try=event.first_try,
        hints_shown=event.hints_shown,
        time_taken_ms=None if event.time_taken_seconds is None else int(event.time_taken_seconds * 1000),
        course_id=event.course_id,
        assisted=event.assisted,
    )
    await _apply_answer(ctx, graded)


async def _apply_answer(ctx: Context, event: Graded) -> None:
    session = ctx.session
    assisted = (
        event.hints_shown > 0
        or event.assisted
        or await _recently_assisted(ctx, event.question_id, event.skill_ids)
    )
    day = await _today(ctx)
    day.answers += 1
    if event.correct:
        day.correct += 1
    ctx.best(Counter.ANSWERS_DAY_BEST, day.answers)

    card_key = (ctx.org_id, ctx.learner_id, event.question_id)
    pre = ctx.pre
    card: Card | None
    if pre is None:
        card = await session.scalar(
            scoped(select(ReviewCard), ReviewCard, ctx.org_id).where(
                ReviewCard.learner_id == ctx.learner_id, ReviewCard.question_id == event.question_id
            )
        )
    else:
        if card_key not in pre.cards:
            t = pre.card_rows
            found = await t.load(
                session,
                scoped(t.select(), t.c, ctx.org_id).where(
                    t.c.learner_id == ctx.learner_id, t.c.question_id == event.question_id
                ),
            )
            pre.cards[card_key] = found[0] if found else None
        card = pre.cards[card_key]
    seen_before = card is not None
    due_review = card is not None and card.state == 2 and card.due <= ctx.now
    recent = 0
    previous_answer: datetime | None = None
    previously_wrong = False
    if card is None:
        data = reviews.new_card(ctx.now)
        values: dict[str, Any] = {
            "organisation_id": ctx.org_id,
            "learner_id": ctx.learner_id,
            "question_id": event.question_id,
            "question_version": event.question_version,
            "course_id": event.course_id,
            "skill_ids": {"ids": [str(s) for s in event.skill_ids]},
            "difficulty": event.difficulty,
            "state": data.state,
            "step": data.step,
            "due": data.due,
            "window_start": ctx.now,
            "window_count": 0,
            "reps": 0,
            "lapses": 0,
        }
        if pre is not None:
            # Every column is set below (store_card and the answer's own fields).
            row = CardRow(
                id=uuid7(),
                stability=None,
                fsrs_difficulty=None,
                last_review=None,
                last_answered_at=None,
                last_correct=None,
                **values,
            )
            card = pre.cards[card_key] = pre.card_rows.add(row)
        else:
            card = ReviewCard(**values)
            session.add(card)
    else:
        previous_answer = card.last_answered_at
        previously_wrong = card.last_correct is False
        if card.window_start is None or ctx.now - card.window_start > timedelta(hours=xp.REPEAT_WINDOW_HOURS):
            card.window_start, card.window_count = ctx.now, 0
        recent = card.window_count
        card.question_version = event.question_version
        card.skill_ids = {"ids": [str(s) for s in event.skill_ids]}
        card.difficulty = event.difficulty
        if event.course_id is not None:
            card.course_id = event.course_id
    rating = reviews.rating_for_answer(
        correct=event.correct, assisted=assisted, time_taken_ms=event.time_taken_ms
    )
    updated = reviews.review(
        card_data(card), rating, ctx.now, desired_retention=ctx.profile.desired_retention
    )
    store_card(card, updated)
    card.window_count += 1
    card.last_answered_at = ctx.now
    card.last_correct = event.correct

    await _update_mastery(ctx, event, assisted)

    # Counters behind badges.
    if event.correct:
        ctx.bump(Counter.ANSWERS_CORRECT)
        ctx.profile.correct_run += 1
        ctx.best(Counter.CORRECT_RUN_BEST, ctx.profile.correct_run)
        if not assisted:
            ctx.bump(Counter.ANSWERS_CORRECT_UNASSISTED)
            ctx.profile.unassisted_run += 1
            ctx.best(Counter.UNASSISTED_RUN_BEST, ctx.profile.unassisted_run)
            if event.first_try and not seen_before:
                ctx.bump(Counter.FIRST_TRY_CORRECT)
            if due_review:
                ctx.bump(Counter.RECALLS)
            if previous_answer is not None and ctx.now - previous_answer >= timedelta(days=LONG_RECALL_DAYS):
                ctx.bump(Counter.LONG_RECALLS)
        else:
            ctx.profile.unassisted_run = 0
        if previously_wrong:
            ctx.bump(Counter.BOUNCE_BACKS)
    else:
        ctx.profile.correct_run = 0
        ctx.profile.unassisted_run = 0

    facts = xp.AnswerFacts(
        difficulty=event.difficulty,
        correct=event.correct,
        first_try=event.first_try,
        assisted=assisted,
        recent_repeats=recent,
        seen_before=seen_before,
        due_review=due_review,
    )
    await _pay(ctx, event.event_id, xp.answer_awards(facts), event.course_id, day)
    await _check_goal(ctx, day, event.event_id)
    await _finish(ctx, event.event_id)


def card_data(card: Card) -> reviews.CardData:
    return reviews.CardData(
        state=card.state,
        step=card.step,
        stability=card.stability,
        difficulty=card.fsrs_difficulty,
        due=card.due,
        last_review=card.last_review,
        reps=card.reps,
        lapses=card.lapses,
    )


def store_card(card: Card, data: reviews.CardData) -> None:
    card.state = data.state
    card.step = data.step
    card.stability = data.stability
    card.fsrs_difficulty = data.difficulty
    card.due = data.due
    card.last_review = data.last_review
    card.reps = data.reps
    card.lapses = data.lapses


async def _update_mastery(ctx: Context, event: Graded, assisted: bool) -> None:
    session = ctx.session
    pre = ctx.pre
    item_key = (ctx.org_id, event.question_id)
    item_row: Item | None
    if pre is None:
        item_row = await session.get(ItemDifficulty, item_key)
    else:
        if item_key not in pre.items:
            t = pre.item_rows
            found = await t.load(
                session, scoped(t.select(), t.c, ctx.org_id).where(t.c.question_id == event.question_id)
            )
            pre.items[item_key] = found[0] if found else None
        item_row = pre.items[item_key]
    prior = mastery.item_prior(event.difficulty)
    item = prior if item_row is None else mastery.Belief(item_row.mean, item_row.var)
    learner = mastery.Belief(ctx.profile.ability_mean, ctx.profile.ability_var)
    day_number = mastery.to_days(ctx.now)
    score = event.score if not event.correct or event.score > 0 else 1.0
    mastery_keys = [(ctx.org_id, ctx.learner_id, s) for s in event.skill_ids]
    existing: dict[uuid.UUID, Mastery]
    if pre is not None:
        await _load_mastery(ctx, pre, [k[2] for k in mastery_keys if k not in pre.mastery])
        existing = {k[2]: m for k in mastery_keys if (m := pre.mastery[k]) is not None}
    else:
        existing = {
            r.skill_id: r
            for r in (
                await session.scalars(
                    scoped(select(SkillMastery), SkillMastery, ctx.org_id).where(
                        SkillMastery.learner_id == ctx.learner_id, SkillMastery.skill_id.in_(event.skill_ids)
                    )
                )
            ).all()
        }
    new_skills = 0
    newly_mastered = False
    for index, skill_id in enumerate(dict.fromkeys(event.skill_ids)):
        row = existing.get(skill_id)
        if row is None:
            prior_skill = mastery.skill_prior()
            if pre is not None:
                # last_day and last_practised_at are set below, as for the model's row.
                row = pre.mastery_rows.add(
                    MasteryRow(
                        ctx.org_id,
                        ctx.learner_id,
                        skill_id,
                        prior_skill.mean,
                        prior_skill.var,
                        None,
                        0,
                        0,
                        0,
                        0,
                        False,
                        None,
                    )
                )
                pre.mastery[(ctx.org_id, ctx.learner_id, skill_id)] = row
            else:
                row = SkillMastery(
                    organisation_id=ctx.org_id,
                    learner_id=ctx.learner_id,
                    skill_id=skill_id,
                    mean=prior_skill.mean,
                    var=prior_skill.var,
                    attempts=0,
                    correct=0,
                    assisted_attempts=0,
                    assisted_correct=0,
                    mastered=False,
                )
                session.add(row)
            new_skills += 1
        belief = mastery.SkillBelief(row.mean, row.var, row.last_day, row.attempts)
        result = mastery.update(
            learner, belief, item, score=score, assisted=assisted, day=day_number, learn_item=index == 0
        )
        learner, item = result.learner, result.item
        row.mean, row.var, row.last_day, row.attempts = (
            result.skill.mean,
            result.skill.var,
            result.skill.last_day,
            result.skill.attempts,
        )
        row.last_practised_at = ctx.now
        if event.correct:
            row.correct += 1
        if assisted:
            row.assisted_attempts += 1
            if event.correct:
                row.assisted_correct += 1
        was = row.mastered
        row.mastered = mastery.estimate(learner, result.skill, day_number).mastered
        if row.mastered and not was:
            newly_mastered = True
            ctx.bump(Counter.SKILLS_MASTERED)
        elif was and not row.mastered:
            ctx.bump(Counter.SKILLS_MASTERED, -1)
        ctx.best(Counter.BEST_SKILL_CORRECT, row.correct)
        if event.course_id is not None:
            course_skill = {"organisation_id": ctx.org_id, "course_id": event.course_id, "skill_id": skill_id}
            if pre is None:
                await session.execute(insert_ignore(session, CourseSkill, [course_skill]))
            elif (ctx.org_id, event.course_id, skill_id) not in pre.course_skills:
                pre.course_skills.add((ctx.org_id, event.course_id, skill_id))
                pre.course_skill_rows.append(course_skill)
    if new_skills:
        ctx.bump(Counter.SKILLS_PRACTISED, new_skills)
    ctx.profile.ability_mean, ctx.profile.ability_var = learner.mean, learner.var
    if item_row is None:
        if pre is not None:
            pre.items[item_key] = pre.item_rows.add(
                ItemRow(ctx.org_id, event.question_id, item.mean, item.var, 1)
            )
        else:
            session.add(
                ItemDifficulty(
                    organisation_id=ctx.org_id,
                    question_id=event.question_id,
                    mean=item.mean,
                    var=item.var,
                    answers=1,
                )
            )
    else:
        item_row.mean, item_row.var, item_row.answers = item.mean, item.var, item_row.answers + 1
    if event.course_id is not None and newly_mastered:
        await _check_course_mastery(ctx, event.course_id)


async def _check_course_mastery(ctx: Context, course_id: uuid.UUID) -> None:
    if ctx.pre is not None:
        mastered, total = await _course_mastery_in_batch(ctx, ctx.pre, course_id)
        if not total:
            return
    else:
        await ctx.session.flush()
        skill_ids = (
            await ctx.session.scalars(
                scoped(select(CourseSkill.skill_id), CourseSkill, ctx.org_id).where(
                    CourseSkill.course_id == course_id
                )
            )
        ).all()
        if not skill_ids:
            return
        total = len(skill_ids)
        mastered = (
            await ctx.session.scalar(
                scoped(select(func.count()).select_from(SkillMastery), SkillMastery, ctx.org_id).where(
                    SkillMastery.learner_id == ctx.learner_id,
                    SkillMastery.skill_id.in_(skill_ids),
                    SkillMastery.mastered.is_(True),
                )
            )
            or 0
        )
    key = f"course_mastered:{course_id}"
    done = ctx.counters.get(key, 0)
    if mastered == total and not done:
        ctx._set(key, 1)
        ctx.bump(Counter.COURSES_MASTERED)


async def _course_mastery_in_batch(ctx: Context, pre: Preload, course_id: uuid.UUID) -> tuple[int, int]:
    """(skills mastered, skills) of a course for the learner, from the batch's rows (the course's
    skills were loaded with the batch; mastery rows of skills it did not touch are read once)."""
    skill_ids = [s for org, course, s in pre.course_skills if org == ctx.org_id and course == course_id]
    await _load_mastery(
        ctx, pre, [s for s in skill_ids if (ctx.org_id, ctx.learner_id, s) not in pre.mastery]
    )
    mastered = 0
    for skill_id in skill_ids:
        belief = pre.mastery[(ctx.org_id, ctx.learner_id, skill_id)]
        if belief is not None and belief.mastered:
            mastered += 1
    return mastered, len(skill_ids)


async def _load_mastery(ctx: Context, pre: Preload, skill_ids: list[uuid.UUID]) -> None:
    """The learner's mastery rows of skills the batch has not loaded yet (None for those not there)."""
    if not skill_ids:
        return
    for skill_id in skill_ids:
        pre.mastery[(ctx.org_id, ctx.learner_id, skill_id)] = None
    t = pre.mastery_rows
    for row in await t.load(
        ctx.session,
        scoped(t.select(), t.c, ctx.org_id).where(
            t.c.learner_id == ctx.learner_id, among(t.c.skill_id, skill_ids)
        ),
    ):
        pre.mastery[(ctx.org_id, ctx.learner_id, row.skill_id)] = row


async def _complete(ctx: Context, kind: str, item_id: uuid.UUID, course_id: uuid.UUID | None) -> bool:
    """Record a completion; True when it is the first one of this lesson or quiz."""
    key = (ctx.org_id, ctx.learner_id, kind, item_id)
    pre = ctx.pre
    row: Completion | None
    if pre is None:
        row = await ctx.session.get(CompletedItem, key)
    else:
        if key not in pre.completions:
            t = pre.completion_rows
            found = await t.load(
                ctx.session,
                scoped(t.select(), t.c, ctx.org_id).where(
                    t.c.learner_id == ctx.learner_id, t.c.kind == kind, t.c.item_id == item_id
                ),
            )
            pre.completions[key] = found[0] if found else None
        row = pre.completions[key]
    if row is None and pre is not None:
        pre.completions[key] = pre.completion_rows.add(
            CompletionRow(ctx.org_id, ctx.learner_id, kind, item_id, course_id, ctx.now, 1)
        )
        return True
    if row is None:
        row = CompletedItem(
            organisation_id=ctx.org_id,
            learner_id=ctx.learner_id,
            kind=kind,
            item_id=item_id,
            course_id=course_id,
            first_at=ctx.now,
            count=1,
        )
        ctx.session.add(row)
        return True
    row.count += 1
    return False


async def on_lesson_completed(
    session: AsyncSession, event: LessonCompleted, cache: LeaderboardCache | None = None
) -> None:
    if event.organisation_id is None:
        return
    ctx = await _context(session, event.organisation_id, event.user_id, event.occurred_at, cache)
    day = await _today(ctx)
    first = await _complete(ctx, "lesson", event.lesson_id, event.course_id)
    if first:
        ctx.bump(Counter.LESSONS_COMPLETED)
    await _pay(ctx, event.event_id, xp.lesson_awards(first_completion=first), event.course_id, day)
    await _check_goal(ctx, day, event.event_id)
    await _finish(ctx, event.event_id)


async def on_attempt_submitted(
    session: AsyncSession, event: AttemptSubmitted, cache: LeaderboardCache | None = None
) -> None:
    if event.organisation_id is None or event.passed is None:
        return  # passed is None while answers wait for a mentor
    ctx = await _context(session, event.organisation_id, event.user_id, event.occurred_at, cache)
    day = await _today(ctx)
    if event.passed:
        first = await _complete(ctx, "quiz", event.assessment_id, event.course_id)
        if first:
            ctx.bump(Counter.QUIZZES_PASSED)
            if event.score >= 1.0:
                ctx.bump(Counter.QUIZZES_PERFECT)
        awards = xp.quiz_awards(passed=True, score=event.score, first_pass=first)
        await _pay(ctx, event.event_id, awards, event.course_id, day)
    await _check_goal(ctx, day, event.event_id)
    await _finish(ctx, event.event_id)


async def recheck_goal(
    session: AsyncSession,
    org_id: uuid.UUID,
    learner_id: uuid.UUID,
    now: datetime,
    cache: LeaderboardCache | None = None,
) -> None:
    """After the learner changes the daily goal: today counts at once if today's XP already meets it."""
    ctx = await _context(session, org_id, learner_id, now, cache)
    day = await session.get(DailyActivity, (org_id, learner_id, ctx.day))
    if day is None or day.goal_met:
        return
    day.goal_xp = ctx.profile.daily_goal_xp
    await _check_goal(ctx, day, goal_event_id(learner_id, ctx.day))
    await _finish(ctx, goal_event_id(learner_id, ctx.day))


async def on_mentor_help(session: AsyncSession, event: MentorHelpGiven) -> None:
    if event.organisation_id is None:
        return
    row = Assist(
        organisation_id=event.organisation_id,
        learner_id=event.learner_id,
        question_id=event.question_id,
        # The skills and any further questions of the help; `_assist_covers` reads both lists.
        skill_ids={
            "ids": [str(s) for s in event.skill_ids],
            "questions": [str(q) for q in event.question_ids if q != event.question_id],
        },
        at=event.occurred_at,
    )
    session.add(row)
    pre = preload_of(session)
    if pre is not None and (event.organisation_id, event.learner_id) in pre.assists:
        pre.assists[(event.organisation_id, event.learner_id)].append(row)


async def do_review(
    session: AsyncSession,
    org_id: uuid.UUID,
    learner_id: uuid.UUID,
    card: ReviewCard,
    rating: int,
    now: datetime,
    review_id: uuid.UUID,
    cache: LeaderboardCache | None = None,
) -> ReviewCard:
    """A flashcard review by the learner: reschedule the card and pay the review (and recall) XP."""
    ctx = await _context(session, org_id, learner_id, now, cache)
    day = await _today(ctx)
    was_due = card.state == 2 and card.due <= now
    updated = reviews.review(
        card_data(card), Rating(rating), now, desired_retention=ctx.profile.desired_retention
    )
    store_card(card, updated)
    ctx.bump(Counter.REVIEWS_DONE)
    recalled = rating >= Rating.Good
    if recalled and was_due:
        ctx.bump(Counter.RECALLS)
    await _pay(ctx, review_id, xp.review_awards(recalled=recalled, was_due=was_due), card.course_id, day)
    await _check_goal(ctx, day, review_id)
    await _finish(ctx, review_id)
    return card


# ---- batches ------------------------------------------------------------------------------------

_LEARNER_EVENTS = (AnswerGraded, LessonCompleted, AttemptSubmitted)


class BatchMismatch(RuntimeError):
    """The ledger or the badges held a row the batch's preload did not see: the batch is rolled back
    and its events are delivered one by one (where each insert is checked on its own)."""


@asynccontextmanager
async def batch_scope(session: AsyncSession, events: Sequence[DomainEvent]) -> AsyncIterator[None]:
    """Around the handlers of a batch delivered in one transaction: load, then write set-wise."""
    relevant = [e for e in events if isinstance(e, _LEARNER_EVENTS) and e.organisation_id is not None]
    if not relevant:
        yield
        return
    pre = Preload()
    by_org: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for event in relevant:
        assert event.organisation_id is not None
        by_org[event.organisation_id].append(event)
    helped = [e for e in events if isinstance(e, MentorHelpGiven) and e.organisation_id is not None]
    for org_id in sorted(by_org):
        await _load_org(
            session,
            pre,
            org_id,
            by_org[org_id],
            [e.learner_id for e in helped if e.organisation_id == org_id],
        )
    session.info[PRELOAD_KEY] = pre
    try:
        yield
        await _write_batch(session, pre)
    finally:
        session.info.pop(PRELOAD_KEY, None)


async def _load_org(
    session: AsyncSession,
    pre: Preload,
    org_id: uuid.UUID,
    events: list[Any],
    helped: list[uuid.UUID],
) -> None:
    learners = sorted({e.user_id for e in events} | set(helped))
    # Profiles first, locked in a fixed order (two batches never wait on each other in a cycle).
    tp = pre.profile_rows
    stmt = scoped(tp.select(), tp.c, org_id).where(among(tp.c.learner_id, learners)).order_by(tp.c.learner_id)
    if not is_sqlite(session):
        stmt = stmt.with_for_update()
    profiles = {p.learner_id: p for p in await tp.load(session, stmt)}
    missing = [learner for learner in learners if learner not in profiles]
    if missing:
        rows = [{"id": uuid.uuid4(), "organisation_id": org_id, "learner_id": m} for m in missing]
        await session.execute(insert_ignore(session, LearningProfile, rows))
        again = stmt.where(among(tp.c.learner_id, missing))
        profiles.update({p.learner_id: p for p in await tp.load(session, again)})
    for learner, profile in profiles.items():
        pre.profiles[(org_id, learner)] = profile
    pre.time_zones.update(
        {
            uid: tz or "UTC"
            for uid, tz in (
                await session.execute(select(User.id, User.time_zone).where(among(User.id, learners)))
            ).all()
        }
    )
    for learner in learners:
        pre.counters.setdefault((org_id, learner), {})
        pre.vacations.setdefault((org_id, learner), [])
        pre.earned.setdefault((org_id, learner), set())
        pre.assists.setdefault((org_id, learner), [])
    tc = LearningCounter.__table__.c
    for learner, key, value in (
        await session.execute(
            scoped(select(tc.learner_id, tc.key, tc.value), tc, org_id).where(among(tc.learner_id, learners))
        )
    ).all():
        pre.counters[(org_id, learner)][key] = value
    for learner in learners:
        pre.counters_loaded[(org_id, learner)] = dict(pre.counters[(org_id, learner)])

    # The learner's local day of each event, and the source ids that could already be in the ledger.
    day_keys: set[LearnerDay] = set()
    sources: set[uuid.UUID] = set()
    for e in events:
        day = streaks.local_day(e.occurred_at, pre.time_zones.get(e.user_id) or "UTC")
        day_keys.add((org_id, e.user_id, day))
        sources.add(e.event_id)
        sources.add(goal_event_id(e.user_id, day))
    days = sorted({k[2] for k in day_keys})
    for key in day_keys:
        pre.days[key] = None
        pre.paid[key] = {}
    td = pre.day_rows
    for activity in await td.load(
        session,
        scoped(td.select(), td.c, org_id).where(among(td.c.learner_id, learners), among(td.c.day, days)),
    ):
        pre.days[(org_id, activity.learner_id, activity.day)] = activity
    paid = await session.execute(
        tenant(
            select(
                XPLedgerEntry.learner_id,
                XPLedgerEntry.local_day,
                XPLedgerEntry.rule,
                func.sum(XPLedgerEntry.amount),
            ),
            XPLedgerEntry,
            org_id,
        )
        .where(among(XPLedgerEntry.learner_id, learners), among(XPLedgerEntry.local_day, days))
        .group_by(XPLedgerEntry.learner_id, XPLedgerEntry.local_day, XPLedgerEntry.rule)
    )
    for learner, day, rule, total in paid.all():
        if (org_id, learner, day) in pre.paid:
            pre.paid[(org_id, learner, day)][rule] = int(total or 0)
    ledger = await session.execute(
        select(XPLedgerEntry.source_event_id, XPLedgerEntry.rule).where(
            among(XPLedgerEntry.source_event_id, sources)
        )
    )
    pre.ledger_keys.update((source, rule) for source, rule in ledger.all())

    for vacation in (
        await session.scalars(
            scoped(select(Vacation), Vacation, org_id).where(among(Vacation.learner_id, learners))
        )
    ).all():
        pre.vacations[(org_id, vacation.learner_id)].append(
            streaks.Vacation(vacation.start_day, vacation.end_day)
        )
    pre.custom[org_id] = await custom_specs(session, org_id)
    for learner, key, tier in (
        await session.execute(
            tenant(
                select(EarnedBadge.learner_id, EarnedBadge.badge_key, EarnedBadge.tier), EarnedBadge, org_id
            ).where(among(EarnedBadge.learner_id, learners))
        )
    ).all():
        pre.earned[(org_id, learner)].add((key, tier))

    answers = [e for e in events if isinstance(e, AnswerGraded) and e.status == "graded"]
    if answers:
        await _load_answers(session, pre, org_id, answers, learners)
    items = [
        (e.user_id, "lesson", e.lesson_id)
        if isinstance(e, LessonCompleted)
        else (e.user_id, "quiz", e.assessment_id)
        for e in events
        if isinstance(e, LessonCompleted) or (isinstance(e, AttemptSubmitted) and e.passed)
    ]
    if items:
        for learner, kind, item_id in items:
            pre.completions[(org_id, learner, kind, item_id)] = None
        tco = pre.completion_rows
        for done in await tco.load(
            session,
            scoped(tco.select(), tco.c, org_id).where(
                among(tco.c.learner_id, learners), among(tco.c.item_id, sorted({i for _, _, i in items}))
            ),
        ):
            item_key = (org_id, done.learner_id, done.kind, done.item_id)
            if item_key in pre.completions:
                pre.completions[item_key] = done


async def _load_answers(
    session: AsyncSession,
    pre: Preload,
    org_id: uuid.UUID,
    answers: list[AnswerGraded],
    learners: list[uuid.UUID],
) -> None:
    start = min(e.occurred_at for e in answers) - ASSIST_WINDOW
    end = max(e.occurred_at for e in answers)
    stmt = assist_select()
    found = await session.execute(
        scoped(stmt, Assist, org_id).where(
            among(Assist.learner_id, learners), Assist.at >= start, Assist.at <= end
        )
    )
    for assist in assists_of(found.all()):
        pre.assists[(org_id, assist.learner_id)].append(assist)
    questions = sorted({e.question_id for e in answers})
    for e in answers:
        pre.cards[(org_id, e.user_id, e.question_id)] = None
    tr = pre.card_rows
    # The (learner, question) pairs of the batch, not every card of its learners on its questions:
    # a learner's history of cards grows without bound.
    pairs = sorted({(e.user_id, e.question_id) for e in answers})
    for card in await tr.load(
        session,
        scoped(tr.select(), tr.c, org_id).where(
            tuple_(tr.c.learner_id, tr.c.question_id).in_(
                bindparam(
                    None, pairs, expanding=True, type_=TupleType(tr.c.learner_id.type, tr.c.question_id.type)
                )
            )
        ),
    ):
        pre.cards[(org_id, card.learner_id, card.question_id)] = card
    for question in questions:
        pre.items[(org_id, question)] = None
    ti = pre.item_rows
    for item in await ti.load(
        session, scoped(ti.select(), ti.c, org_id).where(among(ti.c.question_id, questions))
    ):
        pre.items[(org_id, item.question_id)] = item

    # Skill slugs to ids, as `skill_ids_for` resolves them, for every (course, slug) of the batch.
    from starguide.content.models import Skill

    courses = sorted({e.course_id for e in answers if e.course_id is not None})
    slugs = sorted({slug for e in answers for slug in e.skills})
    known: dict[tuple[uuid.UUID, str], uuid.UUID] = {}
    if courses and slugs:
        rows = await session.execute(
            tenant(select(Skill.course_id, Skill.slug, Skill.id), Skill, org_id).where(
                among(Skill.course_id, courses), among(Skill.slug, slugs)
            )
        )
        known = {(course, slug): skill for course, slug, skill in rows.all()}
    skill_ids: set[uuid.UUID] = set()
    for e in answers:
        for slug in e.skills:
            resolved = (known.get((e.course_id, slug)) if e.course_id is not None else None) or skill_uuid(
                e.course_id, slug
            )
            pre.skill_ids[(org_id, e.course_id, slug)] = resolved
            pre.mastery[(org_id, e.user_id, resolved)] = None
            skill_ids.add(resolved)
    tm = pre.mastery_rows
    for belief in await tm.load(
        session,
        scoped(tm.select(), tm.c, org_id).where(
            among(tm.c.learner_id, learners), among(tm.c.skill_id, sorted(skill_ids))
        ),
    ):
        if (org_id, belief.learner_id, belief.skill_id) in pre.mastery:
            pre.mastery[(org_id, belief.learner_id, belief.skill_id)] = belief
    if courses:
        for course, skill in (
            await session.execute(
                tenant(select(CourseSkill.course_id, CourseSkill.skill_id), CourseSkill, org_id).where(
                    among(CourseSkill.course_id, courses)
                )
            )
        ).all():
            pre.course_skills.add((org_id, course, skill))


async def _write_batch(session: AsyncSession, pre: Preload) -> None:
    """Write what the batch made and changed, one executemany a table and kind of statement.

    The ledger and badge rows go in with ON CONFLICT DO NOTHING and RETURNING: one that was already
    there (which the locked, loaded state rules out) rolls the batch back, to be delivered one event
    at a time.
    """
    if pre.course_skill_rows:
        await session.execute(insert_ignore_many(session, CourseSkill), pre.course_skill_rows)
    for model, rows in ((XPLedgerEntry, pre.ledger_rows), (EarnedBadge, pre.badge_rows)):
        if rows:
            stmt = insert_ignore_many(session, model).returning(model.__table__.c.id)
            inserted = (await session.execute(stmt, rows)).all()
            if len(inserted) != len(rows):
                raise BatchMismatch(f"{len(rows) - len(inserted)} {model.__tablename__} row(s) already there")
    await _write_counters(session, pre)
    for table in (
        pre.profile_rows,
        pre.day_rows,
        pre.card_rows,
        pre.mastery_rows,
        pre.item_rows,
        pre.completion_rows,
    ):
        await table.write(session)


async def _write_counters(session: AsyncSession, pre: Preload) -> None:
    """The batch's new counters in one INSERT, its changed ones in one UPDATE (both executemany)."""
    added: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for (org_id, learner_id), values in pre.counters.items():
        before = pre.counters_loaded.get((org_id, learner_id), {})
        for key, value in values.items():
            old = before.get(key)
            if old is None:
                added.append(
                    {"organisation_id": org_id, "learner_id": learner_id, "key": key, "value": value}
                )
            elif old != value:
                changed.append(
                    {"k_organisation_id": org_id, "k_learner_id": learner_id, "k_key": key, "v_value": value}
                )
    table: Any = LearningCounter.__table__
    if added:
        await session.execute(insert_statement(table), added)
    if changed:
        await session.execute(update_statement(table, COUNTER_KEY, ("value",)), changed)
    pre.counters_loaded = {k: dict(v) for k, v in pre.counters.items()}


COUNTER_KEY = ("organisation_id", "learner_id", "key")
