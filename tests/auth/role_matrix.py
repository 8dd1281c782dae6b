"""Role matrix of the accounts routes."""

from __future__ import annotations

import uuid
from typing import Any

from tests.role_matrix_support import RoleContext, RouteCase, everyone, expect, session_id_of, signed_in

NEW_PASSWORD = "a-new-Password-for-tests"


def _signup(ctx: RoleContext) -> dict[str, Any]:
    return {
        "email": f"new-{uuid.uuid4().hex[:10]}@example.org",
        "password": NEW_PASSWORD,
        "display_name": "N",
    }


async def _spare_account(ctx: RoleContext) -> dict[str, Any]:
    return {"account": await ctx.new_account()}


async def _foreign_session(ctx: RoleContext) -> dict[str, Any]:
    return {"session_id": await session_id_of(await ctx.new_account())}


def _current_password(ctx: RoleContext) -> dict[str, Any]:
    account = ctx.account()
    return {"current_password": account.password if account else "x" * 12, "new_password": NEW_PASSWORD}


ROUTES = [
    RouteCase("POST", "/api/v1/auth/signup", everyone(201), body=_signup),
    RouteCase(
        "POST",
        "/api/v1/auth/login",
        everyone(200),
        setup=_spare_account,
        body=lambda ctx: {"email": ctx.params["account"].email, "password": ctx.params["account"].password},
    ),
    RouteCase(
        "POST",
        "/api/v1/auth/refresh",
        everyone(200),
        setup=_spare_account,
        body=lambda ctx: {"refresh_token": ctx.params["account"].refresh_token},
    ),
    RouteCase("POST", "/api/v1/auth/logout", signed_in(204)),
    RouteCase("POST", "/api/v1/auth/logout-all", signed_in(204)),
    RouteCase(
        "POST",
        "/api/v1/auth/switch-organisation",
        expect(anonymous=401, outsider=404, learner=200, mentor=200, org_admin=200, platform_admin=404),
        body=lambda ctx: {"organisation_id": str(ctx.org.id)},
    ),
    RouteCase("POST", "/api/v1/auth/password/change", signed_in(204), body=_current_password),
    RouteCase("POST", "/api/v1/auth/password/forgot", everyone(202), body={"email": "nobody@example.org"}),
    RouteCase(
        "POST",
        "/api/v1/auth/password/reset",
        everyone(400),
        body={"token": "not-a-real-token", "new_password": NEW_PASSWORD},
        note="an unknown token is refused whoever asks",
    ),
    RouteCase("POST", "/api/v1/auth/email/verify", everyone(400), body={"token": "not-a-real-token"}),
    RouteCase("POST", "/api/v1/auth/email/resend", signed_in(202)),
    RouteCase("GET", "/api/v1/auth/sessions", signed_in(200)),
    RouteCase(
        "DELETE",
        "/api/v1/auth/sessions/{session_id}",
        signed_in(404),
        setup=_foreign_session,
        note="another account's session is not found",
    ),
    RouteCase("GET", "/api/v1/me", signed_in(200)),
    RouteCase("PATCH", "/api/v1/me", signed_in(200), body={"display_name": "Renamed"}),
]
