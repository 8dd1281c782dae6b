"""Role matrix of the AI admin routes: organisation admins only; another organisation's keys are 404."""

from __future__ import annotations

from typing import Any

from tests.role_matrix_support import RoleContext, RouteCase, expect

# The outsider is org_admin of its own organisation, so it gets its own organisation's answer.
ADMIN = expect(anonymous=401, outsider=200, learner=403, mentor=403, org_admin=200, platform_admin=403)
ADMIN_204 = expect(anonymous=401, outsider=204, learner=403, mentor=403, org_admin=204, platform_admin=403)


async def _with_key(ctx: RoleContext) -> dict[str, Any]:
    """A key of `ctx.org`: its admin may delete it; the outsider's organisation has none (404)."""
    response = await ctx.client.put(
        "/api/v1/ai/keys/openai", json={"api_key": "sk-role-matrix-1234"}, headers=ctx.headers("org_admin")
    )
    assert response.status_code == 200, response.text
    return {"provider": "openai"}


ROUTES = [
    RouteCase("GET", "/api/v1/ai/providers", ADMIN),
    RouteCase("GET", "/api/v1/ai/keys", ADMIN),
    RouteCase(
        "PUT",
        "/api/v1/ai/keys/{provider}",
        ADMIN,
        setup=lambda ctx: _const({"provider": "anthropic"}),
        body={"api_key": "sk-ant-role-matrix-5678"},
    ),
    RouteCase(
        "DELETE",
        "/api/v1/ai/keys/{provider}",
        expect(anonymous=401, outsider=404, learner=403, mentor=403, org_admin=204, platform_admin=403),
        setup=_with_key,
    ),
    RouteCase("GET", "/api/v1/ai/settings", ADMIN),
    RouteCase("PATCH", "/api/v1/ai/settings", ADMIN, body={"learner_daily_budget_usd": 0.5}),
    RouteCase("GET", "/api/v1/ai/aliases", ADMIN),
    RouteCase(
        "PUT",
        "/api/v1/ai/aliases/{alias}",
        ADMIN,
        setup=lambda ctx: _const({"alias": "mentor-fast"}),
        body={"deployments": ["offline"]},
    ),
    RouteCase(
        "DELETE", "/api/v1/ai/aliases/{alias}", ADMIN_204, setup=lambda ctx: _const({"alias": "mentor-fast"})
    ),
    RouteCase("GET", "/api/v1/ai/usage", ADMIN),
    RouteCase("GET", "/api/v1/ai/usage/summary", ADMIN),
    RouteCase("GET", "/api/v1/ai/usage/breakdown", ADMIN, query={"by": "user", "days": 7}),
    RouteCase("POST", "/api/v1/ai/try", ADMIN, body={"alias": "mentor-default", "prompt": "hello"}),
]


async def _const(value: dict[str, Any]) -> dict[str, Any]:
    return value
