"""Fails when the migrations have more than one head, or when models and migrations disagree."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from starguide.migrations import runner
from starguide.migrations.env_support import include_object
from starguide.models import metadata


async def _diff(url: str) -> list[object]:
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        diff = await conn.run_sync(
            lambda c: compare_metadata(
                MigrationContext.configure(c, opts={"include_object": include_object, "compare_type": False}),
                metadata,
            )
        )
    await engine.dispose()
    return list(diff)


def main() -> int:
    heads = runner.heads()
    if len(heads) != 1:
        print(f"migrations have {len(heads)} heads ({', '.join(heads)}); merge them with `alembic merge`")
        return 1
    with tempfile.TemporaryDirectory() as folder:
        from starguide.config import Settings

        url = f"sqlite+aiosqlite:///{Path(folder) / 'check.db'}"
        settings = Settings(database_url=url, data_dir=Path(folder))
        asyncio.run(runner.upgrade(settings))
        diff = asyncio.run(_diff(url))
    if diff:
        print("models and migrations differ; write a migration for:")
        for item in diff:
            print("  ", item)
        return 1
    print(f"migrations: one head ({heads[0]}), models match")
    return 0


if __name__ == "__main__":
    sys.exit(main())
