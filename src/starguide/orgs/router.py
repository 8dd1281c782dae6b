"""HTTP routes of organisations: create, members, roles, invitations; and platform administration."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query
from sqlalchemy import select, update

from starguide.auth import service as accounts
from starguide.auth.deps import EmailNotVerified, MemberDep, MentorDep, OrgAdminDep, PlatformAdminDep, UserDep
from starguide.auth.models import User
from starguide.auth.schemas import MembershipRead, plain_text
from starguide.kit.deps import RuntimeDep, SessionDep
from starguide.kit.errors import InvalidInput, problem_responses
from starguide.kit.pagination import Page, PageParamsDep
from starguide.orgs import service
from starguide.orgs.models import Role
from starguide.orgs.schemas import (
    AdminOrgRead,
    AuditEventRead,
    InvitationCreate,
    InvitationPreview,
    InvitationRead,
    MemberRead,
    MemberRoleUpdate,
    OrgCreate,
    OrgRead,
    OrgUpdate,
)

_ERRORS = problem_responses(400, 401, 403, 404, 409, 410, 415, 422, 429)
router = APIRouter(tags=["orgs"], responses=_ERRORS)
admin_router = APIRouter(prefix="/admin", tags=["admin"], responses=_ERRORS)

SearchText = Annotated[str | None, Query(max_length=100, description="part of a name or e-mail address")]
InvitationToken = Annotated[str, Path(min_length=1, max_length=200)]


def _search(q: str | None) -> str | None:
    if q is None or not q.strip():
        return None
    try:
        return plain_text(q)
    except ValueError as exc:
        raise InvalidInput(
            f"Invalid input: query.q: {exc}",
            errors=[{"loc": "query.q", "message": str(exc), "kind": "value_error"}],
        ) from None


def _org_read(org: object) -> OrgRead:
    return OrgRead.model_validate(org, from_attributes=True)


@router.post("/orgs", status_code=201, response_model=OrgRead)
async def create_organisation(
    body: OrgCreate, principal: UserDep, session: SessionDep, runtime: RuntimeDep
) -> OrgRead:
    """Create an organisation; I become its first org_admin."""
    service.check_can_create_organisation(runtime.settings, principal)
    if runtime.settings.require_email_verification and not principal.email_verified:
        raise EmailNotVerified("Verify your e-mail address before creating an organisation.")
    org = await service.do_create_organisation(
        session, now=runtime.clock(), creator_id=principal.user_id, data=body
    )
    return _org_read(org)


@router.get("/orgs", response_model=list[MembershipRead])
async def list_my_organisations(principal: UserDep, session: SessionDep) -> list[MembershipRead]:
    """The organisations I belong to, with my role in each."""
    return await service.list_my_memberships(session, principal.user_id)


@router.get("/org", response_model=OrgRead)
async def read_organisation(principal: MemberDep, session: SessionDep) -> OrgRead:
    """The active organisation."""
    assert principal.organisation_id is not None
    return _org_read(await service.access_organisation(session, principal.organisation_id))


@router.patch("/org", response_model=OrgRead)
async def update_organisation(
    body: OrgUpdate, principal: OrgAdminDep, session: SessionDep, runtime: RuntimeDep
) -> OrgRead:
    """Rename the active organisation, change its address, time zone or leaderboards."""
    org = await service.do_update_organisation(session, now=runtime.clock(), principal=principal, data=body)
    return _org_read(org)


@router.get("/org/members", response_model=Page[MemberRead])
async def list_members(
    principal: MentorDep,
    session: SessionDep,
    params: PageParamsDep,
    q: SearchText = None,
    role: Annotated[Role | None, Query(description="only members with this role")] = None,
) -> Page[MemberRead]:
    """Members of the active organisation, searchable by name or e-mail."""
    assert principal.organisation_id is not None
    return await service.list_members(
        session, principal.organisation_id, q=_search(q), role=role, params=params
    )


@router.patch("/org/members/{user_id}", response_model=MemberRead)
async def change_member_role(
    user_id: uuid.UUID,
    body: MemberRoleUpdate,
    principal: OrgAdminDep,
    session: SessionDep,
    runtime: RuntimeDep,
) -> MemberRead:
    """Change a member's role (it applies from their next request)."""
    return await service.do_change_role(
        session, now=runtime.clock(), principal=principal, user_id=user_id, role=body.role
    )


@router.delete("/org/members/{user_id}", status_code=204, response_model=None)
async def remove_member(
    user_id: uuid.UUID, principal: OrgAdminDep, session: SessionDep, runtime: RuntimeDep
) -> None:
    """Remove a member from the active organisation (the last admin cannot be removed)."""
    assert principal.organisation_id is not None
    await service.do_remove_member(
        session,
        now=runtime.clock(),
        actor_id=principal.user_id,
        organisation_id=principal.organisation_id,
        user_id=user_id,
    )


