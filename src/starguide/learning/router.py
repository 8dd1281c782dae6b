"""HTTP routes of the learning engine: the learner's progress, reviews, badges, leaderboards; mentor views."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, status

from starguide.auth.deps import MemberDep, MentorDep
from starguide.kit.deps import RuntimeDep, SessionDep
from starguide.learning import access, flashcards, service
from starguide.learning.leaderboards import LeaderboardCache
from starguide.learning.schemas import (
    BadgeProgressRead,
    CustomBadgeCreate,
    CustomBadgeRead,
    DayRead,
    HomeRead,
    LeaderboardRead,
    LearnerSummaryRead,
    ReviewAnswerRead,
    ReviewCardRead,
    ReviewResult,
    ReviewSubmit,
    SettingsRead,
    SettingsUpdate,
    SkillsRead,
    Suggestion,
    VacationRead,
    VacationStart,
)

router = APIRouter(prefix="/learning", tags=["learning"])

Limit = Annotated[int, Query(ge=1, le=100)]


def _org(principal: MemberDep) -> uuid.UUID:
    assert principal.organisation_id is not None
    return principal.organisation_id


@router.get("/me", response_model=HomeRead)
async def get_home(principal: MemberDep, session: SessionDep, runtime: RuntimeDep) -> HomeRead:
    """The learner's home: level, XP bar, streak, daily goal, due reviews, what next, recent badges."""
    return await service.home(session, _org(principal), principal.user_id, runtime.clock())


@router.patch("/me/settings", response_model=SettingsRead)
async def update_learning_settings(
    body: SettingsUpdate, principal: MemberDep, session: SessionDep, runtime: RuntimeDep
) -> SettingsRead:
    """Change the daily XP goal, the desired retention of reviews or how you appear on leaderboards."""
    return await service.update_settings(
        session, _org(principal), principal.user_id, body, runtime.clock(), LeaderboardCache(runtime.redis)
    )


@router.post("/me/vacation", response_model=VacationRead, status_code=status.HTTP_201_CREATED)
async def start_vacation(
    body: VacationStart, principal: MemberDep, session: SessionDep, runtime: RuntimeDep
) -> VacationRead:
    """Start vacation mode from today: days away neither count nor break the streak."""
    return await service.start_vacation(
        session, _org(principal), principal.user_id, body.until, runtime.clock()
    )


@router.delete("/me/vacation", status_code=status.HTTP_204_NO_CONTENT)
async def end_vacation(principal: MemberDep, session: SessionDep, runtime: RuntimeDep) -> None:
    """End vacation mode today."""
    await service.end_vacation(session, _org(principal), principal.user_id, runtime.clock())


@router.get("/me/days", response_model=list[DayRead])
async def list_my_days(principal: MemberDep, session: SessionDep, limit: Limit = 30) -> list[DayRead]:
    """Daily goal history, most recent day first."""
    return await service.days(session, _org(principal), principal.user_id, limit)


@router.get("/me/badges", response_model=list[BadgeProgressRead])
async def list_my_badges(principal: MemberDep, session: SessionDep) -> list[BadgeProgressRead]:
    """Every badge with the tiers earned and the progress towards the next one."""
    return await service.badge_progress(session, _org(principal), principal.user_id)


@router.get("/me/skills", response_model=SkillsRead)
async def list_my_skills(principal: MemberDep, session: SessionDep, runtime: RuntimeDep) -> SkillsRead:
    """Mastery of each practised skill (with uncertainty and crutch index) and of each course."""
    return await service.skills(session, _org(principal), principal.user_id, runtime.clock())


@router.get("/me/next", response_model=list[Suggestion])
async def get_what_next(principal: MemberDep, session: SessionDep, runtime: RuntimeDep) -> list[Suggestion]:
    """What to do now, with a reason for each suggestion."""
    return await service.what_next(session, _org(principal), principal.user_id, runtime.clock())


@router.get("/me/reviews", response_model=list[ReviewCardRead])
async def list_due_reviews(
    principal: MemberDep,
    session: SessionDep,
    runtime: RuntimeDep,
    limit: Limit = 20,
    course_id: uuid.UUID | None = None,
) -> list[ReviewCardRead]:
    """The review (flashcard) queue: cards due now, most overdue first."""
    return await service.review_queue(
        session, _org(principal), principal.user_id, runtime.clock(), limit, course_id
    )


@router.get("/me/reviews/{card_id}/answer", response_model=ReviewAnswerRead)
async def get_review_answer(
    card_id: uuid.UUID, principal: MemberDep, session: SessionDep
) -> ReviewAnswerRead:
    """Turn a review card over: its answer and explanation (not while the question is in an open quiz)."""
    return await flashcards.turn_over(session, _org(principal), principal.user_id, card_id)


