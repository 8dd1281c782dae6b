"""Learning reads and learner actions: home, badges, leaderboards, reviews, skills, what next, settings."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from starguide.kit.errors import Conflict, InvalidInput, NotFound, ProblemError
from starguide.kit.tenancy import scoped
from starguide.learning import (
    badges,
    engine,
    flashcards,
    leaderboards,
    levels,
    links,
    mastery,
    reviews,
    streaks,
)
from starguide.learning.leaderboards import LeaderboardCache
from starguide.learning.models import (
    CourseSkill,
    CustomBadge,
    DailyActivity,
    EarnedBadge,
    LearningProfile,
    ReviewCard,
    SkillMastery,
    Vacation,
)
from starguide.learning.queries import tenant
from starguide.learning.schemas import (
    BadgeProgressRead,
    CourseMasteryRead,
    CustomBadgeCreate,
    CustomBadgeRead,
    DailyGoalRead,
    DayRead,
    EarnedBadgeRead,
    HomeRead,
    LeaderboardEntryRead,
    LeaderboardRead,
    LevelRead,
    ReviewCardRead,
    ReviewResult,
    SettingsRead,
    SettingsUpdate,
    SkillRead,
    SkillsRead,
    StreakRead,
    Suggestion,
    VacationRead,
)
from starguide.orgs.models import Role

MAX_CUSTOM_BADGES = 100
_STATE_NAMES = {1: "learning", 2: "review", 3: "relearning"}


class LeaderboardsDisabled(ProblemError):
    status = 403
    slug = "leaderboards-disabled"
    title = "Leaderboards are turned off"


async def _vacations(session: AsyncSession, org_id: uuid.UUID, learner_id: uuid.UUID) -> list[Vacation]:
    return list(
        (
            await session.scalars(
                scoped(select(Vacation), Vacation, org_id)
                .where(Vacation.learner_id == learner_id)
                .order_by(Vacation.start_day)
            )
        ).all()
    )


def _as_streak_vacations(rows: list[Vacation]) -> list[streaks.Vacation]:
    return [streaks.Vacation(r.start_day, r.end_day) for r in rows]


async def _profile_read(session: AsyncSession, org_id: uuid.UUID, learner_id: uuid.UUID) -> LearningProfile:
    """The profile for reading: an unsaved default one when the learner has no activity yet."""
    profile = await session.scalar(
        scoped(select(LearningProfile), LearningProfile, org_id).where(
            LearningProfile.learner_id == learner_id
        )
    )
    if profile is None:
        profile = LearningProfile(
            organisation_id=org_id,
            learner_id=learner_id,
            xp_total=0,
            level=1,
            daily_goal_xp=50,
            desired_retention=reviews.DEFAULT_RETENTION,
            leaderboard_mode="visible",
            streak_current=0,
            streak_longest=0,
            streak_freezes=0,
            streak_counted_since_freeze=0,
            correct_run=0,
            unassisted_run=0,
            ability_mean=0.0,
            ability_var=mastery.DEFAULT_PARAMS.prior_var_learner,
        )
    return profile


def _level(xp_total: int) -> LevelRead:
    p = levels.progress(xp_total)
    return LevelRead(
        level=p.level,
        xp_total=xp_total,
        level_start_xp=p.level_start_xp,
        next_level_xp=p.next_level_xp,
        fraction=round(p.fraction, 4),
    )


async def _due_count(session: AsyncSession, org_id: uuid.UUID, learner_id: uuid.UUID, now: datetime) -> int:
    return int(
        await session.scalar(
            scoped(select(func.count()).select_from(ReviewCard), ReviewCard, org_id).where(
                ReviewCard.learner_id == learner_id, ReviewCard.due <= now
            )
        )
        or 0
    )


def _badge_spec_map(custom: list[badges.BadgeSpec]) -> dict[str, badges.BadgeSpec]:
    return {s.key: s for s in (*badges.CATALOGUE, *custom)}


def _earned_read(spec: badges.BadgeSpec, row: EarnedBadge) -> EarnedBadgeRead:
    return EarnedBadgeRead(
        key=spec.key,
        name=spec.name,
        tier=row.tier,
        tier_name=spec.tier_name(row.tier),
        description=spec.describe(row.tier),
        earned_at=row.earned_at,
    )


async def home(session: AsyncSession, org_id: uuid.UUID, learner_id: uuid.UUID, now: datetime) -> HomeRead:
    """Everything the learner's home screen shows, in one read."""
    profile = await _profile_read(session, org_id, learner_id)
    tz = await engine.learner_time_zone(session, learner_id)
    today = streaks.local_day(now, tz)
    vacations = _as_streak_vacations(await _vacations(session, org_id, learner_id))
    v = streaks.view(engine.streak_state(profile), today, vacations)
    day = await session.get(DailyActivity, (org_id, learner_id, today))
    goal = day.goal_xp if day is not None else profile.daily_goal_xp
    xp_today = day.xp if day is not None else 0
    custom = await engine.custom_specs(session, org_id)
    specs = _badge_spec_map(custom)
    recent = (
        await session.scalars(
            scoped(select(EarnedBadge), EarnedBadge, org_id)
            .where(EarnedBadge.learner_id == learner_id)
            .order_by(EarnedBadge.earned_at.desc(), EarnedBadge.badge_key, EarnedBadge.tier.desc())
            .limit(5)
        )
    ).all()
    return HomeRead(
        learner_id=learner_id,
        level=_level(profile.xp_total),
        streak=StreakRead(
            current=v.current,
            longest=v.longest,
            freezes=v.freezes,
            today_counted=v.today_counted,
            at_risk=v.at_risk,
            on_vacation=v.on_vacation,
        ),
        daily_goal=DailyGoalRead(
            day=today,
            goal_xp=goal,
            xp_today=xp_today,
            met=bool(day and day.goal_met),
            fraction=round(min(1.0, xp_today / goal) if goal else 1.0, 4),
        ),
        due_reviews=await _due_count(session, org_id, learner_id, now),
        what_next=await what_next(session, org_id, learner_id, now),
        recent_badges=[_earned_read(specs[r.badge_key], r) for r in recent if r.badge_key in specs],
        settings=_settings_read(profile, tz),
    )


