"""Background jobs: in-process runner, and the arq worker on real Redis."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from starguide.kit.jobs import ArqJobQueue, InProcessJobQueue, JobRegistry, arq_worker_settings
from tests.conftest import REDIS_URL, requires_redis


def registry_with_counter(fail_times: int = 0) -> tuple[JobRegistry, dict[str, list[Any]]]:
    registry = JobRegistry()
    seen: dict[str, list[Any]] = {"runs": [], "ticks": []}

    @registry.task("test.count")
    async def count(ctx: Any, value: int = 0) -> int:
        seen["runs"].append(value)
        if len(seen["runs"]) <= fail_times:
            raise RuntimeError("flaky job")
        return value

    @registry.task("test.tick", every_seconds=1)
    async def tick(ctx: Any) -> None:
        seen["ticks"].append(1)

    return registry, seen


async def wait_until(predicate: Any, seconds: float = 3.0) -> None:
    for _ in range(int(seconds / 0.01)):
        if predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met in time")


async def test_in_process_job_runs_with_arguments() -> None:
    registry, seen = registry_with_counter()
    queue = InProcessJobQueue(registry, context=None, periodic=False)
    await queue.enqueue("test.count", value=7)
    await wait_until(lambda: seen["runs"] == [7])
    await queue.stop()


async def test_in_process_job_id_deduplicates_while_queued() -> None:
    registry, seen = registry_with_counter()
    queue = InProcessJobQueue(registry, context=None, periodic=False)
    for _ in range(5):
        await queue.enqueue("test.count", job_id="same", delay=0.05, value=1)
    await wait_until(lambda: seen["runs"] == [1])
    await asyncio.sleep(0.1)
    assert seen["runs"] == [1]
    await queue.stop()


async def test_in_process_failing_job_is_retried() -> None:
    registry, seen = registry_with_counter(fail_times=1)
    queue = InProcessJobQueue(registry, context=None, periodic=False, retries=3)
    assert await queue.run("test.count", value=3) == 3
    assert seen["runs"] == [3, 3]


async def test_periodic_jobs_run_and_stop() -> None:
    registry, seen = registry_with_counter()
    queue = InProcessJobQueue(registry, context=None)
    await queue.start()
    await wait_until(lambda: len(seen["ticks"]) >= 1)
    await queue.stop()
    ticks = len(seen["ticks"])
    await asyncio.sleep(0.05)
    assert len(seen["ticks"]) == ticks


async def test_unknown_job_is_refused() -> None:
    queue = InProcessJobQueue(JobRegistry(), context=None)
    with pytest.raises(KeyError):
        await queue.enqueue("nope")


@requires_redis
async def test_arq_worker_runs_queued_jobs_once() -> None:
    from arq.worker import Worker

    registry, seen = registry_with_counter()
    assert REDIS_URL is not None
    queue_name = f"starguide-test-{uuid.uuid4().hex[:8]}"
    queue = ArqJobQueue(REDIS_URL)
    await queue.start()
    queue._pool.default_queue_name = queue_name
    job_id = f"job-{uuid.uuid4().hex}"
    await queue.enqueue("test.count", job_id=job_id, value=41)
    await queue.enqueue("test.count", job_id=job_id, value=41)  # same id: not queued twice

    async def context() -> Any:
        return {"from": "worker"}

    async def close(ctx: Any) -> None:
        return None

    options = arq_worker_settings(REDIS_URL, context, close, registry=registry)
    options["cron_jobs"] = []

    async def run_worker() -> None:
        worker = Worker(**options, burst=True, queue_name=queue_name, poll_delay=0.05)
        await worker.main()
        await worker.close()

    await run_worker()
    assert seen["runs"] == [41]
    # Once run, the id is free again: no kept result refuses the next job of that id.
    await queue.enqueue("test.count", job_id=job_id, value=42)
    await run_worker()
    await queue.stop()
    assert seen["runs"] == [41, 42]
