"""The demo course, "Astronomy: the night sky", loaded by `starguide seed-demo`."""

from __future__ import annotations

import importlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from starguide.content.exchange import CourseDocument, load_course
from starguide.content.models import Course, Enrolment
from starguide.content.transfer import import_course

DEMO_FILE = Path(__file__).parent / "demo" / "astronomy.json"


@lru_cache(maxsize=1)
def demo_course() -> CourseDocument:
    return load_course(DEMO_FILE.read_bytes())


async def seed_demo_course(session: AsyncSession, demo: Any) -> None:
    """Import the course into the demo organisation and enrol its learners (safe to run twice).

    `demo` is the accounts work's `DemoData`: `organisation_id`, `mentor.user_id`, `learners`.
    """
    document = demo_course()
    course_id = await session.scalar(
        select(Course.id).where(
            Course.organisation_id == demo.organisation_id, Course.slug == document.course.slug
        )
    )
    if course_id is None:
        course, _ = await import_course(session, demo.organisation_id, document, author=demo.mentor.user_id)
        course_id = course.id
    enrolled = set(await session.scalars(select(Enrolment.user_id).where(Enrolment.course_id == course_id)))
    for learner in demo.learners:
        if learner.user_id not in enrolled:
            session.add(
                Enrolment(
                    organisation_id=demo.organisation_id,
                    course_id=course_id,
                    user_id=learner.user_id,
                    enrolled_by_id=demo.mentor.user_id,
                )
            )
    await session.flush()


def register() -> None:
    """Hook the course into `seed-demo` when the organisations' demo command is installed."""
    try:
        hooks: Any = importlib.import_module("starguide.orgs.demo")
    except ModuleNotFoundError:
        return
    hooks.register_demo_seeder(seed_demo_course)