@router.post("/org/leave", status_code=204, response_model=None)
async def leave_organisation(principal: MemberDep, session: SessionDep, runtime: RuntimeDep) -> None:
    """Leave the active organisation (the last admin cannot)."""
    assert principal.organisation_id is not None
    await service.do_remove_member(
        session,
        now=runtime.clock(),
        actor_id=principal.user_id,
        organisation_id=principal.organisation_id,
        user_id=principal.user_id,
    )


@router.post("/org/invitations", status_code=201, response_model=InvitationRead)
async def create_invitation(
    body: InvitationCreate, principal: OrgAdminDep, session: SessionDep, runtime: RuntimeDep
) -> InvitationRead:
    """Invite by e-mail (single use, mailed) or create a shareable link; the token is shown once."""
    return await service.do_create_invitation(
        session, settings=runtime.settings, now=runtime.clock(), principal=principal, data=body
    )


@router.get("/org/invitations", response_model=list[InvitationRead])
async def list_invitations(
    principal: OrgAdminDep, session: SessionDep, runtime: RuntimeDep
) -> list[InvitationRead]:
    """Invitations of the active organisation that can still be used."""
    assert principal.organisation_id is not None
    return await service.list_invitations(
        session, now=runtime.clock(), organisation_id=principal.organisation_id
    )


@router.delete("/org/invitations/{invitation_id}", status_code=204, response_model=None)
async def revoke_invitation(
    invitation_id: uuid.UUID, principal: OrgAdminDep, session: SessionDep, runtime: RuntimeDep
) -> None:
    """Withdraw an invitation."""
    await service.do_revoke_invitation(
        session, now=runtime.clock(), principal=principal, invitation_id=invitation_id
    )


@router.get("/org/audit-events", response_model=Page[AuditEventRead])
async def list_audit_events(
    principal: OrgAdminDep, session: SessionDep, params: PageParamsDep
) -> Page[AuditEventRead]:
    """Who changed what in the active organisation, newest first."""
    assert principal.organisation_id is not None
    return await service.list_audit_events(session, principal.organisation_id, params)


@router.get("/invitations/{token}", response_model=InvitationPreview)
async def preview_invitation(
    token: InvitationToken, session: SessionDep, runtime: RuntimeDep
) -> InvitationPreview:
    """What an invitation offers, before signing in (public)."""
    return await service.preview_invitation(session, now=runtime.clock(), token=token)


@router.post("/invitations/{token}/accept", response_model=MembershipRead)
async def accept_invitation(
    token: InvitationToken, principal: UserDep, session: SessionDep, runtime: RuntimeDep
) -> MembershipRead:
    """Join the invitation's organisation (make it active with switch-organisation)."""
    now = runtime.clock()
    email = await session.scalar(select(User.email).where(User.id == principal.user_id))
    assert email is not None
    if runtime.settings.require_email_verification and not principal.email_verified:
        preview = await service.preview_invitation(session, now=now, token=token)
        if preview.email != email:
            raise EmailNotVerified("Verify your e-mail address before joining an organisation.")
    membership, proves_email = await service.do_accept_invitation(
        session, now=now, user_id=principal.user_id, email=email, token=token
    )
    if proves_email and not principal.email_verified:
        await session.execute(
            update(User)
            .where(User.id == principal.user_id, User.email_verified_at.is_(None))
            .values(email_verified_at=now)
        )
    return membership


@admin_router.get("/organisations", response_model=Page[AdminOrgRead])
async def list_organisations(
    principal: PlatformAdminDep, session: SessionDep, params: PageParamsDep, q: SearchText = None
) -> Page[AdminOrgRead]:
    """Every organisation on this server, with its member count (platform admins)."""
    return await service.list_all_organisations(session, q=_search(q), params=params)


@admin_router.post("/users/{user_id}/deactivate", status_code=204, response_model=None)
async def deactivate_user(
    user_id: uuid.UUID, principal: PlatformAdminDep, session: SessionDep, runtime: RuntimeDep
) -> None:
    """Deactivate an account: it cannot sign in, and every sign-in ends now."""
    await accounts.do_set_active(session, now=runtime.clock(), actor=principal, user_id=user_id, active=False)


@admin_router.post("/users/{user_id}/reactivate", status_code=204, response_model=None)
async def reactivate_user(
    user_id: uuid.UUID, principal: PlatformAdminDep, session: SessionDep, runtime: RuntimeDep
) -> None:
    """Let a deactivated account sign in again."""
    await accounts.do_set_active(session, now=runtime.clock(), actor=principal, user_id=user_id, active=True)