def _settings_read(profile: LearningProfile, tz: str) -> SettingsRead:
    mode = profile.leaderboard_mode if profile.leaderboard_mode in engine.LEADERBOARD_MODES else "visible"
    return SettingsRead(
        daily_goal_xp=profile.daily_goal_xp,
        desired_retention=profile.desired_retention,
        leaderboard_mode=mode,
        time_zone=tz,
    )


async def update_settings(
    session: AsyncSession,
    org_id: uuid.UUID,
    learner_id: uuid.UUID,
    changes: SettingsUpdate,
    now: datetime,
    cache: LeaderboardCache,
) -> SettingsRead:
    profile = await engine.load_profile(session, org_id, learner_id, lock=True)
    tz = await engine.learner_time_zone(session, learner_id)
    if changes.daily_goal_xp is not None:
        profile.daily_goal_xp = changes.daily_goal_xp
        # Today's goal follows the new setting unless today already counted (and may be met at once).
        await engine.recheck_goal(session, org_id, learner_id, now, cache)
    if changes.desired_retention is not None:
        profile.desired_retention = changes.desired_retention
    if changes.leaderboard_mode is not None and changes.leaderboard_mode != profile.leaderboard_mode:
        profile.leaderboard_mode = changes.leaderboard_mode
        from starguide.db import Database

        async def invalidate() -> None:
            await cache.forget_org(org_id)

        Database.on_commit(session, invalidate)
    return _settings_read(profile, tz)


async def start_vacation(
    session: AsyncSession, org_id: uuid.UUID, learner_id: uuid.UUID, until: date | None, now: datetime
) -> VacationRead:
    tz = await engine.learner_time_zone(session, learner_id)
    today = streaks.local_day(now, tz)
    if until is not None and (until < today or (until - today).days >= streaks.MAX_VACATION_DAYS):
        raise InvalidInput(
            f"A vacation ends between today and {streaks.MAX_VACATION_DAYS - 1} days from now."
        )
    rows = await _vacations(session, org_id, learner_id)
    if any(r.covers(today) for r in _as_streak_vacations(rows)):
        raise Conflict("You are already on vacation.")
    profile = await engine.load_profile(session, org_id, learner_id, lock=True)
    # Settle the past first, so the vacation never rescues days that were already missed.
    settled = streaks.settle(engine.streak_state(profile), today, _as_streak_vacations(rows))
    profile.streak_current = settled.state.current
    profile.streak_freezes = settled.state.freezes
    profile.streak_settled_through = settled.state.settled_through
    end = until if until is not None else today + timedelta(days=streaks.MAX_VACATION_DAYS - 1)
    row = Vacation(organisation_id=org_id, learner_id=learner_id, start_day=today, end_day=end)
    session.add(row)
    return VacationRead(start_day=row.start_day, end_day=row.end_day)


