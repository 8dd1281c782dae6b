"""Socket.IO over a real server: token required, rooms per user, emits only after commit."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import socketio
import uvicorn
from pydantic import BaseModel

from starguide.app import with_realtime
from starguide.realtime.server import Identity, user_room

ALICE = uuid.uuid4()
ORG = uuid.uuid4()


class Ping(BaseModel):
    text: str


async def known_tokens(token: str) -> Identity | None:
    return Identity(user_id=ALICE, organisation_id=ORG) if token == "alice-token" else None


@pytest.fixture
async def live(harness_factory: Any) -> AsyncIterator[tuple[Any, str]]:
    harness = await harness_factory(realtime_ping_interval=1)
    harness.runtime.realtime.authenticate = known_tokens
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(
        with_realtime(harness.app), host="127.0.0.1", port=port, lifespan="off", log_config=None
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.01)
    yield harness, f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


def connect(url: str, token: str | None) -> socketio.SimpleClient:
    client = socketio.SimpleClient()
    client.connect(url, auth={"token": token} if token else None, transports=["polling"], wait_timeout=5)
    return client


def refused(url: str, token: str | None) -> Any:
    client = socketio.Client(reconnection=False)
    errors: list[Any] = []
    client.on("connect_error", errors.append)
    try:
        client.connect(url, auth={"token": token} if token else None, transports=["polling"], wait_timeout=3)
    except socketio.exceptions.ConnectionError:
        return errors
    finally:
        client.disconnect()
    raise AssertionError("connection was accepted")


async def test_connection_without_valid_token_is_refused(live: tuple[Any, str]) -> None:
    _, url = live
    for token in (None, "forged"):
        errors = await asyncio.to_thread(refused, url, token)
        assert errors == [{"message": "unauthorized"}]


async def test_emit_reaches_user_room_only_after_commit(live: tuple[Any, str]) -> None:
    harness, url = live
    client = await asyncio.to_thread(connect, url, "alice-token")
    try:
        realtime = harness.runtime.realtime
        with pytest.raises(RuntimeError):
            async with harness.runtime.db.session() as session:
                realtime.emit_after_commit(session, "ping", Ping(text="rolled back"), room=user_room(ALICE))
                raise RuntimeError
        async with harness.runtime.db.session() as session:
            realtime.emit_after_commit(session, "ping", Ping(text="committed"), room=user_room(ALICE))
        event = await asyncio.to_thread(client.receive, 5)
        assert event == ["ping", {"text": "committed"}]
    finally:
        await asyncio.to_thread(client.disconnect)


async def test_http_still_served_beside_socketio(live: tuple[Any, str]) -> None:
    import httpx

    _, url = live
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{url}/healthz")
    assert response.status_code == 200
