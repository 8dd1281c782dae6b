"""The learning engine's event handlers: graded answers, lessons and quizzes become XP, streaks and badges.

Each handler runs in the dispatcher's write transaction for that event. The learner's profile row is
locked first (`FOR UPDATE` on PostgreSQL; SQLite serialises writers anyway), so two events of the same
learner delivered at once apply one after the other. XP goes to the append-only ledger with
`ON CONFLICT DO NOTHING` on (source event, rule): a duplicate delivery pays nothing, and only XP that
was actually inserted moves the totals.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from fsrs import Rating
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from starguide.auth.models import User
from starguide.kit.events import (
    AnswerGraded,
    AttemptSubmitted,
    BadgeEarned,
    LessonCompleted,
    LevelReached,
    MentorHelpGiven,
)
from starguide.kit.outbox import record_event
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
from starguide.learning.queries import insert_ignore, tenant

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


@dataclass
class Context:
    """What one event's processing has loaded and changed (flushed at the end)."""

    session: AsyncSession
    org_id: uuid.UUID
    learner_id: uuid.UUID
    now: datetime
    profile: LearningProfile
    tz: str
    day: date
    counters: dict[str, int] = field(default_factory=dict)
    counter_rows: dict[str, LearningCounter] = field(default_factory=dict)
    xp_by_course: dict[uuid.UUID | None, int] = field(default_factory=dict)
    cache: LeaderboardCache | None = None

    def bump(self, key: Counter, by: int = 1) -> None:
        self._set(key, self.counters.get(key, 0) + by)

    def best(self, key: Counter, value: int) -> None:
        if value > self.counters.get(key, 0):
            self._set(key, value)

    def _set(self, key: str, value: int) -> None:
        self.counters[key] = value
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


async def _today(ctx: Context) -> DailyActivity:
    row = await ctx.session.get(DailyActivity, (ctx.org_id, ctx.learner_id, ctx.day))
    if row is None:
        row = DailyActivity(
            organisation_id=ctx.org_id,
            learner_id=ctx.learner_id,
            day=ctx.day,
            xp=0,
            answers=0,
            correct=0,
            goal_xp=ctx.profile.daily_goal_xp,
            goal_met=False,
        )
        ctx.session.add(row)
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
    day: DailyActivity,
) -> int:
    """Write the awards (capped per rule and day) to the ledger; returns the XP actually inserted."""
    awards = [a for a in awards if a.amount > 0]
    if not awards:
        return 0
    paid = await _paid_today(ctx)
    rows: list[dict[str, Any]] = []
    for award in awards:
        capped = xp.apply_cap(award, paid.get(award.rule, 0))
        if capped.amount <= 0:
            continue
        paid[award.rule] = paid.get(award.rule, 0) + capped.amount
        rows.append(
            {
                "id": uuid.uuid4(),
                "organisation_id": ctx.org_id,
                "learner_id": ctx.learner_id,
                "source_event_id": source_event_id,
                "rule": capped.rule.value,
                "amount": capped.amount,
                "course_id": course_id,
                "local_day": ctx.day,
                "earned_at": ctx.now,
            }
        )
    total = 0
    for row in rows:
        result = await ctx.session.execute(insert_ignore(ctx.session, XPLedgerEntry, [row]))
        if result.rowcount:  # type: ignore[attr-defined]
            total += row["amount"]
    if total:
        ctx.profile.xp_total += total
        day.xp += total
        ctx.xp_by_course[course_id] = ctx.xp_by_course.get(course_id, 0) + total
    return total


async def _vacations(ctx: Context) -> list[streaks.Vacation]:
    rows = (
        await ctx.session.scalars(
            scoped(select(Vacation), Vacation, ctx.org_id).where(Vacation.learner_id == ctx.learner_id)
        )
    ).all()
    return [streaks.Vacation(r.start_day, r.end_day) for r in rows]


def streak_state(profile: LearningProfile) -> streaks.StreakState:
    return streaks.StreakState(
        current=profile.streak_current,
        longest=profile.streak_longest,
        last_counted=profile.streak_last_counted,
        settled_through=profile.streak_settled_through,
        freezes=profile.streak_freezes,
        counted_since_freeze=profile.streak_counted_since_freeze,
    )


def _store_streak(profile: LearningProfile, state: streaks.StreakState) -> None:
    profile.streak_current = state.current
    profile.streak_longest = state.longest
    profile.streak_last_counted = state.last_counted
    profile.streak_settled_through = state.settled_through
    profile.streak_freezes = state.freezes
    profile.streak_counted_since_freeze = state.counted_since_freeze


async def _check_goal(ctx: Context, day: DailyActivity, source_event_id: uuid.UUID) -> None:
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
        past = await ctx.session.get(DailyActivity, (ctx.org_id, ctx.learner_id, outcome.day))
        if past is None:
            ctx.session.add(
                DailyActivity(
                    organisation_id=ctx.org_id,
                    learner_id=ctx.learner_id,
                    day=outcome.day,
                    xp=0,
                    answers=0,
                    correct=0,
                    goal_xp=ctx.profile.daily_goal_xp,
                    goal_met=False,
                    streak_outcome=outcome.outcome,
                )
            )
        else:
            past.streak_outcome = outcome.outcome
    ctx.bump(Counter.GOALS_MET)
    ctx.best(Counter.STREAK_BEST, settlement.state.longest)
    earned = settlement.state.freezes - before.freezes + len(settlement.frozen)
    if earned > 0:
        ctx.bump(Counter.FREEZES_EARNED, earned)
    if ctx.day.weekday() in (5, 6):
        other = ctx.day + timedelta(days=1 if ctx.day.weekday() == 5 else -1)
        other_row = await ctx.session.get(DailyActivity, (ctx.org_id, ctx.learner_id, other))
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
        org_tz, _enabled = await leaderboards.org_settings(ctx.session, ctx.org_id)
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


