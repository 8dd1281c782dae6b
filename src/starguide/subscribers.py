"""Who listens to which domain event: the one place where domains are wired to each other."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starguide.runtime import Runtime


def register(runtime: Runtime) -> None:
    """Subscribe each domain's handlers to the dispatcher (domains add theirs here)."""
    import starguide.ai.service
    import starguide.quizzes.jobs  # noqa: F401  registers the periodic auto-submission

    _register_learning(runtime)
    _register_quizzes(runtime)


def _register_quizzes(runtime: Runtime) -> None:
    from sqlalchemy.ext.asyncio import AsyncSession

    from starguide.kit.events import AnswerGraded
    from starguide.quizzes import ai_grading

    async def wake() -> None:
        runtime._kick(ai_grading.AI_GRADE_JOB)

    async def queue(session: AsyncSession, event: Any) -> None:
        if await ai_grading.queue_ai_grade(session, event, runtime.clock()):
            runtime.db.on_commit(session, wake)

    runtime.dispatcher.subscribe(AnswerGraded, "quizzes.queue_ai_grade", queue)


def _register_learning(runtime: Runtime) -> None:
    from sqlalchemy.ext.asyncio import AsyncSession

    from starguide.kit.events import AnswerGraded, AttemptSubmitted, LessonCompleted, MentorHelpGiven
    from starguide.learning import engine
    from starguide.learning.leaderboards import LeaderboardCache

    def cache() -> LeaderboardCache:
        # Read at delivery time: the runtime connects Redis only when it starts.
        return LeaderboardCache(runtime.redis)

    async def answer(session: AsyncSession, event: Any) -> None:
        await engine.on_answer_graded(session, event, cache())

    async def lesson(session: AsyncSession, event: Any) -> None:
        await engine.on_lesson_completed(session, event, cache())

    async def attempt(session: AsyncSession, event: Any) -> None:
        await engine.on_attempt_submitted(session, event, cache())

    d = runtime.dispatcher
    d.subscribe(AnswerGraded, "learning.on_answer_graded", answer)
    d.subscribe(LessonCompleted, "learning.on_lesson_completed", lesson)
    d.subscribe(AttemptSubmitted, "learning.on_attempt_submitted", attempt)
    d.subscribe(MentorHelpGiven, "learning.on_mentor_help", engine.on_mentor_help)
    # Batches delivered in one transaction: the engine loads what they need up front, writes set-wise.
    d.add_batch_scope(engine.batch_scope)
    _register_progress_notifications(runtime)


def _register_progress_notifications(runtime: Runtime) -> None:
    from sqlalchemy.ext.asyncio import AsyncSession

    from starguide.kit.events import BadgeEarned, LevelReached
    from starguide.learning import notifications

    async def progress(session: AsyncSession, event: Any) -> None:
        notifications.notify(runtime.realtime, session, event)

    runtime.dispatcher.subscribe(LevelReached, "realtime.learning_level", progress)
    runtime.dispatcher.subscribe(BadgeEarned, "realtime.learning_badge", progress)
