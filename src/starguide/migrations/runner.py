"""Run Alembic from code, under a lock so workers starting together never race."""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import AsyncIterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from starguide.config import Settings

MIGRATIONS_DIR = Path(__file__).parent
PG_LOCK_ID = 0x5747_4D49  # arbitrary, constant across deploys


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def heads() -> list[str]:
    return list(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


@contextlib.asynccontextmanager
async def _locked(url: str) -> AsyncIterator[AsyncConnection]:
    engine = create_async_engine(url)
    try:
        if url.startswith("sqlite"):
            database = make_url(url).database or ""
            lock_path = Path(database + ".migrate.lock") if database else None
            handle = lock_path.open("w") if lock_path else None
            try:
                if handle:
                    fcntl.flock(handle, fcntl.LOCK_EX)
                async with engine.connect() as conn:
                    yield conn
            finally:
                if handle:
                    fcntl.flock(handle, fcntl.LOCK_UN)
                    handle.close()
        else:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": PG_LOCK_ID})
                await conn.commit()
                try:
                    yield conn
                finally:
                    await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PG_LOCK_ID})
                    await conn.commit()
    finally:
        await engine.dispose()


async def _run(url: str, action: str, revision: str) -> None:
    cfg = alembic_config(url)

    def apply(sync_conn: Connection) -> None:
        cfg.attributes["connection"] = sync_conn
        if action == "upgrade":
            command.upgrade(cfg, revision)
        else:
            command.downgrade(cfg, revision)

    async with _locked(url) as conn:
        await conn.run_sync(apply)
        await conn.commit()


async def upgrade(settings: Settings, revision: str = "head") -> None:
    await _run(settings.resolved_database_url, "upgrade", revision)


async def downgrade(settings: Settings, revision: str) -> None:
    await _run(settings.resolved_database_url, "downgrade", revision)


async def current(settings: Settings) -> str | None:
    from alembic.runtime.migration import MigrationContext

    engine = create_async_engine(settings.resolved_database_url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())
    finally:
        await engine.dispose()
