"""Role matrix of the mentor routes: every member has conversations of their own; nobody reads another's."""

from __future__ import annotations

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
]
