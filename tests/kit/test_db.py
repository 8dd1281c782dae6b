"""The data layer on the real database: migrations both ways, aware datetimes, the write lock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import select, text, update

from starguide.config import Settings
from starguide.kit.mail import OutgoingEmail, queue_email
from starguide.migrations import runner
from tests.conftest import PG_URL, _create_pg_database, _drop_pg_database


async def test_datetimes_come_back_aware_in_utc(harness: Any) -> None:
    paris_summer = datetime(2026, 7, 1, 14, 30, tzinfo=timezone(timedelta(hours=2)))
    async with harness.runtime.db.session() as session:
        email = queue_email(session, "a@example.org", "s", "t")
        email.created_at = paris_summer
    async with harness.runtime.db.session(write=False) as session:
        stored = await session.scalar(select(OutgoingEmail.created_at).where(OutgoingEmail.id == email.id))
    assert stored is not None
    assert stored.tzinfo is not None
    assert stored.utcoffset() == timedelta(0)
    assert stored == datetime(2026, 7, 1, 12, 30, tzinfo=UTC)


async def test_naive_datetime_is_refused(harness: Any) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        async with harness.runtime.db.session() as session:
            email = queue_email(session, "a@example.org", "s", "t")
            email.created_at = datetime(2026, 1, 1)


async def test_rollback_on_error_keeps_nothing(harness: Any) -> None:
    with pytest.raises(RuntimeError):
        async with harness.runtime.db.session() as session:
            queue_email(session, "a@example.org", "rolled back", "t")
            await session.flush()
            raise RuntimeError("fail after flush")
    async with harness.runtime.db.session(write=False) as session:
        assert (await session.scalars(select(OutgoingEmail))).all() == []


async def test_sqlite_pragmas(harness: Any) -> None:
    if not harness.runtime.db.is_sqlite:
        pytest.skip("SQLite only")
    async with harness.runtime.db.session(write=False) as session:
        assert (await session.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await session.execute(text("PRAGMA foreign_keys"))).scalar() == 1
        assert (await session.execute(text("PRAGMA busy_timeout"))).scalar() == 30000


async def test_concurrent_read_modify_write_transactions_do_not_lock(harness: Any) -> None:
    """Each writer reads then writes: on SQLite a deferred transaction would fail to upgrade."""
    async with harness.runtime.db.session() as session:
        email = queue_email(session, "count@example.org", "counter", "0")

    async def increment() -> None:
        async with harness.runtime.db.session() as session:
            assert await session.get(OutgoingEmail, email.id) is not None
            await asyncio.sleep(0)  # let the others start their transactions
            await session.execute(
                update(OutgoingEmail)
                .where(OutgoingEmail.id == email.id)
                .values(attempts=OutgoingEmail.attempts + 1)
            )

    await asyncio.gather(*[increment() for _ in range(20)])
    async with harness.runtime.db.session(write=False) as session:
        row = await session.get(OutgoingEmail, email.id)
        assert row is not None
        assert row.attempts == 20


async def test_after_commit_callbacks_run_only_after_commit(harness: Any) -> None:
    seen: list[str] = []

    async def record() -> None:
        seen.append("after")

    async with harness.runtime.db.session() as session:
        harness.runtime.db.on_commit(session, record)
        assert seen == []
    assert seen == ["after"]
    with pytest.raises(RuntimeError):
        async with harness.runtime.db.session() as session:
            harness.runtime.db.on_commit(session, record)
            raise RuntimeError
    assert seen == ["after"]


async def test_migrations_down_and_up_on_a_fresh_database(tmp_path: Any) -> None:
    if PG_URL:
        name = f"starguide_migr_{tmp_path.name[-8:].replace('-', '_')}"
        url = await _create_pg_database(PG_URL, name)
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'migr.db'}"
    settings = Settings(database_url=url, data_dir=tmp_path)
    try:
        await runner.upgrade(settings)
        assert await runner.current(settings) == runner.heads()[0]
        await runner.downgrade(settings, "base")
        assert await runner.current(settings) is None
        await runner.upgrade(settings)
        assert await runner.current(settings) == runner.heads()[0]
    finally:
        if PG_URL:
            await _drop_pg_database(PG_URL, name)


async def test_concurrent_migrations_do_not_race(tmp_path: Any) -> None:
    if PG_URL:
        name = f"starguide_race_{tmp_path.name[-8:].replace('-', '_')}"
        url = await _create_pg_database(PG_URL, name)
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'race.db'}"
    settings = Settings(database_url=url, data_dir=tmp_path)
    try:
        await asyncio.gather(*[asyncio.to_thread(asyncio.run, runner.upgrade(settings)) for _ in range(3)])
        assert await runner.current(settings) == runner.heads()[0]
    finally:
        if PG_URL:
            await _drop_pg_database(PG_URL, name)


def test_migrations_have_one_head() -> None:
    assert len(runner.heads()) == 1
