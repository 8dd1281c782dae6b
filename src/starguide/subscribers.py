"""Who listens to which domain event: the one place where domains are wired to each other."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starguide.runtime import Runtime


def register(runtime: Runtime) -> None:
    """Subscribe each domain's handlers to the dispatcher (domains add theirs here)."""
    import starguide.ai.service
    import starguide.quizzes.jobs  # noqa: F401  registers the periodic auto-submission

    del runtime
