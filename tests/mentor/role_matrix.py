"""Role matrix of the mentor routes: every member has conversations of their own; nobody reads another's."""

from __future__ import annotations

import uuid
from typing import Any

from tests.role_matrix_support import RoleContext, RouteCase, expect

MEMBER_200 = expect(anonymous=401, outsider=200, learner=200, mentor=200, org_admin=200, platform_admin=403)
MEMBER_201 = expect(anonymous=401, outsider=201, learner=201, mentor=201, org_admin=201, platform_admin=403)


def _owner_only(status: int) -> dict[str, int]:
    """A conversation of `ctx.org`'s learner: only that learner sees it; everyone else gets 404."""
    return expect(anonymous=401, outsider=404, learner=status, mentor=404, org_admin=404, platform_admin=403)


async def _learners_conversation(ctx: RoleContext) -> dict[str, Any]:
    response = await ctx.client.post(
        "/api/v1/mentor/conversations", json={"title": "Stars"}, headers=ctx.headers("learner")
    )
    assert response.status_code == 201, response.text
    return {"conversation_id": response.json()["id"]}


MENTOR_LIST = expect(anonymous=401, outsider=200, learner=403, mentor=200, org_admin=200, platform_admin=403)


def _mentor_on(status: int) -> dict[str, int]:
    """A learner's resource in `ctx.org`; the mentor teaches the learner's course."""
    return expect(
        anonymous=401, outsider=404, learner=403, mentor=status, org_admin=status, platform_admin=403
    )


async def _taught_learners_conversation(ctx: RoleContext) -> dict[str, Any]:
    """A conversation of a learner enrolled in a course the mentor created."""
    course = await ctx.client.post(
        "/api/v1/courses",
        json={"slug": f"m-{uuid.uuid4().hex[:10]}", "title": "Taught"},
        headers=ctx.headers("mentor"),
    )
    assert course.status_code == 201, course.text
    published = await ctx.client.patch(
        f"/api/v1/courses/{course.json()['id']}", json={"published": True}, headers=ctx.headers("mentor")
    )
    assert published.status_code == 200, published.text
    enrolled = await ctx.client.post(
        f"/api/v1/courses/{course.json()['id']}/enrolment", headers=ctx.headers("learner")
    )
    assert enrolled.status_code < 300, enrolled.text
    return await _learners_conversation(ctx)


async def _alert(ctx: RoleContext) -> dict[str, Any]:
    """An open alert: the learner (taught by the mentor) shared a phone number."""
    params = await _taught_learners_conversation(ctx)
    held = await ctx.client.post(
        f"/api/v1/mentor/conversations/{params['conversation_id']}/messages",
        json={"content": "Call me on +44 20 7946 0958"},
        headers=ctx.headers("learner"),
    )
    assert "event: held" in held.text, held.text
    alerts = await ctx.client.get(
        "/api/v1/mentor/alerts", params={"status": "open", "limit": 1}, headers=ctx.headers("org_admin")
    )
    return {"alert_id": alerts.json()["items"][0]["id"]}


ROUTES = [
    RouteCase("POST", "/api/v1/mentor/conversations", MEMBER_201, body={"title": "Loops"}),
    RouteCase("GET", "/api/v1/mentor/conversations", MEMBER_200, query={"q": "loop"}),
    RouteCase(
        "GET",
        "/api/v1/mentor/conversations/{conversation_id}",
        _owner_only(200),
        setup=_learners_conversation,
    ),
    RouteCase(
        "PATCH",
        "/api/v1/mentor/conversations/{conversation_id}",
        _owner_only(200),
        setup=_learners_conversation,
        body={"title": "Stars and planets"},
    ),
    RouteCase(
        "DELETE",
        "/api/v1/mentor/conversations/{conversation_id}",
        _owner_only(204),
        setup=_learners_conversation,
    ),
    RouteCase(
        "POST",
        "/api/v1/mentor/conversations/{conversation_id}/messages",
        _owner_only(200),
        setup=_learners_conversation,
        body={"content": "What is a star?"},
    ),
    RouteCase("GET", "/api/v1/mentor/learner-conversations", MENTOR_LIST, query={"q": "stars"}),
    RouteCase(
        "GET",
        "/api/v1/mentor/learner-conversations/{conversation_id}",
        _mentor_on(200),
        setup=_taught_learners_conversation,
    ),
    RouteCase("GET", "/api/v1/mentor/alerts", MENTOR_LIST, query={"status": "open"}),
    RouteCase("GET", "/api/v1/mentor/alerts/{alert_id}", _mentor_on(200), setup=_alert),
    RouteCase(
        "POST",
        "/api/v1/mentor/alerts/{alert_id}/resolve",
        _mentor_on(200),
        setup=_alert,
        body={"note": "Talked to the learner."},
    ),
]
