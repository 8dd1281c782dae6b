"""Whose progress a mentor may see: learners enrolled in the courses the mentor teaches (admins: everyone).

A mentor teaches the courses of `content.staff.taught_courses`, the same rule as for reading mentor
conversations (`mentor/oversight.py`). Their learners are the members with the learner role enrolled in
those courses. An organisation admin has every mentor right in the organisation, so sees every member.
Anyone else gets a 404, never a 403, so the answer does not tell whether the learner exists.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from starguide.auth.deps import Principal
from starguide.auth.models import User
from starguide.content.models import Enrolment
from starguide.content.staff import taught_courses
from starguide.kit.errors import NotFound
from starguide.kit.tenancy import scoped
from starguide.learning.models import LearningProfile
from starguide.learning.queries import AnySelect, tenant
from starguide.learning.schemas import LearnerSummaryRead
from starguide.orgs.models import Membership, Role

MAX_LISTED = 500


def _taught_enrolments(org_id: uuid.UUID, mentor_id: uuid.UUID) -> AnySelect:
    """(learner id, course id) of every learner's enrolment in a course the mentor teaches."""
    learners = scoped(select(Membership.user_id), Membership, org_id).where(Membership.role == Role.LEARNER)
    stmt = select(Enrolment.user_id, Enrolment.course_id).where(
        Enrolment.course_id.in_(taught_courses(org_id, mentor_id).scalar_subquery()),
        Enrolment.user_id.in_(learners),
        Enrolment.user_id != mentor_id,
    )
    return tenant(stmt, Enrolment, org_id)


async def access_learner(session: AsyncSession, principal: Principal, learner_id: uuid.UUID) -> None:
    """Raise 404 unless `principal` may see the learner's progress."""
    org_id = principal.organisation_id
    assert org_id is not None
    member = await session.scalar(
        scoped(select(Membership.id), Membership, org_id).where(Membership.user_id == learner_id)
    )
    if member is None:
        raise NotFound("No such learner in this organisation.")
    if principal.is_org_admin:
        return
    taught = await session.scalar(
        _taught_enrolments(org_id, principal.user_id).where(Enrolment.user_id == learner_id).limit(1)
    )
    if taught is None:
        raise NotFound("No such learner in your courses.")


async def visible_learners(session: AsyncSession, principal: Principal) -> list[LearnerSummaryRead]:
    """The learners whose progress `principal` may open, with their level, XP and streak."""
    org_id = principal.organisation_id
    assert org_id is not None
    courses: dict[uuid.UUID, list[uuid.UUID]] = {}
    if principal.is_org_admin:
        ids = list(
            await session.scalars(
                scoped(select(Membership.user_id), Membership, org_id)
                .where(Membership.role == Role.LEARNER, Membership.user_id != principal.user_id)
                .limit(MAX_LISTED)
            )
        )
        for learner_id, course_id in (
            await session.execute(
                tenant(select(Enrolment.user_id, Enrolment.course_id), Enrolment, org_id).where(
                    Enrolment.user_id.in_(ids)
                )
            )
        ).all():
            courses.setdefault(learner_id, []).append(course_id)
    else:
        for learner_id, course_id in (
            await session.execute(_taught_enrolments(org_id, principal.user_id))
        ).all():
            if learner_id != principal.user_id:
                courses.setdefault(learner_id, []).append(course_id)
        ids = list(courses)[:MAX_LISTED]
    if not ids:
        return []
    # Only current members: an enrolment can outlive a membership.
    members = set(
        await session.scalars(
            scoped(select(Membership.user_id), Membership, org_id).where(Membership.user_id.in_(ids))
        )
    )
    names = dict(
        (await session.execute(select(User.id, User.display_name).where(User.id.in_(members)))).all()
    )
    profiles = {
        p.learner_id: p
        for p in await session.scalars(
            scoped(select(LearningProfile), LearningProfile, org_id).where(
                LearningProfile.learner_id.in_(members)
            )
        )
    }
    out = []
    for learner_id in members:
        p = profiles.get(learner_id)
        out.append(
            LearnerSummaryRead(
                learner_id=learner_id,
                display_name=names.get(learner_id, "Learner"),
                level=p.level if p else 1,
                xp_total=p.xp_total if p else 0,
                streak_current=p.streak_current if p else 0,
                last_active_day=p.last_active_day if p else None,
                course_ids=sorted(courses.get(learner_id, []), key=str),
            )
        )
    return sorted(out, key=lambda s: (s.display_name.lower(), str(s.learner_id)))
