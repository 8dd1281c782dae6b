"""Who may read a learner's mentor conversations, and the safety alerts mentors and admins review.

An organisation admin reads every conversation of the organisation. A mentor reads those of the
learners enrolled in the courses they teach (`content.staff.taught_courses`). Anything else is a
404, as if it did not exist. Every read of someone else's conversation is written to the
organisation's audit trail.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, func, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from starguide.auth.deps import Principal, Role
from starguide.content.models import Course, Enrolment
from starguide.content.staff import taught_courses
from starguide.kit.errors import Conflict, NotFound
from starguide.kit.tenancy import scoped
from starguide.mentor.models import MentorConversation, MentorSafetyAlert
from starguide.orgs.models import Membership
from starguide.orgs.service import audit, like_pattern


def _org(principal: Principal) -> uuid.UUID:
    assert principal.organisation_id is not None  # MentorDep guarantees it
    return principal.organisation_id


def readable_learners(principal: Principal) -> Any:
    """A subquery of the user ids whose conversations `principal` may read (None: every member)."""
    org = _org(principal)
    if principal.role is Role.ORG_ADMIN:
        return None
    taught = taught_courses(org, principal.user_id).subquery()
    learners = scoped(select(Membership.user_id), Membership, org).where(
        Membership.role == Role.LEARNER.value
    )
    return (
        scoped(select(Enrolment.user_id), Enrolment, org)
        .where(Enrolment.course_id.in_(select(taught.c.id)), Enrolment.user_id.in_(learners))
        .scalar_subquery()
    )


S = TypeVar("S", bound=Select[Any])


def _readable(stmt: S, column: Any, principal: Principal) -> S:
    learners = readable_learners(principal)
    return stmt if learners is None else stmt.where(column.in_(learners))


async def access_learner_conversation(
    session: AsyncSession, principal: Principal, conversation_id: uuid.UUID
) -> MentorConversation:
    """A conversation the mentor or admin may read (404 otherwise)."""
    stmt = scoped(select(MentorConversation), MentorConversation, _org(principal)).where(
        MentorConversation.id == conversation_id
    )
    found = await session.scalar(_readable(stmt, MentorConversation.user_id, principal))
    if found is None:
        raise NotFound("No such conversation.")
    return found


async def record_read(db: Any, principal: Principal, conversation: MentorConversation, now: datetime) -> None:
    """Audit a read of someone else's conversation (its own transaction: reads do not write)."""
    if conversation.user_id == principal.user_id:
        return
    async with db.session() as session:
        audit(
            session,
            conversation.organisation_id,
            principal.user_id,
            "mentor.conversation_read",
            now,
            conversation.user_id,
            conversation_id=str(conversation.id),
        )


def list_learner_conversations_stmt(
    principal: Principal, learner_id: uuid.UUID | None, q: str | None
) -> Select[Any]:
    org = _org(principal)
    stmt = scoped(select(MentorConversation), MentorConversation, org)
    stmt = _readable(stmt, MentorConversation.user_id, principal)
    if learner_id is not None:
        stmt = stmt.where(MentorConversation.user_id == learner_id)
    if q:
        pattern = like_pattern(q)
        stmt = stmt.where(func.lower(MentorConversation.title).like(pattern, escape="\\"))
    return stmt.order_by(MentorConversation.updated_at.desc(), MentorConversation.id.desc())


def list_alerts_stmt(principal: Principal, status: str | None) -> Select[Any]:
    stmt = scoped(select(MentorSafetyAlert), MentorSafetyAlert, _org(principal))
    stmt = _readable(stmt, MentorSafetyAlert.learner_id, principal)
    if status:
        stmt = stmt.where(MentorSafetyAlert.status == status)
    return stmt.order_by(MentorSafetyAlert.created_at.desc(), MentorSafetyAlert.id.desc())


async def access_alert(session: AsyncSession, principal: Principal, alert_id: uuid.UUID) -> MentorSafetyAlert:
    stmt = scoped(select(MentorSafetyAlert), MentorSafetyAlert, _org(principal)).where(
        MentorSafetyAlert.id == alert_id
    )
    found = await session.scalar(_readable(stmt, MentorSafetyAlert.learner_id, principal))
    if found is None:
        raise NotFound("No such alert.")
    return found


async def do_resolve_alert(
    session: AsyncSession, principal: Principal, alert: MentorSafetyAlert, note: str | None, now: datetime
) -> MentorSafetyAlert:
    if alert.status == "resolved":
        raise Conflict("This alert has already been resolved.")
    alert.status = "resolved"
    alert.resolved_at = now
    alert.resolved_by_id = principal.user_id
    alert.resolution_note = note
    audit(
        session,
        alert.organisation_id,
        principal.user_id,
        "mentor.alert_resolved",
        now,
        alert.learner_id,
        alert_id=str(alert.id),
        categories=list(alert.categories),
    )
    await session.flush()
    return alert


async def reviewers_of(
    session: AsyncSession, organisation_id: uuid.UUID, learner_id: uuid.UUID
) -> list[uuid.UUID]:
    """Who is alerted about a learner: the organisation's admins and the mentors who teach them."""
    courses = scoped(select(Enrolment.course_id), Enrolment, organisation_id).where(
        Enrolment.user_id == learner_id
    )
    teachers = union(
        scoped(select(Course.created_by_id), Course, organisation_id).where(Course.id.in_(courses)),
        scoped(select(Enrolment.user_id), Enrolment, organisation_id).where(Enrolment.course_id.in_(courses)),
    ).subquery()
    stmt = scoped(select(Membership.user_id), Membership, organisation_id).where(
        (Membership.role == Role.ORG_ADMIN.value)
        | ((Membership.role == Role.MENTOR.value) & Membership.user_id.in_(select(teachers.c[0])))
    )
    return list(await session.scalars(stmt))
