"""Test fixtures: one database per run, built from the migrations; tables emptied after each test.

SQLite by default. CI's second pass sets `STARGUIDE_TEST_DATABASE_URL` (a PostgreSQL server; a
database of this run's own is created on it and dropped at the end) and `STARGUIDE_TEST_REDIS_URL`.
"""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from starguide.app import create_app
from starguide.config import Settings
from starguide.models import metadata
from starguide.runtime import Runtime

PG_URL = os.environ.get("STARGUIDE_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("STARGUIDE_TEST_REDIS_URL")

requires_redis = pytest.mark.skipif(not REDIS_URL, reason="set STARGUIDE_TEST_REDIS_URL")
requires_postgres = pytest.mark.skipif(not PG_URL, reason="set STARGUIDE_TEST_DATABASE_URL")


async def _create_pg_database(base_url: str, name: str) -> str:
    admin = create_async_engine(make_url(base_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return make_url(base_url).set(database=name).render_as_string(hide_password=False)


async def _drop_pg_database(base_url: str, name: str) -> None:
    admin = create_async_engine(make_url(base_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("starguide-data")


@pytest.fixture(scope="session")
async def database_url(data_dir: Path) -> AsyncIterator[str]:
    """A migrated database for this test run."""
    from starguide.migrations import runner

    if PG_URL:
        name = f"starguide_test_{os.getpid()}_{secrets.token_hex(3)}"
        url = await _create_pg_database(PG_URL, name)
    else:
        url = f"sqlite+aiosqlite:///{data_dir / 'test.db'}"
    await runner.upgrade(make_settings(data_dir, url))
    yield url
    if PG_URL:
        await _drop_pg_database(PG_URL, name)


def make_settings(data_dir: Path, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "environment": "test",
        "data_dir": data_dir,
        "database_url": database_url,
        "redis_url": REDIS_URL,
        "secret_key": "test-secret-" + "s" * 40,
        "encryption_key": "test-encryption-" + "e" * 40,
        "access_log": False,
        "log_json": False,
        "rate_limit_ip": "100000/minute",
        "rate_limit_user": "100000/minute",
        "rate_limit_auth": "100000/minute",
        "rate_limit_signup": "100000/minute",
        "run_jobs_in_process": True,
        # cheap password hashing: tests create thousands of accounts
        "password_hash_time_cost": 1,
        "password_hash_memory_kib": 64,
        "password_hash_parallelism": 1,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings_factory(data_dir: Path, database_url: str) -> Callable[..., Settings]:
    return lambda **overrides: make_settings(data_dir, database_url, **overrides)


@pytest.fixture
def settings(settings_factory: Callable[..., Settings]) -> Settings:
    return settings_factory()


async def _empty_tables(runtime: Runtime) -> None:
    tables = [t.name for t in reversed(metadata.sorted_tables)]
    async with runtime.db.session() as session:
        if runtime.db.is_sqlite:
            for name in tables:
                await session.execute(text(f'DELETE FROM "{name}"'))
        else:
            await session.execute(text("TRUNCATE " + ", ".join(f'"{n}"' for n in tables) + " CASCADE"))


class AppHarness:
    """An app with its lifespan running, a client for it, and helpers to drive time and events."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.runtime: Runtime = app.state.runtime
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")

    async def drain(self) -> int:
        """Deliver every pending outbox event now (tests never wait for the background loop)."""
        return await self.runtime.dispatcher.drain()


@pytest.fixture
async def harness_factory(settings_factory: Callable[..., Settings]) -> AsyncIterator[Callable[..., Any]]:
    started: list[tuple[AppHarness, Any]] = []

    async def start(**overrides: Any) -> AppHarness:
        app = create_app(settings_factory(**overrides), background=False)
        lifespan = app.router.lifespan_context(app)
        await lifespan.__aenter__()
        harness = AppHarness(app)
        await harness.runtime.limiter.reset()
        await harness.runtime.ip_limiter.reset()
        await harness.runtime.user_limiter.reset()
        started.append((harness, lifespan))
        return harness

    yield start
    for index, (harness, lifespan) in enumerate(started):
        if index == 0:
            await _empty_tables(harness.runtime)
        await harness.client.aclose()
        await lifespan.__aexit__(None, None, None)


@pytest.fixture
async def harness(harness_factory: Callable[..., Any]) -> AppHarness:
    return await harness_factory()  # type: ignore[no-any-return]


@pytest.fixture
def client(harness: AppHarness) -> httpx.AsyncClient:
    return harness.client


@pytest.fixture
def unique() -> Callable[[str], str]:
    """Unique strings, so tests that share a database never collide."""
    return lambda prefix="x": f"{prefix}-{uuid.uuid4().hex[:10]}"
