"""Query helpers of the learning engine: tenant scoping for multi-column selects, insert-or-ignore."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from starguide.kit.tenancy import scoped

AnySelect = Select[*tuple[Any, ...]]


def tenant(stmt: AnySelect, model: Any, org_id: uuid.UUID) -> AnySelect:
    """`scoped()` for selects of several columns (its type variable is bound to one-column selects)."""
    return scoped(stmt, model, org_id)


def is_sqlite(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def insert_ignore(session: AsyncSession, model: Any, rows: list[dict[str, Any]]) -> Any:
    """INSERT … ON CONFLICT DO NOTHING, on SQLite and PostgreSQL alike (rowcount 0 when it conflicted)."""
    dialect = sqlite_insert if is_sqlite(session) else pg_insert
    return dialect(model).values(rows).on_conflict_do_nothing()


_insert_ignore: dict[tuple[bool, str], Any] = {}


def insert_ignore_many(session: AsyncSession, model: Any) -> Any:
    """INSERT … ON CONFLICT DO NOTHING without values, for an executemany of rows with the same keys.

    One statement object a dialect and table, so it is compiled once (a multi-row VALUES list is
    compiled anew for every batch)."""
    key = (is_sqlite(session), model.__tablename__)
    stmt = _insert_ignore.get(key)
    if stmt is None:
        dialect = sqlite_insert if key[0] else pg_insert
        stmt = _insert_ignore[key] = dialect(model.__table__).on_conflict_do_nothing()
    return stmt
