"""Who is asking: the principal behind a request, and the dependencies that check its rights.

The access token names the user, the sign-in session and the active organisation; the session's
liveness and the role are read from the database on every request (one indexed query), so a
sign-out, a deactivation, a role change or a removal takes effect on the very next request.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import and_, select

from starguide.auth.models import AuthSession, User
from starguide.auth.tokens import decode_access_token
from starguide.kit.deps import RuntimeDep, SessionDep
from starguide.kit.errors import Forbidden, TooManyRequests, Unauthorized
from starguide.orgs.models import Membership, Role

__all__ = [
    "MemberDep",
    "MentorDep",
    "OrgAdminDep",
    "PlatformAdminDep",
    "Principal",
    "Role",
    "UserDep",
]

bearer_scheme = HTTPBearer(auto_error=False, description="An access token from `/api/v1/auth/login`.")
_ROLES = {r.value: r for r in Role}


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: uuid.UUID
    session_id: uuid.UUID
    organisation_id: uuid.UUID | None
    role: Role | None
    is_platform_admin: bool
    email_verified: bool = True

    @property
    def is_mentor(self) -> bool:
        return self.role in (Role.MENTOR, Role.ORG_ADMIN)

    @property
    def is_org_admin(self) -> bool:
        return self.role is Role.ORG_ADMIN


class NotAMember(Forbidden):
    slug = "not-a-member"


class EmailNotVerified(Forbidden):
    slug, title = "email-not-verified", "E-mail not verified"


class AccountDeactivated(Forbidden):
    slug, title = "account-deactivated", "Account deactivated"


async def get_principal(
    runtime: RuntimeDep,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal:
    if credentials is None:
        raise Unauthorized()
    now = runtime.clock()
    claims = decode_access_token(runtime.settings, credentials.credentials, now=now)
    row = (
        await session.execute(
            select(
                AuthSession.expires_at,
                AuthSession.revoked_at,
                User.is_active,
                User.is_platform_admin,
                User.email_verified_at,
                Membership.role,
            )
            .select_from(AuthSession)
            .join(User, User.id == AuthSession.user_id)
            .outerjoin(
                Membership,
                and_(
                    Membership.user_id == AuthSession.user_id,
                    Membership.organisation_id == claims.organisation_id,
                ),
            )
            .where(AuthSession.id == claims.session_id, AuthSession.user_id == claims.user_id)
        )
    ).first()
    if row is None or row.revoked_at is not None or row.expires_at <= now or not row.is_active:
        raise Unauthorized("Your session has ended; sign in again.")
    wait = await runtime.user_limiter.retry_after(f"user:{claims.user_id}")
    if wait is not None:
        raise TooManyRequests(f"Too many requests from this account; try again in {wait} seconds.", wait)
    return Principal(
        user_id=claims.user_id,
        session_id=claims.session_id,
        organisation_id=claims.organisation_id,
        role=_ROLES.get(row.role) if row.role else None,
        is_platform_admin=row.is_platform_admin,
        email_verified=row.email_verified_at is not None,
    )


UserDep = Annotated[Principal, Depends(get_principal)]


def require_member(principal: UserDep, runtime: RuntimeDep) -> Principal:
    if principal.organisation_id is None:
        raise NotAMember("Choose an organisation first (POST /api/v1/auth/switch-organisation).")
    if principal.role is None:
        raise NotAMember("You are not a member of this organisation.")
    if runtime.settings.require_email_verification and not principal.email_verified:
        raise EmailNotVerified("Verify your e-mail address to use organisations.")
    return principal


MemberDep = Annotated[Principal, Depends(require_member)]


def require_mentor(principal: MemberDep) -> Principal:
    if not principal.is_mentor:
        raise Forbidden("Only mentors and organisation admins may do this.")
    return principal


MentorDep = Annotated[Principal, Depends(require_mentor)]


def require_org_admin(principal: MemberDep) -> Principal:
    if principal.role is not Role.ORG_ADMIN:
        raise Forbidden("Only organisation admins may do this.")
    return principal


OrgAdminDep = Annotated[Principal, Depends(require_org_admin)]


def require_platform_admin(principal: UserDep) -> Principal:
    if not principal.is_platform_admin:
        raise Forbidden("Only platform admins may do this.")
    return principal


PlatformAdminDep = Annotated[Principal, Depends(require_platform_admin)]
