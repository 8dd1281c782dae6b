"""The Socket.IO server: authenticated connections, rooms per user and organisation, emits after commit.

A client connects with `auth: {token: <access token>}` and joins `user:<id>` and `org:<id>`.
With Redis configured, `AsyncRedisManager` carries emits across workers (and from `starguide worker`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import socketio
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from starguide.db import Database

logger = logging.getLogger("starguide.realtime")


@dataclass(frozen=True)
class Identity:
    """Who a connection belongs to, as established from its access token."""

    user_id: uuid.UUID
    organisation_id: uuid.UUID | None


Authenticator = Callable[[str], Awaitable[Identity | None]]


async def _refuse_everyone(token: str) -> Identity | None:
    return None


def user_room(user_id: uuid.UUID) -> str:
    return f"user:{user_id}"


def org_room(organisation_id: uuid.UUID) -> str:
    return f"org:{organisation_id}"


class Realtime:
    def __init__(
        self,
        *,
        redis_url: str | None,
        cors_origins: list[str],
        write_only: bool = False,
        ping_interval: float = 25,
    ) -> None:
        manager = socketio.AsyncRedisManager(redis_url, write_only=write_only) if redis_url else None
        self.sio = socketio.AsyncServer(
            async_mode="asgi",
            client_manager=manager,
            cors_allowed_origins=cors_origins,
            logger=False,
            engineio_logger=False,
            max_http_buffer_size=64 * 1024,
            ping_interval=ping_interval,
            ping_timeout=max(5, ping_interval),
        )
        # The accounts domain installs the real check (see `starguide.auth`); until then nobody connects.
        self.authenticate: Authenticator = _refuse_everyone
        self.sio.on("connect", self._on_connect)

    async def _on_connect(self, sid: str, environ: dict[str, Any], auth: Any) -> bool:
        token = auth.get("token") if isinstance(auth, dict) else None
        identity = await self.authenticate(token) if isinstance(token, str) and token else None
        if identity is None:
            raise socketio.exceptions.ConnectionRefusedError("unauthorized")
        await self.sio.save_session(sid, {"user_id": str(identity.user_id)})
        await self.sio.enter_room(sid, user_room(identity.user_id))
        if identity.organisation_id is not None:
            await self.sio.enter_room(sid, org_room(identity.organisation_id))
        return True

    async def emit(self, event: str, payload: BaseModel, *, room: str) -> None:
        await self.sio.emit(event, payload.model_dump(mode="json"), room=room)

    def emit_after_commit(self, session: AsyncSession, event: str, payload: BaseModel, *, room: str) -> None:
        """Send once the session's transaction has committed; nothing is sent if it rolls back."""

        async def send() -> None:
            await self.emit(event, payload, room=room)

        Database.on_commit(session, send)

    def asgi(self, other_app: Any) -> Any:
        """The ASGI app serving `/socket.io/` and passing everything else to `other_app`."""
        return RealtimeDispatcher(socketio.ASGIApp(self.sio, socketio_path="socket.io"), other_app)

    async def close(self) -> None:
        """Stop the background tasks and close the Redis connections of the Socket.IO server."""
        await self.sio.shutdown()
        manager = self.sio.manager
        if not isinstance(manager, socketio.AsyncRedisManager):
            return
        listener = getattr(manager, "thread", None)
        if listener is not None:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await listener
        if getattr(manager, "pubsub", None) is not None:
            await manager.pubsub.aclose()
        if manager.redis is not None:
            await manager.redis.aclose()


class RealtimeDispatcher:
    """Sends `/socket.io/` to Socket.IO and everything else, lifespan included, to `other_app`.

    Socket.IO's own wrapper does the same with more work per request (static files, path
    normalisation); every HTTP request passes through here, so the check is one prefix test.
    """

    def __init__(self, realtime_app: Any, other_app: Any) -> None:
        self.realtime_app = realtime_app
        self.other_app = other_app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if scope["type"] != "lifespan" and (path.startswith("/socket.io/") or path == "/socket.io"):
            await self.realtime_app(scope, receive, send)
        else:
            await self.other_app(scope, receive, send)
