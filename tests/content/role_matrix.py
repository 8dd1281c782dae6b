"""Role matrix of the content routes: courses, modules, lessons, enrolment, progress, search, bank."""

from __future__ import annotations

import uuid
from typing import Any

from tests.content.support import SC_QUESTION, TF_QUESTION
from tests.role_matrix_support import RoleContext, RouteCase, expect

API = "/api/v1"


def _for(*, member: int, mentor: int, outsider: int, learner: int | None = None) -> dict[str, int]:
    """Expected statuses on a resource of `ctx.org` (the outsider gets 404, the platform admin 403)."""
    return expect(
        anonymous=401,
        outsider=outsider,
        learner=member if learner is None else learner,
        mentor=mentor,
        org_admin=mentor,
        platform_admin=403,
    )


MENTOR_ON = _for(member=403, mentor=200, outsider=404)
MEMBER_ON = _for(member=200, mentor=200, outsider=404)
COLLECTION = expect(anonymous=401, outsider=200, learner=200, mentor=200, org_admin=200, platform_admin=403)
CREATE = expect(anonymous=401, outsider=201, learner=403, mentor=201, org_admin=201, platform_admin=403)


async def _call(ctx: RoleContext, method: str, url: str, body: Any = None, role: str = "org_admin") -> Any:
    response = await ctx.client.request(method, API + url, json=body, headers=ctx.headers(role))
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


async def new_course(ctx: RoleContext) -> dict[str, Any]:
    """A published course of `ctx.org`: a skill, a module, a lesson, two questions; the learner enrolled."""
    course = await _call(ctx, "POST", "/courses", {"slug": f"c-{uuid.uuid4().hex[:10]}", "title": "Sky"})
    cid = course["id"]
    await _call(ctx, "PUT", f"/courses/{cid}/skills", [{"slug": "stars", "name": "Stars"}])
    module = await _call(ctx, "POST", f"/courses/{cid}/modules", {"title": "Stars"})
    lesson = await _call(
        ctx,
        "POST",
        f"/modules/{module['id']}/lessons",
        {"slug": "sirius", "title": "Sirius", "body": "Sirius."},
    )
    questions = [
        await _call(ctx, "POST", f"/courses/{cid}/questions", {"question": q})
        for q in (TF_QUESTION, SC_QUESTION)
    ]
    await _call(ctx, "PATCH", f"/courses/{cid}", {"published": True})
    await _call(ctx, "POST", f"/courses/{cid}/enrolment", role="learner")
    return {
        "course_id": cid,
        "module_id": module["id"],
        "lesson_id": lesson["id"],
        "question_id": questions[0]["id"],
        "sc_question_id": questions[1]["id"],
        "user_id": str(ctx.accounts["learner"].user_id),
    }


def _course_document(ctx: RoleContext) -> dict[str, Any]:
    return {
        "format": "starguide.course",
        "version": 1,
        "course": {"slug": f"i-{uuid.uuid4().hex[:10]}", "title": "Imported", "questions": []},
    }


