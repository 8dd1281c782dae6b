"""Who is asking: the principal behind a request, and the dependencies that check its rights.

The access token names the user, the sign-in session and the active organisation; the session's
liveness, the account's state and the roles are the rows of `GET /me` (one indexed query), held
briefly in the process's `AccessCache`, which forgets them as soon as a change to them commits. So a
sign-out, a deactivation, a role change or a removal takes effect on the very next request.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import bindparam, select

from starguide.auth.models import AuthSession, User
from starguide.auth.tokens import AccessClaims, decode_access_token
from starguide.kit.deps import RuntimeDep
from starguide.kit.errors import Forbidden, TooManyRequests, Unauthorized
from starguide.orgs.models import Membership, Organisation, Role
from starguide.runtime import Runtime

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


# Built once: the session's liveness, the account, and each of its organisations with the role in it
# (one row per membership; a single row with no organisation when there is none).
ACCOUNT_QUERY = (
    select(
        AuthSession.expires_at,
        AuthSession.revoked_at,
        User.is_active,
        User.id,
        User.email,
        User.display_name,
        User.avatar_url,
        User.time_zone,
        User.locale,
        User.email_verified_at,
        User.is_platform_admin,
        Organisation.id.label("org_id"),
        Organisation.name,
        Organisation.slug,
        Membership.role,
    )
    .select_from(AuthSession)
    .join(User, User.id == AuthSession.user_id)
    .outerjoin(Membership, Membership.user_id == User.id)
    .outerjoin(Organisation, Organisation.id == Membership.organisation_id)
    .where(AuthSession.id == bindparam("sid"), AuthSession.user_id == bindparam("uid"))
    .order_by(Organisation.name, Organisation.id)
)


BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]


def authenticate(
    runtime: Runtime, credentials: HTTPAuthorizationCredentials | None
) -> tuple[AccessClaims, datetime]:
    """The claims of the request's access token (401 without a valid one), and the time now."""
    if credentials is None:
        raise Unauthorized()
    now = runtime.clock()
    return decode_access_token(runtime.settings, credentials.credentials, now=now), now


def check_session_live(row: Any, now: datetime) -> None:
    """`row` has the session's `expires_at` and `revoked_at` and the account's `is_active`."""
    if row is None or row.revoked_at is not None or row.expires_at <= now or not row.is_active:
        raise Unauthorized("Your session has ended; sign in again.")


async def check_user_rate(runtime: Runtime, user_id: uuid.UUID) -> None:
    wait = await runtime.user_limiter.retry_after(f"user:{user_id}")
    if wait is not None:
        raise TooManyRequests(f"Too many requests from this account; try again in {wait} seconds.", wait)


async def get_principal(runtime: RuntimeDep, credentials: BearerDep) -> Principal:
    """The principal of a request, read apart from the request's own transaction: a POST's is a write,
    and on SQLite writes queue one at a time, so signing in must not wait for (or hold) one."""
    claims, now = authenticate(runtime, credentials)
    rows = await account_rows(runtime, claims)
    first = rows[0] if rows else None
    check_session_live(first, now)
    assert first is not None
    await check_user_rate(runtime, claims.user_id)
    role = next((r.role for r in rows if r.org_id is not None and r.org_id == claims.organisation_id), None)
    return Principal(
        user_id=claims.user_id,
        session_id=claims.session_id,
        organisation_id=claims.organisation_id,
        role=_ROLES.get(role) if role else None,
        is_platform_admin=first.is_platform_admin,
        email_verified=first.email_verified_at is not None,
    )


async def account_rows(runtime: Runtime, claims: AccessClaims) -> Sequence[Any]:
    """The rows of `ACCOUNT_QUERY` for the token's session, from the cache when it has them."""
    return await runtime.access_cache.rows(
        claims.session_id,
        lambda: runtime.db.hot_read(ACCOUNT_QUERY, {"sid": claims.session_id, "uid": claims.user_id}),
    )


UserDep = Annotated[Principal, Depends(get_principal)]


async def require_member(principal: UserDep, runtime: RuntimeDep) -> Principal:
    if principal.organisation_id is None:
        raise NotAMember("Choose an organisation first (POST /api/v1/auth/switch-organisation).")
    if principal.role is None:
        raise NotAMember("You are not a member of this organisation.")
    if runtime.settings.require_email_verification and not principal.email_verified:
        raise EmailNotVerified("Verify your e-mail address to use organisations.")
    return principal


MemberDep = Annotated[Principal, Depends(require_member)]


async def require_mentor(principal: MemberDep) -> Principal:
    if not principal.is_mentor:
        raise Forbidden("Only mentors and organisation admins may do this.")
    return principal


MentorDep = Annotated[Principal, Depends(require_mentor)]


async def require_org_admin(principal: MemberDep) -> Principal:
    if principal.role is not Role.ORG_ADMIN:
        raise Forbidden("Only organisation admins may do this.")
    return principal


OrgAdminDep = Annotated[Principal, Depends(require_org_admin)]


async def require_platform_admin(principal: UserDep) -> Principal:
    if not principal.is_platform_admin:
        raise Forbidden("Only platform admins may do this.")
    return principal


PlatformAdminDep = Annotated[Principal, Depends(require_platform_admin)]
