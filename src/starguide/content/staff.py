"""Who teaches a course: the one rule mentors' visibility (progress, conversations, alerts) rests on.

A mentor teaches the courses they created (`courses.created_by_id`) and those they are enrolled in
themselves: a mentor's enrolment puts them on the course's staff.
"""

from __future__ import annotations

import uuid

from sqlalchemy import CompoundSelect, select, union

from starguide.content.models import Course, Enrolment
from starguide.kit.tenancy import scoped


def taught_courses(organisation_id: uuid.UUID, mentor_id: uuid.UUID) -> CompoundSelect[tuple[uuid.UUID]]:
    """The ids of the courses `mentor_id` teaches in the organisation."""
    created = scoped(select(Course.id), Course, organisation_id).where(Course.created_by_id == mentor_id)
    enrolled = scoped(select(Enrolment.course_id), Enrolment, organisation_id).where(
        Enrolment.user_id == mentor_id
    )
    return union(created, enrolled)
