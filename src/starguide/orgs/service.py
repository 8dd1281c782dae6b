"""Organisations, memberships and invitations: the rules, with events and an audit trail."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from starguide.auth.deps import Principal
from starguide.auth.models import User
from starguide.auth.schemas import MembershipRead
from starguide.auth.tokens import hash_token, new_secret_token
from starguide.config import Settings
from starguide.kit.errors import Conflict, Forbidden, NotFound, ProblemError
from starguide.kit.events import MemberJoined, MemberRemoved, MemberRoleChanged
from starguide.kit.mail import queue_email
from starguide.kit.outbox import record_event
from starguide.kit.pagination import Page, PageParams, paginate
from starguide.kit.tenancy import scoped
from starguide.orgs.models import Invitation, Membership, Organisation, OrgAuditEvent, Role
from starguide.orgs.schemas import (
    AdminOrgRead,
    AuditEventRead,
    InvitationCreate,
    InvitationPreview,
    InvitationRead,
    MemberRead,
    OrgCreate,
    OrgUpdate,
)

MAX_LISTED_INVITATIONS = 500


class InvitationGone(ProblemError):
    status, slug, title = 410, "invitation-unusable", "Invitation no longer valid"


class LastAdmin(Conflict):
    slug = "last-admin"


def audit(
    session: AsyncSession,
    organisation_id: uuid.UUID,
    actor_id: uuid.UUID | None,
    action: str,
    now: datetime,
    target_user_id: uuid.UUID | None = None,
    **details: Any,
) -> None:
    session.add(
        OrgAuditEvent(
            organisation_id=organisation_id,
            actor_id=actor_id,
            action=action,
            target_user_id=target_user_id,
            details=details,
            created_at=now,
        )
    )


def like_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, with its wildcards taken literally."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# ---- organisations ----------------------------------------------------------------------------


def check_can_create_organisation(settings: Settings, principal: Principal) -> None:
    if settings.org_creation == "platform_admins" and not principal.is_platform_admin:
        raise Forbidden("On this server only platform admins create organisations.")


async def _check_slug_free(session: AsyncSession, slug: str, *, except_id: uuid.UUID | None = None) -> None:
    stmt = select(Organisation.id).where(Organisation.slug == slug)
    if except_id is not None:
        stmt = stmt.where(Organisation.id != except_id)
    if await session.scalar(stmt) is not None:
        raise Conflict(f"The address '{slug}' is taken; choose another.", slug_taken=True)


async def do_create_organisation(
    session: AsyncSession, *, now: datetime, creator_id: uuid.UUID, data: OrgCreate
) -> Organisation:
    """Create an organisation whose creator is its first org_admin."""
    await _check_slug_free(session, data.slug)
    org = Organisation(
        name=data.name, slug=data.slug, time_zone=data.time_zone, created_at=now, updated_at=now
    )
    session.add(org)
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict(f"The address '{data.slug}' is taken; choose another.", slug_taken=True) from None
    session.add(Membership(organisation_id=org.id, user_id=creator_id, role=Role.ORG_ADMIN, created_at=now))
    await session.execute(update(User).where(User.id == creator_id).values(last_organisation_id=org.id))
    record_event(
        session,
        MemberJoined(organisation_id=org.id, user_id=creator_id, role=Role.ORG_ADMIN, occurred_at=now),
    )
    audit(session, org.id, creator_id, "organisation.created", now, name=data.name, slug=data.slug)
    return org


async def list_my_memberships(session: AsyncSession, user_id: uuid.UUID) -> list[MembershipRead]:
    rows = await session.execute(
        select(Organisation.id, Organisation.name, Organisation.slug, Membership.role)
        .join(Membership, Membership.organisation_id == Organisation.id)
        .where(Membership.user_id == user_id)
        .order_by(Organisation.name, Organisation.id)
    )
    return [MembershipRead(organisation_id=r.id, name=r.name, slug=r.slug, role=Role(r.role)) for r in rows]


async def access_organisation(session: AsyncSession, organisation_id: uuid.UUID) -> Organisation:
    org = await session.get(Organisation, organisation_id)
    if org is None:
        raise NotFound("No such organisation.")
    return org


async def do_update_organisation(
    session: AsyncSession, *, now: datetime, principal: Principal, data: OrgUpdate
) -> Organisation:
    assert principal.organisation_id is not None
    org = await access_organisation(session, principal.organisation_id)
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if "slug" in changes and changes["slug"] != org.slug:
        await _check_slug_free(session, changes["slug"], except_id=org.id)
    for key, value in changes.items():
        setattr(org, key, value)
    if changes:
        org.updated_at = now
        try:
            await session.flush()
        except IntegrityError:
            raise Conflict("That address is taken; choose another.", slug_taken=True) from None
        audit(session, org.id, principal.user_id, "organisation.updated", now, **changes)
    return org


# ---- members ----------------------------------------------------------------------------------


async def list_members(
    session: AsyncSession, organisation_id: uuid.UUID, *, q: str | None, role: Role | None, params: PageParams
) -> Page[MemberRead]:
    base: Select[Any] = select(  # type: ignore[assignment]
        User.id, User.email, User.display_name, Membership.role, Membership.created_at
    ).join(Membership, Membership.user_id == User.id)
    stmt = scoped(base, Membership, organisation_id)
    if role is not None:
        stmt = stmt.where(Membership.role == role.value)
    if q:
        pattern = like_pattern(q)
        stmt = stmt.where(
            or_(
                func.lower(User.email).like(pattern, escape="\\"),
                func.lower(User.display_name).like(pattern, escape="\\"),
            )
        )
    stmt = stmt.order_by(func.lower(User.display_name), User.id)
    total = await session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = (await session.execute(stmt.limit(params.limit).offset(params.offset))).all()
    items = [
        MemberRead(user_id=r[0], email=r[1], display_name=r[2], role=Role(r[3]), joined_at=r[4]) for r in rows
    ]
    return Page(items=items, total=int(total or 0), limit=params.limit, offset=params.offset)


async def _lock_organisation(session: AsyncSession, organisation_id: uuid.UUID) -> None:
    """Serialise admin changes of one organisation (PostgreSQL; SQLite writers are serial already)."""
    await session.execute(select(Organisation.id).where(Organisation.id == organisation_id).with_for_update())


async def _membership(session: AsyncSession, organisation_id: uuid.UUID, user_id: uuid.UUID) -> Membership:
    member = await session.scalar(
        scoped(select(Membership), Membership, organisation_id).where(Membership.user_id == user_id)
    )
    if member is None:
        raise NotFound("This person is not a member of the organisation.")
    return member


async def _admin_count(session: AsyncSession, organisation_id: uuid.UUID) -> int:
    count = await session.scalar(
        scoped(select(func.count()).select_from(Membership), Membership, organisation_id).where(
            Membership.role == Role.ORG_ADMIN.value
        )
    )
    return int(count or 0)


async def _member_read(session: AsyncSession, member: Membership) -> MemberRead:
    user = (
        await session.execute(select(User.email, User.display_name).where(User.id == member.user_id))
    ).one()
    return MemberRead(
        user_id=member.user_id,
        email=user.email,
        display_name=user.display_name,
        role=Role(member.role),
        joined_at=member.created_at,
    )


async def do_change_role(
    session: AsyncSession, *, now: datetime, principal: Principal, user_id: uuid.UUID, role: Role
) -> MemberRead:
    assert principal.organisation_id is not None
    org_id = principal.organisation_id
    await _lock_organisation(session, org_id)
    member = await _membership(session, org_id, user_id)
    old = Role(member.role)
    if old is not role:
        if old is Role.ORG_ADMIN and await _admin_count(session, org_id) <= 1:
            raise LastAdmin("An organisation needs at least one admin; make someone else admin first.")
        member.role = role.value
        record_event(
            session,
            MemberRoleChanged(
                organisation_id=org_id, user_id=user_id, old_role=old, new_role=role, occurred_at=now
            ),
        )
        audit(
            session, org_id, principal.user_id, "member.role_changed", now, user_id, old=old, new=role.value
        )
        await session.flush()
    return await _member_read(session, member)


async def do_remove_member(
    session: AsyncSession,
    *,
    now: datetime,
    actor_id: uuid.UUID,
    organisation_id: uuid.UUID,
    user_id: uuid.UUID,
) -> None:
    """Remove a member (or let one leave); the last admin cannot go."""
    await _lock_organisation(session, organisation_id)
    member = await _membership(session, organisation_id, user_id)
    if member.role == Role.ORG_ADMIN and await _admin_count(session, organisation_id) <= 1:
        raise LastAdmin("The last admin cannot leave; make someone else admin first.")
    await session.delete(member)
    record_event(session, MemberRemoved(organisation_id=organisation_id, user_id=user_id, occurred_at=now))
    action = "member.left" if actor_id == user_id else "member.removed"
    audit(session, organisation_id, actor_id, action, now, user_id, role=member.role)
    await session.flush()


# ---- invitations ------------------------------------------------------------------------------


def invitation_url(settings: Settings, token: str) -> str:
    return f"{settings.public_url.rstrip('/')}/invite/{token}"


def _invitation_read(inv: Invitation, token: str | None = None, url: str | None = None) -> InvitationRead:
    return InvitationRead(
        id=inv.id,
        email=inv.email,
        role=Role(inv.role),
        created_at=inv.created_at,
        expires_at=inv.expires_at,
        accepted_count=inv.accepted_count,
        token=token,
        url=url,
    )


async def do_create_invitation(
    session: AsyncSession, *, settings: Settings, now: datetime, principal: Principal, data: InvitationCreate
) -> InvitationRead:
    assert principal.organisation_id is not None
    org = await access_organisation(session, principal.organisation_id)
    if data.email is not None:
        already = await session.scalar(
            scoped(select(Membership.id), Membership, org.id)
            .join(User, User.id == Membership.user_id)
            .where(User.email == data.email)
        )
        if already is not None:
            raise Conflict("This person is already a member of the organisation.")
    token = new_secret_token()
    inv = Invitation(
        organisation_id=org.id,
        token_hash=hash_token(token),
        email=data.email,
        role=data.role.value,
        created_by_id=principal.user_id,
        created_at=now,
        expires_at=now + timedelta(days=data.expires_in_days),
        accepted_count=0,
    )
    session.add(inv)
    url = invitation_url(settings, token)
    if data.email is not None:
        inviter = await session.scalar(select(User.display_name).where(User.id == principal.user_id))
        queue_email(
            session,
            data.email,
            f"{inviter} invited you to {org.name} on StarGuide",
            f"Hello,\n\n{inviter} invited you to join {org.name} on StarGuide as {data.role.value}.\n\n"
            f"Accept the invitation here:\n{url}\n\n"
            f"The link works until {inv.expires_at:%Y-%m-%d %H:%M} UTC. "
            "If you did not expect it, ignore this message.\n",
        )
    await session.flush()
    audit(
        session, org.id, principal.user_id, "invitation.created", now, email=data.email, role=data.role.value
    )
    return _invitation_read(inv, token, url)


async def list_invitations(
    session: AsyncSession, *, now: datetime, organisation_id: uuid.UUID
) -> list[InvitationRead]:
    """Invitations still usable: not revoked, not expired, and (e-mail ones) not yet accepted."""
    rows = await session.scalars(
        scoped(select(Invitation), Invitation, organisation_id)
        .where(
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > now,
            or_(Invitation.email.is_(None), Invitation.accepted_at.is_(None)),
        )
        .order_by(Invitation.created_at.desc(), Invitation.id)
        .limit(MAX_LISTED_INVITATIONS)
    )
    return [_invitation_read(inv) for inv in rows]


async def do_revoke_invitation(
    session: AsyncSession, *, now: datetime, principal: Principal, invitation_id: uuid.UUID
) -> None:
    assert principal.organisation_id is not None
    inv = await session.scalar(
        scoped(select(Invitation), Invitation, principal.organisation_id).where(
            Invitation.id == invitation_id
        )
    )
    if inv is None:
        raise NotFound("No such invitation.")
    if inv.revoked_at is None:
        inv.revoked_at = now
        audit(session, inv.organisation_id, principal.user_id, "invitation.revoked", now, email=inv.email)


def _usable(inv: Invitation, now: datetime) -> str | None:
    """Why the invitation cannot be used, or None when it can."""
    if inv.revoked_at is not None:
        return "This invitation was withdrawn."
    if inv.expires_at <= now:
        return "This invitation has expired; ask for a new one."
    if inv.email is not None and inv.accepted_at is not None:
        return "This invitation has already been used."
    return None


async def _find_invitation(session: AsyncSession, token: str) -> tuple[Invitation, Organisation]:
    row = (
        await session.execute(
            select(Invitation, Organisation)
            .join(Organisation, Organisation.id == Invitation.organisation_id)
            .where(Invitation.token_hash == hash_token(token))
        )
    ).first()
    if row is None:
        raise NotFound("This invitation does not exist.")
    return row[0], row[1]


async def preview_invitation(session: AsyncSession, *, now: datetime, token: str) -> InvitationPreview:
    inv, org = await _find_invitation(session, token)
    return InvitationPreview(
        organisation_name=org.name,
        role=Role(inv.role),
        email=inv.email,
        expires_at=inv.expires_at,
        valid=_usable(inv, now) is None,
    )


async def do_accept_invitation(
    session: AsyncSession, *, now: datetime, user_id: uuid.UUID, email: str, token: str
) -> tuple[MembershipRead, bool]:
    """Join the invitation's organisation; returns the membership and whether the invitation
    was addressed to `email` (which proves the address). Accepting twice changes nothing."""
    inv, org = await _find_invitation(session, token)
    existing = await session.scalar(
        scoped(select(Membership), Membership, org.id).where(Membership.user_id == user_id)
    )
    proves_email = inv.email is not None and inv.email == email
    if existing is not None:
        return MembershipRead(
            organisation_id=org.id, name=org.name, slug=org.slug, role=Role(existing.role)
        ), (proves_email)
    reason = _usable(inv, now)
    if reason:
        raise InvitationGone(reason)
    if inv.email is not None and not proves_email:
        raise Forbidden("This invitation was sent to another e-mail address; sign in with that one.")
    claim = (
        update(Invitation).where(Invitation.id == inv.id).values(accepted_count=Invitation.accepted_count + 1)
    )
    if inv.email is not None:
        claim = claim.where(Invitation.accepted_at.is_(None)).values(accepted_at=now)
    result = await session.execute(claim)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise InvitationGone("This invitation has already been used.")
    try:
        async with session.begin_nested():
            session.add(Membership(organisation_id=org.id, user_id=user_id, role=inv.role, created_at=now))
    except IntegrityError:
        raise Conflict("You joined this organisation a moment ago.") from None
    await session.execute(update(User).where(User.id == user_id).values(last_organisation_id=org.id))
    record_event(
        session, MemberJoined(organisation_id=org.id, user_id=user_id, role=inv.role, occurred_at=now)
    )
    audit(session, org.id, user_id, "member.joined", now, user_id, role=inv.role, invitation_id=str(inv.id))
    return MembershipRead(
        organisation_id=org.id, name=org.name, slug=org.slug, role=Role(inv.role)
    ), proves_email


async def list_audit_events(
    session: AsyncSession, organisation_id: uuid.UUID, params: PageParams
) -> Page[AuditEventRead]:
    stmt = scoped(select(OrgAuditEvent), OrgAuditEvent, organisation_id).order_by(
        OrgAuditEvent.created_at.desc(), OrgAuditEvent.id.desc()
    )
    rows, total = await paginate(session, stmt, params)
    items = [
        AuditEventRead(
            id=r.id,
            actor_id=r.actor_id,
            action=r.action,
            target_user_id=r.target_user_id,
            details={k: v for k, v in r.details.items() if isinstance(v, str | int | bool) or v is None},
            created_at=r.created_at,
        )
        for r in rows
    ]
    return Page(items=items, total=total, limit=params.limit, offset=params.offset)


# ---- platform administration ------------------------------------------------------------------


async def list_all_organisations(
    session: AsyncSession, *, q: str | None, params: PageParams
) -> Page[AdminOrgRead]:
    members = (
        select(func.count())
        .select_from(Membership)
        .where(Membership.organisation_id == Organisation.id)
        .scalar_subquery()
    )
    stmt: Select[Any] = select(Organisation, members.label("member_count"))
    if q:
        pattern = like_pattern(q)
        stmt = stmt.where(
            or_(
                func.lower(Organisation.name).like(pattern, escape="\\"),
                Organisation.slug.like(pattern, escape="\\"),
            )
        )
    stmt = stmt.order_by(Organisation.created_at.desc(), Organisation.id)
    total = await session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = (await session.execute(stmt.limit(params.limit).offset(params.offset))).all()
    items = [
        AdminOrgRead(
            id=org.id,
            name=org.name,
            slug=org.slug,
            time_zone=org.time_zone,
            created_at=org.created_at,
            member_count=int(count),
        )
        for org, count in rows
    ]
    return Page(items=items, total=int(total or 0), limit=params.limit, offset=params.offset)
