"""The database: one async engine, and sessions that commit once per request or job.

SQLite is opened in WAL mode with foreign keys on. Its write transactions start with
`BEGIN IMMEDIATE` and queue on an in-process lock, so concurrent writers wait their turn
instead of failing with "database is locked" when a read transaction tries to upgrade.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.sql import Executable, Select

from starguide.config import Settings

WRITE_OPTION = "starguide_write"
AnySelect = Select[*tuple[Any, ...]]
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


class _Record(asyncpg.Record):  # type: ignore[misc]
    """A row whose columns read as attributes, like SQLAlchemy's rows."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


async def _nothing_to_reset(_connection: asyncpg.Connection) -> None:
    """The hot pool only runs single statements in autocommit: no state is left to reset."""


class HotPath:
    """Runs the few statements of the busiest routes straight on asyncpg (PostgreSQL only).

    Authentication reads the session, account and role on every request, and saving an answer is
    one self-contained statement. Through SQLAlchemy's session and pool that costs about ten times
    the driver's own work (checkout, greenlet hops, result processing); here each statement is
    compiled once and run, in autocommit, on a small pool of its own. Only plain values that need
    no conversion belong here (UUIDs, text, numbers, booleans, aware timestamps, JSON as text).
    """

    def __init__(self, engine: AsyncEngine, max_size: int) -> None:
        self._dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._dialect = engine.dialect
        self._max_size = max_size
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()
        self._compiled: dict[int, tuple[Executable, str, tuple[str, ...]]] = {}

    def _sql(self, statement: Executable) -> tuple[str, tuple[str, ...]]:
        cached = self._compiled.get(id(statement))
        if cached is None or cached[0] is not statement:
            compiled = statement.compile(dialect=self._dialect)  # type: ignore[attr-defined]
            cached = (statement, compiled.string, tuple(compiled.positiontup or ()))
            self._compiled[id(statement)] = cached
        return cached[1], cached[2]

    async def _open(self) -> asyncpg.Pool:
        async with self._opening:
            if self._pool is None:
                self._pool = await asyncpg.create_pool(
                    self._dsn,
                    min_size=1,
                    max_size=self._max_size,
                    reset=_nothing_to_reset,
                    record_class=_Record,
                    max_inactive_connection_lifetime=300,
                )
            return self._pool

    async def fetch(self, statement: Executable, params: Mapping[str, Any]) -> Sequence[Any]:
        sql, names = self._sql(statement)
        pool = self._pool or await self._open()
        rows: Sequence[Any] = await pool.fetch(sql, *(params[name] for name in names))
        return rows

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None


class Database:
    """Owns the engine. `session(write=...)` is how code reaches the database; `hot_read` is for
    the few read-only queries every request makes."""

    def __init__(self, settings: Settings) -> None:
        url = settings.resolved_database_url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {}
        if not self.is_sqlite:
            # No pre-ping: it costs a round trip on every checkout. Connections are recycled instead,
            # and one that died anyway fails a single request and is replaced. No overflow either: an
            # overflow connection is closed as soon as it is returned, so a busy process would open
            # (TLS negotiation included) and close connections all the time; a request waits its turn.
            kwargs.update(pool_size=settings.database_pool_size, max_overflow=0, pool_recycle=300)
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
        self._hot = None if self.is_sqlite else HotPath(self.engine, max_size=10)
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

    async def hot_read(self, statement: AnySelect, params: Mapping[str, Any]) -> Sequence[Any]:
        """The rows of a read-only SELECT that runs on every request (see `HotPath`); on SQLite, in a
        read session of its own."""
        if self._hot is not None:
            return await self._hot.fetch(statement, params)
        async with self.session(write=False) as own:
            return (await own.execute(statement, params)).all()

    async def hot_write(
        self, statement: Executable, params: Mapping[str, Any], info: dict[str, Any]
    ) -> Sequence[Any]:
        """The rows of one write statement that commits by itself (PostgreSQL only, see `HotPath`),
        then the after-commit work that `info` asks for, as a session's commit would run it."""
        assert self._hot is not None, "hot writes are for PostgreSQL; SQLite writes in a session"
        rows = await self._hot.fetch(statement, params)
        await self._after_commit(info)
        return rows

    async def ping(self) -> None:
        from sqlalchemy import text

        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        if self._hot is not None:
            await self._hot.close()
        await self.engine.dispose()
