"""Hostile input (huge, odd unicode, SQL injection, wrong types) never causes a 500."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest

from tests.factories import create_org

PROBLEM = "application/problem+json"
HOSTILE = [
    "x" * 100_000,
    "' OR '1'='1' --",
    "'; DROP TABLE users; --",
    "\x00\x01\x02",
    "\ud800",
    "\U0001d54a\U0001d565 \U0001f31f \u202ereversed\u202c \u200b \u0301\ufeff",
    "%s%s%n",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "\\",
]
HOSTILE_VALUES: list[Any] = [*HOSTILE, None, 12, -1, 1e309, [], {}, True]


def _fields(org_id: str) -> list[tuple[str, str, dict[str, Any], list[str]]]:
    """(method, path, base body, fields to fill with hostile values)."""
    return [
        (
            "POST",
            "/api/v1/auth/signup",
            {"email": "a@example.org", "password": "p-Password-1", "display_name": "A"},
            ["email", "password", "display_name", "invitation_token"],
        ),
        (
            "POST",
            "/api/v1/auth/login",
            {"email": "a@example.org", "password": "p"},
            ["email", "password", "organisation_id"],
        ),
        ("POST", "/api/v1/auth/refresh", {}, ["refresh_token"]),
        ("POST", "/api/v1/auth/password/forgot", {"email": "a@example.org"}, ["email"]),
        (
            "POST",
            "/api/v1/auth/password/reset",
            {"token": "t", "new_password": "n-Password-1"},
            ["token", "new_password"],
        ),
        ("POST", "/api/v1/auth/email/verify", {"token": "t"}, ["token"]),
        ("PATCH", "/api/v1/me", {}, ["display_name", "avatar_url", "time_zone", "locale"]),
        ("POST", "/api/v1/auth/switch-organisation", {"organisation_id": org_id}, ["organisation_id"]),
        (
            "POST",
            "/api/v1/auth/password/change",
            {"current_password": "x", "new_password": "y"},
            ["current_password", "new_password"],
        ),
        (
            "POST",
            "/api/v1/orgs",
            {"name": "N", "slug": "new-slug", "time_zone": "UTC"},
            ["name", "slug", "time_zone"],
        ),
        ("PATCH", "/api/v1/org", {}, ["name", "slug", "time_zone", "leaderboards_enabled"]),
        ("POST", "/api/v1/org/invitations", {"role": "learner"}, ["email", "role", "expires_in_days"]),
    ]


@pytest.mark.slow
async def test_hostile_bodies_never_cause_a_server_error(client: Any) -> None:
    org = await create_org(client)
    headers = org.admin.headers
    failures = []
    for method, path, base, fields in _fields(str(org.id)):
        for field in fields:
            for value in HOSTILE_VALUES:
                # Encoded by hand: ensure_ascii escapes lone surrogates that httpx would refuse to send.
                response = await client.request(
                    method,
                    path,
                    content=json.dumps({**base, field: value}),
                    headers={**headers, "content-type": "application/json"},
                )
                if response.status_code >= 500 or (
                    response.status_code >= 400 and not response.headers["content-type"].startswith(PROBLEM)
                ):
                    failures.append((method, path, field, repr(value)[:40], response.status_code))
                if isinstance(value, str) and len(value) > 5000 and response.status_code < 400:
                    failures.append((method, path, field, "long string accepted", response.status_code))
    assert not failures, failures
    # The organisation's admin is still signed in: nothing above broke the account.
    assert (await client.get("/api/v1/me", headers=headers)).status_code in {200, 401}


@pytest.mark.parametrize("value", HOSTILE)
async def test_hostile_path_and_query_values(client: Any, value: str) -> None:
    org = await create_org(client)
    headers = org.admin.headers
    encoded = quote(value[:20_000].encode("utf-8", "surrogatepass"), safe="")
    for path, name in (
        ("/api/v1/org/members", "q"),
        ("/api/v1/org/members", "role"),
        ("/api/v1/org/members", "limit"),
        ("/api/v1/admin/organisations", "q"),
    ):
        response = await client.get(f"{path}?{name}={encoded}", headers=headers)
        assert response.status_code < 500, (path, name, response.text)
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith(PROBLEM)
    for path in (
        f"/api/v1/invitations/{encoded[:3000]}",
        f"/api/v1/org/members/{encoded[:3000]}",
        f"/api/v1/auth/sessions/{encoded[:3000]}",
    ):
        response = await client.get(path, headers=headers)
        assert response.status_code < 500, (path, response.text)
        response = await client.delete(path, headers=headers)
        assert response.status_code < 500, (path, response.text)
