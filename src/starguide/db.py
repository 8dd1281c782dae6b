"""The database: one async engine, and sessions that commit once per request or job.

SQLite is opened in WAL mode with foreign keys on. Its write transactions start with
`BEGIN IMMEDIATE` and queue on an in-process lock, so concurrent writers wait their turn
instead of failing with "database is locked" when a read transaction tries to upgrade.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from starguide.config import Settings

WRITE_OPTION = "starguide_write"
logger = logging.getLogger("starguide.db")


def _configure_sqlite(engine: AsyncEngine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see "begin" below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


class Database:
    """Owns the engine. `session(write=...)` is the only way code reaches the database."""

    def __init__(self, settings: Settings) -> None:
        url = settings.resolved_database_url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {}
        if not self.is_sqlite:
            # No pre-ping: it costs a round trip on every checkout. Connections are recycled instead,
            # and one that died anyway fails a single request and is replaced.
            kwargs.update(pool_size=10, max_overflow=20, pool_recycle=300)
        self.engine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            _configure_sqlite(self.engine, settings.sqlite_busy_timeout_ms)
        # PostgreSQL reads run in autocommit: under READ COMMITTED each statement takes its own snapshot
        # anyway, so a transaction around them would only add BEGIN and ROLLBACK round trips.
        reader = (
            self.engine if self.is_sqlite else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        )
        self._read = async_sessionmaker(reader, expire_on_commit=False, autoflush=False)
        self._write = async_sessionmaker(
            self.engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False, autoflush=False
        )
        self._sqlite_write_lock = asyncio.Lock()
        # Called after every successful commit with the session's `info` (e.g. to wake the outbox).
        self.after_commit_hooks: list[Callable[[dict[str, Any]], None]] = []

    @asynccontextmanager
    async def session(self, *, write: bool = True) -> AsyncIterator[AsyncSession]:
        """A session that commits when the block ends cleanly and rolls back otherwise."""
        maker = self._write if write else self._read
        lock = self._sqlite_write_lock if write and self.is_sqlite else contextlib.nullcontext()
        async with lock, maker() as session:
            yield session
            if not write:
                return
            await session.commit()
        await self._after_commit(session.info)

    async def after_commit(self, info: dict[str, Any]) -> None:
        """Run the after-commit work of a session whose statements committed themselves (autocommit)."""
        await self._after_commit(info)

    async def _after_commit(self, info: dict[str, Any]) -> None:
        for hook in self.after_commit_hooks:
            hook(info)
        for callback in info.pop("after_commit", []):
            try:
                await callback()
            except Exception:
                logger.exception("after-commit callback failed")

    @staticmethod
    def on_commit(session: AsyncSession, callback: Callable[[], Awaitable[None]]) -> None:
        """Run `callback` once this session's transaction has committed (never if it rolls back)."""
        session.info.setdefault("after_commit", []).append(callback)

    async def ping(self) -> None:
        from sqlalchemy import text

        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
