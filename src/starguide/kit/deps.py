"""Dependencies every domain uses: the runtime, settings, and the request's database session."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from starguide.config import Settings
from starguide.runtime import Runtime

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Dependencies are `async def` even when they do not await: FastAPI runs a plain `def` dependency in a
# worker thread, a hand-off that costs more than the work of most of them.


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_settings(runtime: RuntimeDep) -> Settings:
    return runtime.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_session(request: Request, runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    """One transaction per request, committed before the response is sent (reads never write)."""
    async with runtime.db.session(write=request.method not in _READ_METHODS) as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