@router.post("/me/reviews/{card_id}", response_model=ReviewResult)
async def submit_review(
    card_id: uuid.UUID, body: ReviewSubmit, principal: MemberDep, session: SessionDep, runtime: RuntimeDep
) -> ReviewResult:
    """Rate one review (1 again, 2 hard, 3 good, 4 easy); the card is rescheduled."""
    return await service.submit_review(
        session,
        _org(principal),
        principal.user_id,
        card_id,
        body.rating,
        runtime.clock(),
        LeaderboardCache(runtime.redis),
    )


@router.get("/leaderboards", response_model=LeaderboardRead)
async def get_leaderboard(
    principal: MemberDep,
    session: SessionDep,
    runtime: RuntimeDep,
    period: Literal["week", "all"] = "week",
    course_id: uuid.UUID | None = None,
    limit: Limit = 20,
) -> LeaderboardRead:
    """The organisation's (or a course's) leaderboard for this week or all time."""
    return await service.leaderboard(
        session,
        _org(principal),
        principal.user_id,
        period,
        course_id,
        limit,
        runtime.clock(),
        LeaderboardCache(runtime.redis),
    )


@router.get("/badges/custom", response_model=list[CustomBadgeRead])
async def list_custom_badges(principal: MemberDep, session: SessionDep) -> list[CustomBadgeRead]:
    """The organisation's own badges."""
    return await service.list_custom_badges(session, _org(principal))


@router.post("/badges/custom", response_model=CustomBadgeRead, status_code=status.HTTP_201_CREATED)
async def create_custom_badge(
    body: CustomBadgeCreate, principal: MentorDep, session: SessionDep, runtime: RuntimeDep
) -> CustomBadgeRead:
    """Add a badge of the organisation's own, on one of the engine's counters (mentors and admins)."""
    return await service.create_custom_badge(
        session, _org(principal), principal.user_id, body, runtime.clock()
    )


@router.delete("/badges/custom/{badge_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_custom_badge(badge_id: uuid.UUID, principal: MentorDep, session: SessionDep) -> None:
    """Retire one of the organisation's badges (earned ones stay in learners' history)."""
    await service.delete_custom_badge(session, _org(principal), badge_id)


@router.get("/learners", response_model=list[LearnerSummaryRead])
async def list_learners(principal: MentorDep, session: SessionDep) -> list[LearnerSummaryRead]:
    """The learners whose progress you may see: those enrolled in your courses (admins: every learner)."""
    return await access.visible_learners(session, principal)


@router.get("/learners/{learner_id}", response_model=HomeRead)
async def get_learner_home(
    learner_id: uuid.UUID, principal: MentorDep, session: SessionDep, runtime: RuntimeDep
) -> HomeRead:
    """A learner's home, as the learner sees it (mentors and admins)."""
    await access.access_learner(session, principal, learner_id)
    return await service.home(session, _org(principal), learner_id, runtime.clock())


@router.get("/learners/{learner_id}/skills", response_model=SkillsRead)
async def list_learner_skills(
    learner_id: uuid.UUID, principal: MentorDep, session: SessionDep, runtime: RuntimeDep
) -> SkillsRead:
    """A learner's skill mastery and crutch index per skill (mentors and admins)."""
    await access.access_learner(session, principal, learner_id)
    return await service.skills(session, _org(principal), learner_id, runtime.clock())


@router.get("/learners/{learner_id}/badges", response_model=list[BadgeProgressRead])
async def list_learner_badges(
    learner_id: uuid.UUID, principal: MentorDep, session: SessionDep
) -> list[BadgeProgressRead]:
    """A learner's badges and progress (mentors and admins)."""
    await access.access_learner(session, principal, learner_id)
    return await service.badge_progress(session, _org(principal), learner_id)


@router.get("/learners/{learner_id}/days", response_model=list[DayRead])
async def list_learner_days(
    learner_id: uuid.UUID, principal: MentorDep, session: SessionDep, limit: Limit = 30
) -> list[DayRead]:
    """A learner's daily goal history (mentors and admins)."""
    await access.access_learner(session, principal, learner_id)
    return await service.days(session, _org(principal), learner_id, limit)


@router.get("/learners/{learner_id}/reviews", response_model=list[ReviewCardRead])
async def list_learner_reviews(
    learner_id: uuid.UUID, principal: MentorDep, session: SessionDep, runtime: RuntimeDep, limit: Limit = 20
) -> list[ReviewCardRead]:
    """A learner's due reviews (mentors and admins)."""
    await access.access_learner(session, principal, learner_id)
    return await service.review_queue(session, _org(principal), learner_id, runtime.clock(), limit)