async def end_vacation(
    session: AsyncSession, org_id: uuid.UUID, learner_id: uuid.UUID, now: datetime
) -> None:
    tz = await engine.learner_time_zone(session, learner_id)
    today = streaks.local_day(now, tz)
    for row in await _vacations(session, org_id, learner_id):
        if row.start_day <= today and (row.end_day is None or row.end_day >= today):
            # Today is no longer a vacation day: the goal counts again from today.
            row.end_day = today - timedelta(days=1)
            if row.end_day < row.start_day:
                await session.delete(row)
            return
    raise NotFound("You are not on vacation.")


async def days(session: AsyncSession, org_id: uuid.UUID, learner_id: uuid.UUID, limit: int) -> list[DayRead]:
    rows = (
        await session.scalars(
            scoped(select(DailyActivity), DailyActivity, org_id)
            .where(DailyActivity.learner_id == learner_id)
            .order_by(DailyActivity.day.desc())
            .limit(limit)
        )
    ).all()
    return [
        DayRead(
            day=r.day,
            xp=r.xp,
            answers=r.answers,
            correct=r.correct,
            goal_xp=r.goal_xp,
            goal_met=r.goal_met,
            streak_outcome=r.streak_outcome,
        )
        for r in rows
    ]


async def badge_progress(
    session: AsyncSession, org_id: uuid.UUID, learner_id: uuid.UUID
) -> list[BadgeProgressRead]:
    custom = await engine.custom_specs(session, org_id)
    from starguide.learning.models import LearningCounter

    counters: dict[str, int] = dict(
        (
            await session.execute(
                tenant(select(LearningCounter.key, LearningCounter.value), LearningCounter, org_id).where(
                    LearningCounter.learner_id == learner_id
                )
            )
        ).all()
    )
    rows = (
        await session.scalars(
            scoped(select(EarnedBadge), EarnedBadge, org_id).where(EarnedBadge.learner_id == learner_id)
        )
    ).all()
    earned = {(r.badge_key, r.tier) for r in rows}
    out = []
    custom_keys = {s.key for s in custom}
    for spec in (*badges.CATALOGUE, *custom):
        p = badges.progress(spec, counters, earned)
        out.append(
            BadgeProgressRead(
                key=spec.key,
                name=spec.name,
                description=p.next_description or spec.describe(len(spec.thresholds)),
                counter=p.counter,
                value=p.value,
                tiers_earned=p.tiers_earned,
                tiers_total=p.tiers_total,
                next_threshold=p.next_threshold,
                fraction=round(p.fraction, 4),
                custom=spec.key in custom_keys,
                earned=[
                    _earned_read(spec, r)
                    for r in sorted(rows, key=lambda r: r.tier)
                    if r.badge_key == spec.key
                ],
            )
        )
    return out


def _custom_read(row: CustomBadge) -> CustomBadgeRead:
    return CustomBadgeRead(
        id=row.id,
        key=f"org-{row.id}",
        name=row.name,
        description=row.description,
        counter=row.counter,
        thresholds=[int(v) for v in row.thresholds.get("values", [])],
        created_at=row.created_at,
    )


async def list_custom_badges(session: AsyncSession, org_id: uuid.UUID) -> list[CustomBadgeRead]:
    rows = (
        await session.scalars(
            scoped(select(CustomBadge), CustomBadge, org_id)
            .where(CustomBadge.active.is_(True))
            .order_by(CustomBadge.created_at)
        )
    ).all()
    return [_custom_read(r) for r in rows]


