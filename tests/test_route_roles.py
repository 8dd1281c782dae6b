"""Every route is listed in a role matrix, and answers each role with the status listed there."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from starguide.app import create_app
from starguide.config import Settings
from tests.role_matrix_support import ROLES, RouteCase, build_context

CHECKED_OUTSIDE_API = frozenset({"/healthz", "/readyz"})
PROBLEM = "application/problem+json"


def _load_cases() -> list[RouteCase]:
    cases: list[RouteCase] = []
    for path in sorted(Path(__file__).parent.glob("*/role_matrix.py")):
        module = importlib.import_module(f"tests.{path.parent.name}.role_matrix")
        cases.extend(module.ROUTES)
    return cases


CASES = _load_cases()


def _app_routes(app: Any) -> set[tuple[str, str]]:
    """(method, path) of every API route, including those of included routers."""
    found = set()
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute) or route.path is None:
            continue
        if not (route.path.startswith("/api/v1/") or route.path in CHECKED_OUTSIDE_API):
            continue
        for method in (route.methods or set()) - {"HEAD", "OPTIONS"}:
            found.add((method, route.path))
    assert found, "no API route found: has FastAPI changed how it lists routes?"
    return found


def test_every_route_has_a_role_matrix_entry(settings: Settings) -> None:
    routes = _app_routes(create_app(settings, background=False))
    listed = [case.key for case in CASES]
    missing = sorted(routes - set(listed))
    assert not missing, "routes without an entry in any tests/<domain>/role_matrix.py:\n" + "\n".join(
        f"  {m} {p}" for m, p in missing
    )
    stale = sorted(set(listed) - routes)
    assert not stale, "role matrix entries for routes that do not exist:\n" + "\n".join(
        f"  {m} {p}" for m, p in stale
    )
    duplicates = sorted({k for k in listed if listed.count(k) > 1})
    assert not duplicates, f"routes listed twice: {duplicates}"
    incomplete = [str(c) for c in CASES if set(c.expected) != set(ROLES)]
    assert not incomplete, f"entries that do not name all six roles {ROLES}: {incomplete}"


def test_a_new_route_without_an_entry_is_noticed(settings: Settings) -> None:
    app = create_app(settings, background=False)

    @app.post("/api/v1/unlisted/{thing_id}")
    async def unlisted(thing_id: int) -> None:
        del thing_id

    missing = _app_routes(app) - {case.key for case in CASES}
    assert missing == {("POST", "/api/v1/unlisted/{thing_id}")}


@pytest.mark.parametrize("case", CASES, ids=str)
async def test_route_answers_each_role(case: RouteCase, harness: Any) -> None:
    ctx = await build_context(harness)
    wrong = []
    for role in ROLES:
        ctx.role = role
        ctx.params = await case.setup(ctx) if case.setup else {}
        url = case.path.format(**ctx.params)
        body = case.body(ctx) if callable(case.body) else case.body
        response = await ctx.client.request(
            case.method,
            url,
            json=body,
            params=dict(case.query or {}),
            headers={**ctx.headers(role), **dict(case.headers or {})},
        )
        expected = case.expected[role]
        if response.status_code != expected:
            wrong.append(f"{role}: expected {expected}, got {response.status_code}: {response.text[:300]}")
        elif response.status_code >= 400:
            assert response.headers["content-type"].startswith(PROBLEM), (role, response.text)
    assert not wrong, f"{case}:\n" + "\n".join(wrong)
