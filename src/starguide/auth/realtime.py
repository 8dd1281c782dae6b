"""Socket.IO connections authenticated like API requests: a valid access token of a live session."""

from __future__ import annotations

from sqlalchemy import select

from starguide.auth.models import AuthSession, User
from starguide.auth.tokens import InvalidToken, decode_access_token
from starguide.orgs.models import Membership
from starguide.realtime.server import Identity
from starguide.runtime import Runtime


def install_socket_authenticator(runtime: Runtime) -> None:
    async def authenticate(token: str) -> Identity | None:
        now = runtime.clock()
        try:
            claims = decode_access_token(runtime.settings, token, now=now)
        except InvalidToken:
            return None
        async with runtime.db.session(write=False) as session:
            row = (
                await session.execute(
                    select(AuthSession.expires_at, AuthSession.revoked_at, User.is_active)
                    .join(User, User.id == AuthSession.user_id)
                    .where(AuthSession.id == claims.session_id, AuthSession.user_id == claims.user_id)
                )
            ).first()
            if row is None or row.revoked_at is not None or row.expires_at <= now or not row.is_active:
                return None
            organisation_id = claims.organisation_id
            if organisation_id is not None:
                member = await session.scalar(
                    select(Membership.id).where(
                        Membership.user_id == claims.user_id, Membership.organisation_id == organisation_id
                    )
                )
                organisation_id = organisation_id if member is not None else None
        return Identity(user_id=claims.user_id, organisation_id=organisation_id)

    runtime.realtime.authenticate = authenticate