async def create_custom_badge(
    session: AsyncSession, org_id: uuid.UUID, creator_id: uuid.UUID, body: CustomBadgeCreate, now: datetime
) -> CustomBadgeRead:
    thresholds = body.thresholds
    if any(t < 1 or t > 1_000_000 for t in thresholds) or thresholds != sorted(set(thresholds)):
        raise InvalidInput("Thresholds must be increasing whole numbers from 1 to 1,000,000.")
    count = await session.scalar(
        scoped(select(func.count()).select_from(CustomBadge), CustomBadge, org_id).where(
            CustomBadge.active.is_(True)
        )
    )
    if (count or 0) >= MAX_CUSTOM_BADGES:
        raise Conflict(f"An organisation can have at most {MAX_CUSTOM_BADGES} badges of its own.")
    if any(spec.name.lower() == body.name.lower() for spec in badges.CATALOGUE):
        raise Conflict("A built-in badge already has this name.")
    row = CustomBadge(
        organisation_id=org_id,
        name=body.name,
        description=body.description,
        counter=body.counter.value,
        thresholds={"values": thresholds},
        created_by_id=creator_id,
        active=True,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    return _custom_read(row)


async def delete_custom_badge(session: AsyncSession, org_id: uuid.UUID, badge_id: uuid.UUID) -> None:
    row = await session.scalar(
        scoped(select(CustomBadge), CustomBadge, org_id).where(
            CustomBadge.id == badge_id, CustomBadge.active.is_(True)
        )
    )
    if row is None:
        raise NotFound("No such badge.")
    # Kept, inactive: badges already earned stay in learners' history.
    row.active = False


async def leaderboard(
    session: AsyncSession,
    org_id: uuid.UUID,
    viewer_id: uuid.UUID,
    period: str,
    course_id: uuid.UUID | None,
    limit: int,
    now: datetime,
    cache: LeaderboardCache,
) -> LeaderboardRead:
    tz, enabled = await leaderboards.org_settings(session, org_id)
    if not enabled:
        raise LeaderboardsDisabled("This organisation has turned leaderboards off.")
    b = leaderboards.board(org_id, period, course_id, now, tz)
    standings = await cache.standings(session, b, limit)
    rows = await leaderboards.entries(session, standings, viewer_id, org_id)
    return LeaderboardRead(
        period=period,
        course_id=course_id,
        starts_at=b.start,
        ends_at=b.end,
        entries=[
            LeaderboardEntryRead(
                rank=e.rank, learner_id=e.learner_id, display_name=e.display_name, xp=e.xp, is_me=e.is_me
            )
            for e in rows
        ],
    )


def _card_read(card: ReviewCard, now: datetime, retention: float) -> ReviewCardRead:
    return ReviewCardRead(
        id=card.id,
        question_id=card.question_id,
        question_version=card.question_version,
        course_id=card.course_id,
        skill_ids=[uuid.UUID(s) for s in card.skill_ids.get("ids", [])],
        due=card.due,
        state=_STATE_NAMES.get(card.state, "learning"),
        reps=card.reps,
        lapses=card.lapses,
        retrievability=round(reviews.retrievability(engine.card_data(card), now, retention), 4),
    )


async def review_queue(
    session: AsyncSession,
    org_id: uuid.UUID,
    learner_id: uuid.UUID,
    now: datetime,
    limit: int,
    course_id: uuid.UUID | None = None,
) -> list[ReviewCardRead]:
    """The cards due now, most overdue first."""
    profile = await _profile_read(session, org_id, learner_id)
    stmt = (
        scoped(select(ReviewCard), ReviewCard, org_id)
        .where(ReviewCard.learner_id == learner_id, ReviewCard.due <= now)
        .order_by(ReviewCard.due, ReviewCard.id)
        .limit(limit)
    )
    if course_id is not None:
        stmt = stmt.where(ReviewCard.course_id == course_id)
    cards = list((await session.scalars(stmt)).all())
    questions = await flashcards.questions_for(session, org_id, cards)
    out = []
    for c in cards:
        read = _card_read(c, now, profile.desired_retention)
        question = questions.get((c.question_id, c.question_version))
        read.prompt = flashcards.prompt(question) if question is not None else None
        out.append(read)
    return out


async def submit_review(
    session: AsyncSession,
    org_id: uuid.UUID,
    learner_id: uuid.UUID,
    card_id: uuid.UUID,
    rating: int,
    now: datetime,
    cache: LeaderboardCache,
) -> ReviewResult:
    card = await session.scalar(
        scoped(select(ReviewCard), ReviewCard, org_id)
        .where(ReviewCard.id == card_id, ReviewCard.learner_id == learner_id)
        .with_for_update()
    )
    if card is None:
        raise NotFound("No such review card.")
    await engine.do_review(session, org_id, learner_id, card, rating, now, uuid.uuid4(), cache)
    profile = await engine.load_profile(session, org_id, learner_id)
    return ReviewResult(
        card=_card_read(card, now, profile.desired_retention), xp_total=profile.xp_total, level=profile.level
    )


def crutch_index(row: SkillMastery) -> float | None:
    """Accuracy when assisted minus accuracy unassisted (None until both kinds of answers exist)."""
    unassisted = row.attempts - row.assisted_attempts
    if row.assisted_attempts == 0 or unassisted == 0:
        return None
    assisted_acc = row.assisted_correct / row.assisted_attempts
    unassisted_acc = (row.correct - row.assisted_correct) / unassisted
    return round(assisted_acc - unassisted_acc, 4)


@dataclass(frozen=True)
class SkillView:
    row: SkillMastery
    estimate: mastery.MasteryEstimate


async def _skill_views(
    session: AsyncSession, org_id: uuid.UUID, learner_id: uuid.UUID, now: datetime
) -> list[SkillView]:
    profile = await _profile_read(session, org_id, learner_id)
    learner = mastery.Belief(profile.ability_mean, profile.ability_var)
    day = mastery.to_days(now)
    rows = (
        await session.scalars(
            scoped(select(SkillMastery), SkillMastery, org_id).where(SkillMastery.learner_id == learner_id)
        )
    ).all()
    return [
        SkillView(
            r, mastery.estimate(learner, mastery.SkillBelief(r.mean, r.var, r.last_day, r.attempts), day)
        )
        for r in rows
    ]


async def skills(
    session: AsyncSession, org_id: uuid.UUID, learner_id: uuid.UUID, now: datetime
) -> SkillsRead:
    views = await _skill_views(session, org_id, learner_id, now)
    by_skill = {v.row.skill_id: v for v in views}
    course_rows = (
        await session.execute(
            tenant(select(CourseSkill.course_id, CourseSkill.skill_id), CourseSkill, org_id)
        )
    ).all()
    courses: dict[uuid.UUID, list[uuid.UUID]] = {}
    for course_id, skill_id in course_rows:
        courses.setdefault(course_id, []).append(skill_id)
    infos = await links.skill_infos(session, org_id, by_skill)
    titles = await links.course_titles(session, org_id, courses)
    course_reads = []
    for course_id, skill_ids in courses.items():
        if not any(s in by_skill for s in skill_ids):
            continue
        estimates = [by_skill[s].estimate for s in skill_ids if s in by_skill]
        # Skills of the course the learner never practised count as not mastered (probability 0 is too
        # harsh; the prior, 0.5 on an average item, would flatter): they count at their prior estimate.
        unseen = len(skill_ids) - len(estimates)
        prior = mastery.estimate(mastery.learner_prior(), mastery.skill_prior(), 0.0)
        course_reads.append(
            CourseMasteryRead(
                course_id=course_id,
                title=titles.get(course_id),
                mastery=round(mastery.course_mastery(estimates + [prior] * unseen), 4),
                skills=len(skill_ids),
                skills_mastered=sum(1 for e in estimates if e.mastered),
            )
        )
    return SkillsRead(
        skills=[
            SkillRead(
                skill_id=v.row.skill_id,
                name=infos[v.row.skill_id].name if v.row.skill_id in infos else None,
                course_id=infos[v.row.skill_id].course_id if v.row.skill_id in infos else None,
                probability=round(v.estimate.probability, 4),
                low=round(v.estimate.low, 4),
                high=round(v.estimate.high, 4),
                sd=round(v.estimate.sd, 4),
                mastered=v.estimate.mastered,
                attempts=v.row.attempts,
                correct=v.row.correct,
                last_practised_at=v.row.last_practised_at,
                crutch_index=crutch_index(v.row),
                assisted_attempts=v.row.assisted_attempts,
            )
            for v in sorted(views, key=lambda v: v.estimate.probability)
        ],
        courses=sorted(course_reads, key=lambda c: c.mastery),
    )


async def what_next(
    session: AsyncSession, org_id: uuid.UUID, learner_id: uuid.UUID, now: datetime
) -> list[Suggestion]:
    """Due reviews first, then the weakest skill, then something new; each with its reason."""
    out: list[Suggestion] = []
    due = await _due_count(session, org_id, learner_id, now)
    if due:
        noun, pronoun = ("questions are", "them") if due != 1 else ("question is", "it")
        out.append(
            Suggestion(
                kind="review",
                count=due,
                reason=(
                    f"{due} {noun} due for review: recalling {pronoun} now, just before you would "
                    "forget, makes memory last longest."
                ),
            )
        )
    views = [v for v in await _skill_views(session, org_id, learner_id, now) if not v.estimate.mastered]
    lesson = None
    if views:
        weakest = min(views, key=lambda v: v.estimate.probability)
        info = (await links.skill_infos(session, org_id, [weakest.row.skill_id])).get(weakest.row.skill_id)
        course_id = (
            info.course_id
            if info is not None
            else await session.scalar(
                scoped(select(CourseSkill.course_id), CourseSkill, org_id)
                .where(CourseSkill.skill_id == weakest.row.skill_id)
                .limit(1)
            )
        )
        lesson = await links.lesson_for_skill(session, org_id, learner_id, info) if info is not None else None
        titles = await links.course_titles(session, org_id, [course_id] if course_id else [])
        pct = round(100 * weakest.estimate.probability)
        name = f"“{info.name}”" if info is not None else "Your weakest skill"
        out.append(
            Suggestion(
                kind="practice",
                skill_id=weakest.row.skill_id,
                skill_name=info.name if info is not None else None,
                course_id=course_id,
                course_title=titles.get(course_id) if course_id else None,
                lesson_id=lesson.lesson_id if lesson else None,
                lesson_title=lesson.title if lesson else None,
                mastery=round(weakest.estimate.probability, 4),
                reason=(
                    f"{name} is your weakest skill: about {pct} % chance of answering an average question "
                    "right. "
                    + (
                        f"The lesson “{lesson.title}” moves you furthest."
                        if lesson
                        else "A few practice questions move you furthest."
                    )
                ),
            )
        )
    new = await links.next_new_lesson(
        session, org_id, learner_id, besides=lesson.lesson_id if lesson else None
    )
    if new is not None:
        reason = f"Continue “{new.course_title}” with “{new.title}”" + (
            ": nothing else is waiting." if not out else " when you are done."
        )
    else:
        reason = (
            "Start something new: nothing else is waiting."
            if not out
            else "When you are done, continue with new content."
        )
    out.append(
        Suggestion(
            kind="new",
            course_id=new.course_id if new else None,
            course_title=new.course_title if new else None,
            lesson_id=new.lesson_id if new else None,
            lesson_title=new.title if new else None,
            reason=reason,
        )
    )
    return out


@dataclass(frozen=True)
class LearnerContext:
    """What the mentor's prompt carries about the learner."""

    level: int
    xp_total: int
    streak: int
    weakest_skills: list[tuple[uuid.UUID, float]]
    due_reviews: int
    due_question_ids: list[uuid.UUID]


async def learner_context(
    session: AsyncSession, org_id: uuid.UUID, learner_id: uuid.UUID, now: datetime, *, limit: int = 5
) -> LearnerContext:
    """Level, weakest skills and due reviews, for the mentor's prompt and for "quiz me"."""
    profile = await _profile_read(session, org_id, learner_id)
    views = sorted(await _skill_views(session, org_id, learner_id, now), key=lambda v: v.estimate.probability)
    due_ids = (
        await session.scalars(
            scoped(select(ReviewCard.question_id), ReviewCard, org_id)
            .where(ReviewCard.learner_id == learner_id, ReviewCard.due <= now)
            .order_by(ReviewCard.due)
            .limit(limit)
        )
    ).all()
    return LearnerContext(
        level=profile.level,
        xp_total=profile.xp_total,
        streak=profile.streak_current,
        weakest_skills=[(v.row.skill_id, round(v.estimate.probability, 4)) for v in views[:limit]],
        due_reviews=await _due_count(session, org_id, learner_id, now),
        due_question_ids=list(due_ids),
    )


def is_mentor_role(role: Role | None) -> bool:
    return role in (Role.MENTOR, Role.ORG_ADMIN)