ROUTES = [
    RouteCase("GET", "/api/v1/courses", COLLECTION),
    RouteCase(
        "POST",
        "/api/v1/courses",
        CREATE,
        body=lambda ctx: {"slug": f"n-{uuid.uuid4().hex[:8]}", "title": "N"},
    ),
    RouteCase("POST", "/api/v1/courses/import", CREATE, body=_course_document),
    RouteCase("GET", "/api/v1/courses/{course_id}", MEMBER_ON, setup=new_course),
    RouteCase("PATCH", "/api/v1/courses/{course_id}", MENTOR_ON, setup=new_course, body={"summary": "s"}),
    RouteCase(
        "DELETE", "/api/v1/courses/{course_id}", _for(member=403, mentor=204, outsider=404), setup=new_course
    ),
    RouteCase("GET", "/api/v1/courses/{course_id}/export", MENTOR_ON, setup=new_course),
    RouteCase("GET", "/api/v1/courses/{course_id}/outline", MEMBER_ON, setup=new_course),
    RouteCase("GET", "/api/v1/courses/{course_id}/skills", MEMBER_ON, setup=new_course),
    RouteCase(
        "PUT",
        "/api/v1/courses/{course_id}/skills",
        MENTOR_ON,
        setup=new_course,
        body=[{"slug": "stars", "name": "Stars"}, {"slug": "moon", "name": "Moon"}],
    ),
    RouteCase(
        "POST",
        "/api/v1/courses/{course_id}/modules",
        _for(member=403, mentor=201, outsider=404),
        setup=new_course,
        body={"title": "M"},
    ),
    RouteCase("PATCH", "/api/v1/modules/{module_id}", MENTOR_ON, setup=new_course, body={"title": "M2"}),
    RouteCase(
        "DELETE", "/api/v1/modules/{module_id}", _for(member=403, mentor=204, outsider=404), setup=new_course
    ),
    RouteCase(
        "POST",
        "/api/v1/modules/{module_id}/lessons",
        _for(member=403, mentor=201, outsider=404),
        setup=new_course,
        body={"slug": "new-lesson", "title": "L"},
    ),
    RouteCase(
        "POST",
        "/api/v1/content/preview",
        expect(anonymous=401, outsider=200, learner=403, mentor=200, org_admin=200, platform_admin=403),
        body={"body": "# Sirius"},
    ),
    RouteCase("GET", "/api/v1/lessons/{lesson_id}", MEMBER_ON, setup=new_course),
    RouteCase("PATCH", "/api/v1/lessons/{lesson_id}", MENTOR_ON, setup=new_course, body={"title": "L2"}),
    RouteCase(
        "DELETE", "/api/v1/lessons/{lesson_id}", _for(member=403, mentor=204, outsider=404), setup=new_course
    ),
    RouteCase("POST", "/api/v1/lessons/{lesson_id}/open", MEMBER_ON, setup=new_course),
    RouteCase("POST", "/api/v1/lessons/{lesson_id}/complete", MEMBER_ON, setup=new_course),
    RouteCase("POST", "/api/v1/courses/{course_id}/enrolment", MEMBER_ON, setup=new_course),
    RouteCase("GET", "/api/v1/courses/{course_id}/enrolments", MENTOR_ON, setup=new_course),
    RouteCase(
        "POST",
        "/api/v1/courses/{course_id}/enrolments",
        MENTOR_ON,
        setup=new_course,
        body=lambda ctx: {"user_id": ctx.params["user_id"]},
    ),
    RouteCase(
        "DELETE",
        "/api/v1/courses/{course_id}/enrolments/{user_id}",
        _for(member=204, mentor=204, outsider=404),
        setup=new_course,
        note="a learner may leave a course; mentors unenrol anyone",
    ),
    RouteCase("GET", "/api/v1/search", COLLECTION, query={"q": "sirius"}),
    RouteCase(
        "GET",
        "/api/v1/courses/{course_id}/questions",
        MENTOR_ON,
        setup=new_course,
        query={"type": "true_false"},
    ),
    RouteCase(
        "POST",
        "/api/v1/courses/{course_id}/questions",
        _for(member=403, mentor=201, outsider=404),
        setup=new_course,
        body={"question": TF_QUESTION},
    ),
    RouteCase(
        "POST",
        "/api/v1/courses/{course_id}/questions/gift",
        _for(member=403, mentor=201, outsider=404),
        setup=new_course,
        body={"source": "::q::Sirius is a star.{T}"},
    ),
    RouteCase("GET", "/api/v1/questions/{question_id}", MENTOR_ON, setup=new_course),
    RouteCase(
        "PUT",
        "/api/v1/questions/{question_id}",
        MENTOR_ON,
        setup=new_course,
        body={"question": {**TF_QUESTION, "answer": False}},
    ),
    RouteCase(
        "DELETE",
        "/api/v1/questions/{question_id}",
        _for(member=403, mentor=204, outsider=404),
        setup=new_course,
    ),
    RouteCase("GET", "/api/v1/questions/{question_id}/versions", MENTOR_ON, setup=new_course),
]
