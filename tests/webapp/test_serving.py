"""The built web app is served at `/` with the right caching, and never shadows the API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from starguide.webapp.router import IMMUTABLE, NO_CACHE

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
PROBLEM = "application/problem+json"


@pytest.fixture
def web_dir(tmp_path: Path) -> Path:
    root = tmp_path / "static"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text(
        '<!doctype html><div id="root"></div><script src="/assets/app-1a2b.js"></script>'
    )
    (root / "assets" / "app-1a2b.js").write_text("console.log('app')")
    (root / "assets" / "app-1a2b.css").write_text("body{}")
    (root / "sw.js").write_text("self.addEventListener('fetch', () => {})")
    (root / "manifest.webmanifest").write_text('{"name": "StarGuide"}')
    (tmp_path / "secret.txt").write_text("outside the web folder")
    return root


@pytest.fixture
async def web(harness_factory: Any, web_dir: Path) -> Any:
    return (await harness_factory(web_dir=web_dir)).client


async def test_index_is_served_uncached(web: Any) -> None:
    response = await web.get("/", headers=HTML)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == NO_CACHE
    assert '<div id="root">' in response.text
    # The CSP of the service applies to the shell too (no inline scripts allowed).
    assert "script-src 'self'" in response.headers["content-security-policy"]


async def test_root_without_html_accept_still_gets_the_shell(web: Any) -> None:
    response = await web.get("/")
    assert response.status_code == 200
    assert '<div id="root">' in response.text


async def test_hashed_assets_are_immutable(web: Any) -> None:
    response = await web.get("/assets/app-1a2b.js")
    assert response.status_code == 200
    assert response.headers["cache-control"] == IMMUTABLE
    assert response.headers["content-type"].startswith("text/javascript")
    css = await web.get("/assets/app-1a2b.css")
    assert css.headers["cache-control"] == IMMUTABLE
    assert css.headers["content-type"].startswith("text/css")


async def test_head_request_for_an_asset(web: Any) -> None:
    response = await web.head("/assets/app-1a2b.js")
    assert response.status_code == 200
    assert response.headers["cache-control"] == IMMUTABLE
    assert response.content == b""


async def test_service_worker_and_manifest_are_not_cached(web: Any) -> None:
    sw = await web.get("/sw.js")
    assert sw.status_code == 200
    assert sw.headers["cache-control"] == NO_CACHE
    manifest = await web.get("/manifest.webmanifest")
    assert manifest.headers["cache-control"] == NO_CACHE
    assert manifest.headers["content-type"].startswith("application/manifest+json")


@pytest.mark.parametrize("path", ["/login", "/org/members", "/invite/abc.def", "/reset-password"])
async def test_client_routes_fall_back_to_index(web: Any, path: str) -> None:
    response = await web.get(path, headers=HTML)
    assert response.status_code == 200
    assert response.headers["cache-control"] == NO_CACHE
    assert '<div id="root">' in response.text


async def test_client_route_without_html_accept_is_404_problem(web: Any) -> None:
    response = await web.get("/org/members", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)


async def test_missing_asset_is_404_not_the_shell(web: Any) -> None:
    response = await web.get("/assets/gone-0000.js", headers=HTML)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/nothing", "/socket.io/x", "/api"])
async def test_api_paths_keep_their_404_problem(web: Any, path: str) -> None:
    response = await web.get(path, headers=HTML)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)


async def test_unknown_api_path_with_post_is_404_problem(web: Any) -> None:
    response = await web.post("/api/v1/nothing-here", json={})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)


async def test_api_routes_and_health_are_unchanged(web: Any) -> None:
    assert (await web.get("/healthz", headers=HTML)).json()["status"] == "ok"
    assert (await web.get("/api/openapi.json", headers=HTML)).json()["info"]["title"] == "StarGuide API"
    wrong_method = await web.delete("/healthz")
    assert wrong_method.status_code == 405
    assert wrong_method.headers["content-type"].startswith(PROBLEM)


async def test_post_to_a_client_route_is_not_the_shell(web: Any) -> None:
    response = await web.post("/login", json={})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)


@pytest.mark.parametrize("path", ["/../secret.txt", "/%2e%2e/secret.txt", "/assets/../../secret.txt"])
async def test_no_file_outside_the_web_folder(web: Any, path: str) -> None:
    response = await web.get(path)
    assert "outside the web folder" not in response.text
    assert response.status_code == 404


async def test_folders_are_not_listed(web: Any) -> None:
    response = await web.get("/assets/")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)


async def test_not_built_page_says_how_to_build(harness_factory: Any, tmp_path: Path) -> None:
    client = (await harness_factory(web_dir=tmp_path / "missing")).client
    response = await client.get("/", headers=HTML)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "make web" in response.text
    assert "make run" in response.text
    assert response.headers["cache-control"] == NO_CACHE
    client_route = await client.get("/login", headers=HTML)
    assert "make web" in client_route.text
    asset = await client.get("/assets/app.js")
    assert asset.status_code == 404
    assert (await client.get("/api/v1/nothing-here", headers=HTML)).status_code == 404
