"""Role matrix of the organisation and platform administration routes."""

from __future__ import annotations

import uuid
from typing import Any

from tests.role_matrix_support import RoleContext, RouteCase, expect, signed_in

# Routes of the active organisation: the outsider is org_admin of its own organisation.
MEMBER = expect(anonymous=401, outsider=200, learner=200, mentor=200, org_admin=200, platform_admin=403)
MENTOR = expect(anonymous=401, outsider=200, learner=403, mentor=200, org_admin=200, platform_admin=403)
ADMIN = expect(anonymous=401, outsider=200, learner=403, mentor=403, org_admin=200, platform_admin=403)
PLATFORM = expect(anonymous=401, outsider=403, learner=403, mentor=403, org_admin=403, platform_admin=204)


def _admin_only(status: int) -> dict[str, int]:
    """For ids of `ctx.org`: the outsider's organisation has no such thing (404)."""
    return expect(anonymous=401, outsider=404, learner=403, mentor=403, org_admin=status, platform_admin=403)


async def _new_learner(ctx: RoleContext) -> dict[str, Any]:
    return {"user_id": (await ctx.new_member("learner")).user_id}


async def _new_invitation(ctx: RoleContext) -> dict[str, Any]:
    invitation = await ctx.new_invitation("learner")
    return {"invitation_id": invitation["id"], "token": invitation["token"]}


async def _new_account(ctx: RoleContext) -> dict[str, Any]:
    return {"user_id": (await ctx.new_account()).user_id}


def _new_org(ctx: RoleContext) -> dict[str, Any]:
    slug = f"org-{uuid.uuid4().hex[:10]}"
    return {"name": "New organisation", "slug": slug, "time_zone": "Europe/Paris"}


ROUTES = [
    RouteCase("POST", "/api/v1/orgs", signed_in(201), body=_new_org),
    RouteCase("GET", "/api/v1/orgs", signed_in(200)),
    RouteCase("GET", "/api/v1/org", MEMBER),
    RouteCase("PATCH", "/api/v1/org", ADMIN, body={"name": "Renamed organisation"}),
    RouteCase("GET", "/api/v1/org/members", MENTOR, query={"q": "user", "limit": 5}),
    RouteCase(
        "PATCH",
        "/api/v1/org/members/{user_id}",
        _admin_only(200),
        setup=_new_learner,
        body={"role": "mentor"},
    ),
    RouteCase("DELETE", "/api/v1/org/members/{user_id}", _admin_only(204), setup=_new_learner),
    RouteCase(
        "POST",
        "/api/v1/org/leave",
        expect(anonymous=401, outsider=409, learner=204, mentor=204, org_admin=409, platform_admin=403),
        note="an organisation's only admin cannot leave it",
    ),
    RouteCase(
        "POST",
        "/api/v1/org/invitations",
        expect(anonymous=401, outsider=201, learner=403, mentor=403, org_admin=201, platform_admin=403),
        body={"role": "learner", "expires_in_days": 3},
    ),
    RouteCase("GET", "/api/v1/org/invitations", ADMIN),
    RouteCase("DELETE", "/api/v1/org/invitations/{invitation_id}", _admin_only(204), setup=_new_invitation),
    RouteCase("GET", "/api/v1/org/audit-events", ADMIN),
    RouteCase(
        "GET",
        "/api/v1/invitations/{token}",
        expect(anonymous=200, outsider=200, learner=200, mentor=200, org_admin=200, platform_admin=200),
        setup=_new_invitation,
    ),
    RouteCase(
        "POST",
        "/api/v1/invitations/{token}/accept",
        signed_in(200),
        setup=_new_invitation,
        note="members accepting again keep their role",
    ),
    RouteCase("GET", "/api/v1/admin/organisations", {**PLATFORM, "platform_admin": 200}),
    RouteCase("POST", "/api/v1/admin/users/{user_id}/deactivate", PLATFORM, setup=_new_account),
    RouteCase("POST", "/api/v1/admin/users/{user_id}/reactivate", PLATFORM, setup=_new_account),
]
