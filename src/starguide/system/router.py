"""Liveness, readiness and Prometheus metrics (served at the root, outside `/api/v1`)."""

from __future__ import annotations

import asyncio
import os

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess
from pydantic import BaseModel

from starguide import __version__

router = APIRouter(tags=["system"])


class Health(BaseModel):
    status: str
    version: str


class Readiness(BaseModel):
    status: str
    checks: dict[str, str]


# Load balancers ask many times a second: the answer never changes, so it is encoded once.
_HEALTHY = Health(status="ok", version=__version__).model_dump_json().encode()


@router.get("/healthz", response_model=Health, operation_id="system-healthz")
async def healthz() -> Response:
    """The process is up (no dependency is checked)."""
    return Response(_HEALTHY, media_type="application/json")


@router.get(
    "/readyz", response_model=Readiness, operation_id="system-readyz", responses={503: {"model": Readiness}}
)
async def readyz(request: Request) -> Response:
    """The database (and Redis, when configured) answer within two seconds."""
    runtime = request.app.state.runtime
    checks: dict[str, str] = {}
    try:
        await asyncio.wait_for(runtime.db.ping(), 2)
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    if runtime.redis is not None:
        try:
            await asyncio.wait_for(runtime.redis.ping(), 2)
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"error: {type(exc).__name__}"
    ok = all(v == "ok" for v in checks.values())
    body = Readiness(status="ok" if ok else "unavailable", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    """Prometheus text format; aggregates all workers when PROMETHEUS_MULTIPROC_DIR is set."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        data = generate_latest(registry)
    else:
        data = generate_latest()
    return Response(data, media_type=CONTENT_TYPE_LATEST)
