"""Helpers for the tests of the process memories built on `kit.memory` (sign-in rights, AI settings)."""

from __future__ import annotations

import asyncio
from typing import Any

from starguide.kit.memory import AnnouncedMemory


async def subscribed(*memories: AnnouncedMemory) -> None:
    """Wait until each memory listens to the other processes' announcements (Redis configured)."""
    for memory in memories:
        for _ in range(100):
            if memory.active:
                break
            await asyncio.sleep(0.02)
        assert memory.active


async def recorded(harness: Any, statement: Any, key: str) -> set[Any]:
    """What running `statement` in a session lists under `session.info[key]` for the memory to forget."""
    async with harness.runtime.db.session() as session:
        await session.execute(statement)
        changes: set[Any] = session.info.pop(key, set())
    return changes
