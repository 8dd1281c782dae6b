"""Property-based test over the whole OpenAPI schema: no 5xx, and every answer matches its declaration.

Schemathesis generates requests for every operation and sends them to a live server (a thread
running uvicorn on the test database), signed in as an organisation admin. It runs in one CI
pass only: set STARGUIDE_PROPERTY_TESTS=1.
"""

from __future__ import annotations

import asyncio
import os
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from starguide.app import create_app
from starguide.config import Settings
from tests.conftest import make_settings

pytestmark = [
    pytest.mark.property,
    pytest.mark.skipif(
        os.environ.get("STARGUIDE_PROPERTY_TESTS") != "1", reason="set STARGUIDE_PROPERTY_TESTS=1"
    ),
]

ENDS_SESSIONS = frozenset({"/api/v1/auth/logout", "/api/v1/auth/logout-all", "/api/v1/auth/password/change"})
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """uvicorn in a thread of its own, with its own event loop and database engine."""

    def __init__(self, app: Any) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, lifespan="on", log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=lambda: asyncio.run(self.server.serve()), daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the live server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(30)


@pytest.fixture(scope="module")
def live_server(data_dir: Path, database_url: str) -> Iterator[LiveServer]:
    app = create_app(make_settings(data_dir, database_url), background=False)
    with LiveServer(app) as server:
        yield server


class SignedIn:
    """An org admin's access token, signing in again when a generated call ended the session."""

    def __init__(self, url: str, credentials: dict[str, str]) -> None:
        self.url = url
        self.credentials = credentials
        self.token: str | None = None

    def headers(self) -> dict[str, str]:
        if self.token is None:
            login = httpx.post(f"{self.url}/api/v1/auth/login", json=self.credentials, timeout=30)
            login.raise_for_status()
            self.token = str(login.json()["access_token"])
        return {"Authorization": f"Bearer {self.token}"}

    def forget(self) -> None:
        self.token = None


@pytest.fixture(scope="module")
def signed_in(live_server: LiveServer) -> SignedIn:
    """An org admin whose active organisation is set."""
    tag = uuid.uuid4().hex[:10]
    credentials = {"email": f"property-{tag}@example.org", "password": f"property-{tag}-Pass"}
    with httpx.Client(base_url=live_server.url) as client:
        signup = client.post("/api/v1/auth/signup", json={**credentials, "display_name": "Property"})
        signup.raise_for_status()
        headers = {"Authorization": f"Bearer {signup.json()['access_token']}"}
        org = client.post(
            "/api/v1/orgs",
            json={"name": "Property", "slug": f"property-{tag}", "time_zone": "UTC"},
            headers=headers,
        )
        org.raise_for_status()
    return SignedIn(live_server.url, credentials)


def _openapi() -> dict[str, Any]:
    """The schema, read from an app that never starts (generation needs it at import time)."""
    offline = Settings(
        environment="test",
        database_url="sqlite+aiosqlite:///:memory:",
        secret_key="s" * 48,
        encryption_key="e" * 48,
        data_dir=Path(tempfile.gettempdir()),
    )
    document: dict[str, Any] = create_app(offline, background=False).openapi()
    return document


schema = schemathesis.openapi.from_dict(_openapi())


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
def test_api_conforms_to_its_schema(case: Any, live_server: LiveServer, signed_in: SignedIn) -> None:
    headers = {} if case.headers and "Authorization" in case.headers else signed_in.headers()
    response = case.call(base_url=live_server.url, headers=headers, timeout=30)
    if response.status_code == 401 or case.path in ENDS_SESSIONS:
        signed_in.forget()  # generated calls may sign out: the next example signs in again
    case.validate_response(response, checks=CHECKS)
