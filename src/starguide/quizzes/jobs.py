"""Periodic work of the quizzes: submitting attempts whose time is up."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starguide.kit.jobs import jobs
from starguide.quizzes.service import submit_expired

if TYPE_CHECKING:
    from starguide.runtime import Runtime

AUTO_SUBMIT_JOB = "quizzes.auto_submit"


@jobs.task(AUTO_SUBMIT_JOB, every_seconds=30)
async def auto_submit_expired(ctx: Runtime) -> int:
    """Submit every attempt past its deadline (also done on the attempt's next read)."""
    total = 0
    while done := await submit_expired(ctx.db, ctx.clock):
        total += done
    return total
