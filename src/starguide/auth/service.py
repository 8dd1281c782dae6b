"""Accounts: sign-up, sign-in, rotating refresh tokens, sessions, passwords, e-mail and profile."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from starguide.auth import passwords
from starguide.auth.deps import (
    ACCOUNT_QUERY,
    AccountDeactivated,
    Principal,
    account_rows,
    check_session_live,
)
from starguide.auth.models import AuthSession, RefreshToken, User, UserToken
from starguide.auth.schemas import (
    ActiveOrganisation,
    MembershipRead,
    MeRead,
    MeUpdate,
    SessionRead,
    SignupIn,
)
from starguide.auth.tokens import AccessClaims, create_access_token, hash_token, new_secret_token
from starguide.config import Settings
from starguide.kit.errors import Conflict, Forbidden, InvalidInput, NotFound, ProblemError, Unauthorized
from starguide.kit.events import UserSignedUp
from starguide.kit.ids import uuid7
from starguide.kit.mail import queue_email
from starguide.kit.outbox import record_event
from starguide.kit.ratelimit import RateLimiter
from starguide.orgs import service as orgs
from starguide.orgs.models import Membership, Role
from starguide.runtime import Runtime

PASSWORD_RESET = "password_reset"
VERIFY_EMAIL = "verify_email"
MAX_LISTED_SESSIONS = 200


class BadCredentials(Unauthorized):
    slug, title = "invalid-credentials", "Wrong e-mail or password"


class InvalidLink(ProblemError):
    status, slug, title = 400, "invalid-link", "Invalid or expired link"


class RefreshRejected(Unauthorized):
    slug, title = "invalid-refresh-token", "Sign in again"


@dataclass(frozen=True)
class SignedIn:
    session_id: uuid.UUID
    organisation_id: uuid.UUID | None
    access_token: str
    refresh_token: str | None


@dataclass(frozen=True)
class FamilyRevoked:
    """A rotated refresh token came back: the whole sign-in was ended (and must stay ended)."""


def rate_key(email: str) -> str:
    """Rate-limit key of an address, so limiter storage never holds the address itself."""
    return hashlib.sha256(email.encode()).hexdigest()[:32]


# ---- sessions and tokens ----------------------------------------------------------------------


def _access(settings: Settings, now: datetime, auth: AuthSession) -> str:
    return create_access_token(
        settings, user_id=auth.user_id, session_id=auth.id, organisation_id=auth.organisation_id, now=now
    )


def _new_refresh_token(session: AsyncSession, auth_session_id: uuid.UUID, now: datetime) -> str:
    raw = new_secret_token()
    session.add(RefreshToken(session_id=auth_session_id, token_hash=hash_token(raw), created_at=now))
    return raw


async def start_session(
    session: AsyncSession,
    *,
    settings: Settings,
    now: datetime,
    user_id: uuid.UUID,
    organisation_id: uuid.UUID | None,
    ip: str | None = None,
    user_agent: str | None = None,
) -> SignedIn:
    """A new sign-in (refresh token family) for `user_id`, active in `organisation_id`."""
    auth = AuthSession(
        id=uuid7(),
        user_id=user_id,
        organisation_id=organisation_id,
        created_at=now,
        last_used_at=now,
        expires_at=now + timedelta(days=settings.refresh_token_days),
        ip=(ip or None) and ip[:64],
        user_agent=(user_agent or None) and user_agent[:300],
    )
    session.add(auth)
    await session.flush()
    raw = _new_refresh_token(session, auth.id, now)
    return SignedIn(auth.id, organisation_id, _access(settings, now, auth), raw)


async def _is_member(session: AsyncSession, user_id: uuid.UUID, organisation_id: uuid.UUID) -> bool:
    found = await session.scalar(
        select(Membership.id).where(
            Membership.user_id == user_id, Membership.organisation_id == organisation_id
        )
    )
    return found is not None


async def default_organisation(session: AsyncSession, user_id: uuid.UUID) -> uuid.UUID | None:
    """The organisation a sign-in starts in: the last one used, else the first one joined."""
    last = await session.scalar(select(User.last_organisation_id).where(User.id == user_id))
    if last is not None and await _is_member(session, user_id, last):
        return last
    first: uuid.UUID | None = await session.scalar(
        select(Membership.organisation_id)
        .where(Membership.user_id == user_id)
        .order_by(Membership.created_at, Membership.id)
        .limit(1)
    )
    return first


async def _revoke_sessions(
    session: AsyncSession,
    now: datetime,
    user_id: uuid.UUID,
    reason: str,
    *,
    keep: uuid.UUID | None = None,
) -> None:
    stmt = update(AuthSession).where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
    if keep is not None:
        stmt = stmt.where(AuthSession.id != keep)
    await session.execute(stmt.values(revoked_at=now, revoked_reason=reason))


# ---- sign-up and sign-in ----------------------------------------------------------------------


def _issue_user_token(
    session: AsyncSession, now: datetime, user: User, purpose: str, lifetime: timedelta
) -> str:
    raw = new_secret_token()
    session.add(
        UserToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=hash_token(raw),
            email=user.email,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    return raw


def _queue_verification(session: AsyncSession, settings: Settings, now: datetime, user: User) -> None:
    raw = _issue_user_token(
        session, now, user, VERIFY_EMAIL, timedelta(hours=settings.email_verification_hours)
    )
    link = f"{settings.public_url.rstrip('/')}/verify-email?token={raw}"
    queue_email(
        session,
        user.email,
        "Confirm your e-mail address for StarGuide",
        f"Hello {user.display_name},\n\nConfirm that this address is yours by opening:\n{link}\n\n"
        f"The link works for {settings.email_verification_hours} hours. "
        "If you did not create a StarGuide account, ignore this message.\n",
    )


class RegistrationClosed(Forbidden):
    slug, title = "registration-closed", "Registration by invitation only"


async def do_signup(
    session: AsyncSession,
    *,
    settings: Settings,
    now: datetime,
    data: SignupIn,
    password_hash: str,
    ip: str | None,
    user_agent: str | None,
) -> SignedIn:
    """Create an account (joining the invitation's organisation when one is given) and sign in."""
    if settings.registration == "invitation" and not data.invitation_token:
        raise RegistrationClosed("This server accepts new accounts by invitation only.")
    if await session.scalar(select(User.id).where(User.email == data.email)) is not None:
        raise Conflict("An account with this e-mail address exists; sign in instead.", email_taken=True)
    user = User(
        email=data.email,
        display_name=data.display_name,
        password_hash=password_hash,
        password_changed_at=now,
        last_login_at=now,
        created_at=now,
        updated_at=now,
        time_zone="UTC",
        locale="en",
        is_active=True,
        is_platform_admin=False,
    )
    session.add(user)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise Conflict(
            "An account with this e-mail address exists; sign in instead.", email_taken=True
        ) from None
    record_event(session, UserSignedUp(user_id=user.id, occurred_at=now))
    organisation_id = None
    if data.invitation_token:
        membership, proves_email = await orgs.do_accept_invitation(
            session, now=now, user_id=user.id, email=user.email, token=data.invitation_token
        )
        organisation_id = membership.organisation_id
        if proves_email:
            user.email_verified_at = now
    if settings.require_email_verification and user.email_verified_at is None:
        _queue_verification(session, settings, now, user)
    return await start_session(
        session,
        settings=settings,
        now=now,
        user_id=user.id,
        organisation_id=organisation_id,
        ip=ip,
        user_agent=user_agent,
    )


@dataclass(frozen=True)
class Authenticated:
    user_id: uuid.UUID
    new_hash: str | None  # the password hashed with today's parameters, when the stored one is older


async def authenticate(
    session: AsyncSession,
    *,
    settings: Settings,
    limiter: RateLimiter,
    email: str,
    password: str,
    ip: str,
) -> Authenticated:
    """Check e-mail and password; an unknown address and a wrong password look the same."""
    await limiter.hit(settings.rate_limit_auth, "login-ip", ip, what="sign-in attempts from this address")
    await limiter.hit(settings.rate_limit_auth, "login-account", rate_key(email), what="sign-in attempts")
    row = (
        await session.execute(select(User.id, User.password_hash, User.is_active).where(User.email == email))
    ).first()
    ok = await passwords.verify_password(settings, row.password_hash if row else None, password)
    if row is None or not ok:
        raise BadCredentials("The e-mail address or the password is wrong.")
    if not row.is_active:
        raise AccountDeactivated("This account has been deactivated; contact your administrator.")
    new_hash = None
    if passwords.needs_rehash(settings, row.password_hash):
        new_hash = await passwords.hash_password(settings, password)
    return Authenticated(row.id, new_hash)


async def do_login(
    session: AsyncSession,
    *,
    settings: Settings,
    now: datetime,
    who: Authenticated,
    organisation_id: uuid.UUID | None,
    ip: str | None,
    user_agent: str | None,
) -> SignedIn:
    if organisation_id is not None:
        if not await _is_member(session, who.user_id, organisation_id):
            raise NotFound("You are not a member of this organisation.")
    else:
        organisation_id = await default_organisation(session, who.user_id)
    values: dict[str, object] = {"last_login_at": now}
    if organisation_id is not None:
        values["last_organisation_id"] = organisation_id
    if who.new_hash:
        values["password_hash"] = who.new_hash
    await session.execute(update(User).where(User.id == who.user_id).values(**values))
    return await start_session(
        session,
        settings=settings,
        now=now,
        user_id=who.user_id,
        organisation_id=organisation_id,
        ip=ip,
        user_agent=user_agent,
    )


async def do_refresh(
    session: AsyncSession, *, settings: Settings, now: datetime, raw: str
) -> SignedIn | FamilyRevoked:
    """Rotate a refresh token. A token reused after the grace window ends its whole sign-in."""
    row = (
        await session.execute(
            select(RefreshToken, AuthSession, User.is_active)
            .join(AuthSession, AuthSession.id == RefreshToken.session_id)
            .join(User, User.id == AuthSession.user_id)
            .where(RefreshToken.token_hash == hash_token(raw))
        )
    ).first()
    if row is None:
        raise RefreshRejected("This refresh token is not valid; sign in again.")
    token, auth, active = row
    if auth.revoked_at is not None or auth.expires_at <= now or not active:
        raise RefreshRejected("This sign-in has ended; sign in again.")
    claimed = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == token.id, RefreshToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        # Someone used it before us: a concurrent refresh of the same client, or a thief.
        used_at = await session.scalar(select(RefreshToken.used_at).where(RefreshToken.id == token.id))
        if used_at is None or now - used_at > timedelta(seconds=settings.refresh_grace_seconds):
            await session.execute(
                update(AuthSession)
                .where(AuthSession.id == auth.id, AuthSession.revoked_at.is_(None))
                .values(revoked_at=now, revoked_reason="refresh-token-reused")
            )
            return FamilyRevoked()
    organisation_id = auth.organisation_id
    if organisation_id is not None and not await _is_member(session, auth.user_id, organisation_id):
        organisation_id = await default_organisation(session, auth.user_id)
    auth.organisation_id = organisation_id
    auth.last_used_at = now
    await session.flush()
    raw_next = _new_refresh_token(session, auth.id, now)
    return SignedIn(auth.id, organisation_id, _access(settings, now, auth), raw_next)


async def do_switch_organisation(
    session: AsyncSession,
    *,
    settings: Settings,
    now: datetime,
    principal: Principal,
    organisation_id: uuid.UUID,
) -> SignedIn:
    if not await _is_member(session, principal.user_id, organisation_id):
        raise NotFound("You are not a member of this organisation.")
    auth = await session.get(AuthSession, principal.session_id)
    assert auth is not None
    auth.organisation_id = organisation_id
    auth.last_used_at = now
    await session.execute(
        update(User).where(User.id == principal.user_id).values(last_organisation_id=organisation_id)
    )
    await session.flush()
    return SignedIn(auth.id, organisation_id, _access(settings, now, auth), None)


async def do_logout(session: AsyncSession, *, now: datetime, principal: Principal) -> None:
    await session.execute(
        update(AuthSession)
        .where(AuthSession.id == principal.session_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason="logout")
    )


async def do_logout_all(session: AsyncSession, *, now: datetime, principal: Principal) -> None:
    await _revoke_sessions(session, now, principal.user_id, "logout-all")


async def list_sessions(session: AsyncSession, *, now: datetime, principal: Principal) -> list[SessionRead]:
    rows = await session.scalars(
        select(AuthSession)
        .where(
            AuthSession.user_id == principal.user_id,
            AuthSession.revoked_at.is_(None),
            AuthSession.expires_at > now,
        )
        .order_by(AuthSession.last_used_at.desc(), AuthSession.id)
        .limit(MAX_LISTED_SESSIONS)
    )
    return [
        SessionRead(
            id=s.id,
            created_at=s.created_at,
            last_used_at=s.last_used_at,
            expires_at=s.expires_at,
            user_agent=s.user_agent,
            ip=s.ip,
            current=s.id == principal.session_id,
        )
        for s in rows
    ]


async def do_revoke_session(
    session: AsyncSession, *, now: datetime, principal: Principal, session_id: uuid.UUID
) -> None:
    result = await session.execute(
        update(AuthSession)
        .where(AuthSession.id == session_id, AuthSession.user_id == principal.user_id)
        .values(revoked_at=func.coalesce(AuthSession.revoked_at, now), revoked_reason="revoked")
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise NotFound("No such session.")


# ---- passwords and e-mail ---------------------------------------------------------------------


async def do_change_password(
    session: AsyncSession,
    *,
    settings: Settings,
    limiter: RateLimiter,
    now: datetime,
    principal: Principal,
    current_password: str,
    new_password: str,
) -> None:
    """Change the password after checking the current one; every other sign-in ends."""
    await limiter.hit(settings.rate_limit_auth, "password-change", str(principal.user_id), what="attempts")
    user = await session.get(User, principal.user_id)
    assert user is not None
    if not await passwords.verify_password(settings, user.password_hash, current_password):
        problem = "The current password is not correct."
        raise InvalidInput(
            problem, errors=[{"loc": "body.current_password", "message": problem, "kind": "wrong_password"}]
        )
    passwords.check_password(new_password, email=user.email, field="body.new_password")
    user.password_hash = await passwords.hash_password(settings, new_password)
    user.password_changed_at = now
    await _revoke_sessions(session, now, user.id, "password-changed", keep=principal.session_id)


async def do_forgot_password(
    session: AsyncSession, *, settings: Settings, limiter: RateLimiter, now: datetime, email: str, ip: str
) -> None:
    """Mail a reset link when the address has an active account; the answer never says which."""
    await limiter.hit(settings.rate_limit_auth, "forgot-ip", ip, what="reset requests from this address")
    await limiter.hit(settings.rate_limit_signup, "forgot-account", rate_key(email), what="reset requests")
    user = await session.scalar(select(User).where(User.email == email, User.is_active.is_(True)))
    if user is None:
        return
    raw = _issue_user_token(
        session, now, user, PASSWORD_RESET, timedelta(minutes=settings.password_reset_minutes)
    )
    link = f"{settings.public_url.rstrip('/')}/reset-password?token={raw}"
    queue_email(
        session,
        user.email,
        "Reset your StarGuide password",
        f"Hello {user.display_name},\n\nSomeone (hopefully you) asked to reset your StarGuide password. "
        f"Choose a new one here:\n{link}\n\n"
        f"The link works once, for {settings.password_reset_minutes} minutes. "
        "If you did not ask for it, ignore this message: your password stays as it is.\n",
    )


async def _use_user_token(session: AsyncSession, *, now: datetime, raw: str, purpose: str) -> UserToken:
    token = await session.scalar(
        select(UserToken).where(UserToken.token_hash == hash_token(raw), UserToken.purpose == purpose)
    )
    if token is None or token.used_at is not None or token.expires_at <= now:
        raise InvalidLink("This link is invalid, expired or already used; ask for a new one.")
    claimed = await session.execute(
        update(UserToken)
        .where(UserToken.id == token.id, UserToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidLink("This link has already been used.")
    return token


async def do_reset_password(
    session: AsyncSession, *, now: datetime, token: str, new_password: str, password_hash: str
) -> None:
    """Set a new password from an e-mailed link; every sign-in ends."""
    used = await _use_user_token(session, now=now, raw=token, purpose=PASSWORD_RESET)
    user = await session.get(User, used.user_id)
    if user is None or not user.is_active or user.email != used.email:
        raise InvalidLink("This link is no longer valid; ask for a new one.")
    passwords.check_password(new_password, email=user.email, field="body.new_password")
    user.password_hash = password_hash
    user.password_changed_at = now
    if user.email_verified_at is None:
        user.email_verified_at = now  # the link reached this mailbox
    await session.execute(
        update(UserToken)
        .where(UserToken.user_id == user.id, UserToken.purpose == PASSWORD_RESET, UserToken.used_at.is_(None))
        .values(used_at=now)
    )
    await _revoke_sessions(session, now, user.id, "password-reset")


async def do_verify_email(session: AsyncSession, *, now: datetime, token: str) -> None:
    used = await _use_user_token(session, now=now, raw=token, purpose=VERIFY_EMAIL)
    user = await session.get(User, used.user_id)
    if user is None or user.email != used.email:
        raise InvalidLink("This link is no longer valid; ask for a new one.")
    if user.email_verified_at is None:
        user.email_verified_at = now


async def do_resend_verification(
    session: AsyncSession, *, settings: Settings, limiter: RateLimiter, now: datetime, principal: Principal
) -> None:
    await limiter.hit(settings.rate_limit_signup, "verify-resend", str(principal.user_id), what="e-mails")
    user = await session.get(User, principal.user_id)
    assert user is not None
    if user.email_verified_at is None:
        _queue_verification(session, settings, now, user)


# ---- profile ----------------------------------------------------------------------------------


async def read_me_json(runtime: Runtime, claims: AccessClaims, now: datetime) -> bytes:
    """My account as `GET /me` shows it, encoded; also checks that the session is live (401 otherwise).

    Every page of the web app asks for it, so the encoded answer is kept with the cached rows."""
    rows = await account_rows(runtime, claims)
    check_session_live(rows[0] if rows else None, now)
    return runtime.access_cache.derived(  # type: ignore[no-any-return]
        claims.session_id,
        rows,
        ("me", claims.organisation_id),
        lambda: _me_from_rows(rows, claims, now).model_dump_json().encode(),
    )


def _me_from_rows(rows: Sequence[Any], claims: AccessClaims, now: datetime) -> MeRead:
    first = rows[0] if rows else None
    check_session_live(first, now)
    assert first is not None
    memberships = [
        MembershipRead(organisation_id=r.org_id, name=r.name, slug=r.slug, role=Role(r.role))
        for r in rows
        if r.org_id is not None
    ]
    active = next((m for m in memberships if m.organisation_id == claims.organisation_id), None)
    return MeRead(
        id=first.id,
        email=first.email,
        display_name=first.display_name,
        avatar_url=first.avatar_url,
        time_zone=first.time_zone,
        locale=first.locale,
        email_verified=first.email_verified_at is not None,
        is_platform_admin=first.is_platform_admin,
        active_organisation=ActiveOrganisation(
            id=active.organisation_id, name=active.name, slug=active.slug, role=active.role
        )
        if active
        else None,
        memberships=memberships,
    )


async def do_update_me(
    session: AsyncSession, *, now: datetime, principal: Principal, data: MeUpdate
) -> MeRead:
    changes = data.model_dump(exclude_unset=True)
    values: dict[str, object] = {k: v for k, v in changes.items() if v is not None and k != "avatar_url"}
    if "avatar_url" in changes:
        values["avatar_url"] = changes["avatar_url"] or None
    if values:
        values["updated_at"] = now
        await session.execute(update(User).where(User.id == principal.user_id).values(**values))
    claims = AccessClaims(principal.user_id, principal.session_id, principal.organisation_id)
    # Read back on this transaction's own connection, which sees the update before it commits.
    rows = (await session.execute(ACCOUNT_QUERY, {"sid": claims.session_id, "uid": claims.user_id})).all()
    return _me_from_rows(rows, claims, now)


# ---- platform administration ------------------------------------------------------------------


async def do_set_active(
    session: AsyncSession, *, now: datetime, actor: Principal, user_id: uuid.UUID, active: bool
) -> None:
    """Deactivate (ending every sign-in) or reactivate an account."""
    if user_id == actor.user_id and not active:
        raise Conflict("You cannot deactivate your own account.")
    result = await session.execute(
        update(User).where(User.id == user_id).values(is_active=active, updated_at=now)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise NotFound("No such account.")
    if not active:
        await _revoke_sessions(session, now, user_id, "deactivated")
