"""Socket.IO over a real server: token required, rooms per user, emits only after commit."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
import socketio
import uvicorn
from pydantic import BaseModel

from starguide.app import with_realtime
from starguide.realtime.server import org_room, user_room
from tests.factories import create_account, create_org


class Ping(BaseModel):
    text: str


@pytest.fixture
async def live(harness_factory: Any) -> AsyncIterator[tuple[Any, str]]:
    harness = await harness_factory(realtime_ping_interval=1)
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
    harness, url = live
    account = await create_account(harness.client)
    assert account.access_token.count(".") == 2
    tampered = account.access_token[:-4] + ("AAAA" if not account.access_token.endswith("AAAA") else "BBBB")
    for token in (None, "forged", tampered):
        errors = await asyncio.to_thread(refused, url, token)
        assert errors == [{"message": "unauthorized"}]


async def test_signed_out_session_cannot_connect(live: tuple[Any, str]) -> None:
    harness, url = live
    account = await create_account(harness.client)
    response = await harness.client.post("/api/v1/auth/logout", headers=account.headers)
    assert response.status_code == 204
    errors = await asyncio.to_thread(refused, url, account.access_token)
    assert errors == [{"message": "unauthorized"}]


async def test_emit_reaches_rooms_only_after_commit(live: tuple[Any, str]) -> None:
    harness, url = live
    org = await create_org(harness.client)
    alice = org.admin
    client = await asyncio.to_thread(connect, url, alice.access_token)
    try:
        realtime = harness.runtime.realtime
        with pytest.raises(RuntimeError):
            async with harness.runtime.db.session() as session:
                realtime.emit_after_commit(
                    session, "ping", Ping(text="rolled back"), room=user_room(alice.user_id)
                )
                raise RuntimeError
        async with harness.runtime.db.session() as session:
            realtime.emit_after_commit(session, "ping", Ping(text="committed"), room=user_room(alice.user_id))
        event = await asyncio.to_thread(client.receive, 5)
        assert event == ["ping", {"text": "committed"}]
        await realtime.emit("ping", Ping(text="to the organisation"), room=org_room(org.id))
        event = await asyncio.to_thread(client.receive, 5)
        assert event == ["ping", {"text": "to the organisation"}]
    finally:
        await asyncio.to_thread(client.disconnect)


async def test_http_still_served_beside_socketio(live: tuple[Any, str]) -> None:
    import httpx

    _, url = live
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{url}/healthz")
    assert response.status_code == 200
