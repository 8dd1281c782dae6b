"""The demo course, "Astronomy: the night sky", loaded by `starguide seed-demo`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from starguide.content.exchange import CourseDocument, load_course
from starguide.content.models import Course, Enrolment
from starguide.content.transfer import import_course
from starguide.orgs.demo import DemoData, register_demo_seeder

DEMO_FILE = Path(__file__).parent / "demo" / "astronomy.json"


@lru_cache(maxsize=1)
def demo_course() -> CourseDocument:
    return load_course(DEMO_FILE.read_bytes())


@register_demo_seeder
async def seed_demo_course(session: AsyncSession, demo: DemoData) -> None:
    """Import the course into the demo organisation and enrol its learners (safe to run twice)."""
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