async def _recently_assisted(ctx: Context, question_id: uuid.UUID, skill_ids: Sequence[uuid.UUID]) -> bool:
    rows = (
        await ctx.session.scalars(
            scoped(select(Assist), Assist, ctx.org_id).where(
                Assist.learner_id == ctx.learner_id,
                Assist.at >= ctx.now - ASSIST_WINDOW,
                Assist.at <= ctx.now,
            )
        )
    ).all()
    wanted = {str(s) for s in skill_ids}
    return any(r.question_id == question_id or wanted & set(r.skill_ids.get("ids", [])) for r in rows)


SKILL_NAMESPACE = uuid.UUID("0c6f1f0e-3d7b-4f55-9a53-2b8f1f8f7a21")


def skill_uuid(course_id: uuid.UUID | None, slug: str) -> uuid.UUID:
    """A stable id for a skill the content domain does not know (no course, or a slug not in it)."""
    return uuid.uuid5(SKILL_NAMESPACE, f"{course_id}:{slug}")


async def skill_ids_for(
    session: AsyncSession, org_id: uuid.UUID, course_id: uuid.UUID | None, slugs: Sequence[str]
) -> list[uuid.UUID]:
    """The content domain's skill ids for a course's skill slugs (stable stand-ins for unknown ones)."""
    slugs = list(dict.fromkeys(slugs))
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
    )
    await _apply_answer(ctx, graded)


async def _apply_answer(ctx: Context, event: Graded) -> None:
    session = ctx.session
    assisted = event.hints_shown > 0 or await _recently_assisted(ctx, event.question_id, event.skill_ids)
    day = await _today(ctx)
    day.answers += 1
    if event.correct:
        day.correct += 1
    ctx.best(Counter.ANSWERS_DAY_BEST, day.answers)

    card = await session.scalar(
        scoped(select(ReviewCard), ReviewCard, ctx.org_id).where(
            ReviewCard.learner_id == ctx.learner_id, ReviewCard.question_id == event.question_id
        )
    )
    seen_before = card is not None
    due_review = card is not None and card.state == 2 and card.due <= ctx.now
    recent = 0
    previous_answer: datetime | None = None
    previously_wrong = False
    if card is None:
        data = reviews.new_card(ctx.now)
        card = ReviewCard(
            organisation_id=ctx.org_id,
            learner_id=ctx.learner_id,
            question_id=event.question_id,
            question_version=event.question_version,
            course_id=event.course_id,
            skill_ids={"ids": [str(s) for s in event.skill_ids]},
            difficulty=event.difficulty,
            state=data.state,
            step=data.step,
            due=data.due,
            window_start=ctx.now,
            window_count=0,
            reps=0,
            lapses=0,
        )
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


def card_data(card: ReviewCard) -> reviews.CardData:
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


def store_card(card: ReviewCard, data: reviews.CardData) -> None:
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
    item_row = await session.get(ItemDifficulty, (ctx.org_id, event.question_id))
    prior = mastery.item_prior(event.difficulty)
    item = prior if item_row is None else mastery.Belief(item_row.mean, item_row.var)
    learner = mastery.Belief(ctx.profile.ability_mean, ctx.profile.ability_var)
    day_number = mastery.to_days(ctx.now)
    score = event.score if not event.correct or event.score > 0 else 1.0
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
            await session.execute(
                insert_ignore(
                    session,
                    CourseSkill,
                    [{"organisation_id": ctx.org_id, "course_id": event.course_id, "skill_id": skill_id}],
                )
            )
    if new_skills:
        ctx.bump(Counter.SKILLS_PRACTISED, new_skills)
    ctx.profile.ability_mean, ctx.profile.ability_var = learner.mean, learner.var
    if item_row is None:
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
    mastered = await ctx.session.scalar(
        scoped(select(func.count()).select_from(SkillMastery), SkillMastery, ctx.org_id).where(
            SkillMastery.learner_id == ctx.learner_id,
            SkillMastery.skill_id.in_(skill_ids),
            SkillMastery.mastered.is_(True),
        )
    )
    key = f"course_mastered:{course_id}"
    done = ctx.counters.get(key, 0)
    if mastered == len(skill_ids) and not done:
        ctx._set(key, 1)
        ctx.bump(Counter.COURSES_MASTERED)


async def _complete(ctx: Context, kind: str, item_id: uuid.UUID, course_id: uuid.UUID | None) -> bool:
    """Record a completion; True when it is the first one of this lesson or quiz."""
    row = await ctx.session.get(CompletedItem, (ctx.org_id, ctx.learner_id, kind, item_id))
    if row is None:
        ctx.session.add(
            CompletedItem(
                organisation_id=ctx.org_id,
                learner_id=ctx.learner_id,
                kind=kind,
                item_id=item_id,
                course_id=course_id,
                first_at=ctx.now,
                count=1,
            )
        )
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
    session.add(
        Assist(
            organisation_id=event.organisation_id,
            learner_id=event.learner_id,
            question_id=event.question_id,
            skill_ids={"ids": [str(s) for s in event.skill_ids]},
            at=event.occurred_at,
        )
    )


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
