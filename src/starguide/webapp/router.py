"""Serve the built web app: immutable hashed assets, an uncached shell, client-side route fallback.

It is installed as the router's fallback, so it only sees requests no API route matched (a wrong
method on a known path still gets its 405, unknown `/api/...` paths still get their 404 problem).
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from fastapi import FastAPI
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

IMMUTABLE = "public, max-age=31536000, immutable"
NO_CACHE = "no-cache"
# Paths that belong to the service, never to the web app, even when a browser asks for HTML.
RESERVED_PREFIXES = ("/api", "/socket.io", "/healthz", "/readyz", "/metrics")
DEFAULT_WEB_DIR = Path(__file__).resolve().parent.parent / "static"

mimetypes.add_type("application/manifest+json", ".webmanifest")
mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("text/javascript", ".mjs")

NOT_BUILT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>StarGuide</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem">
<h1>StarGuide is running, but the web app is not built</h1>
<p>Build it with <code>make web</code> (or start everything with <code>make run</code>),
then reload this page. The API is at <a href="/api/docs">/api/docs</a>.</p>
</body></html>
"""


def _is_reserved(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in RESERVED_PREFIXES)


def _accepts_html(scope: Scope) -> bool:
    for key, value in scope["headers"]:
        if key == b"accept":
            return b"text/html" in value.lower()
    return False


class WebApp:
    """ASGI fallback that serves files from `web_dir`, or hands the request to `fallback` (a 404)."""

    def __init__(self, web_dir: Path, fallback: ASGIApp) -> None:
        self.web_dir = web_dir.resolve()
        self.fallback = fallback

    def _file(self, path: str) -> Path | None:
        """The file under `web_dir` this URL path names; None for folders and paths that escape it."""
        relative = path.lstrip("/")
        if not relative or "\x00" in relative:
            return None
        candidate = (self.web_dir / relative).resolve()
        if not candidate.is_relative_to(self.web_dir) or not candidate.is_file():
            return None
        return candidate

    def _response(self, scope: Scope) -> Response | None:
        path: str = scope["path"]
        if scope["method"] not in ("GET", "HEAD") or _is_reserved(path):
            return None
        index = self.web_dir / "index.html"
        if not index.is_file():
            if path == "/" or _accepts_html(scope):
                return HTMLResponse(NOT_BUILT_PAGE, headers={"Cache-Control": NO_CACHE})
            return None
        found = self._file(path)
        if path.startswith("/assets/"):
            # A missing hashed asset must be a 404, never the shell served as JavaScript.
            return FileResponse(found, headers={"Cache-Control": IMMUTABLE}) if found else None
        if found is not None:
            return FileResponse(found, headers={"Cache-Control": NO_CACHE})
        if path == "/" or _accepts_html(scope):
            return FileResponse(index, headers={"Cache-Control": NO_CACHE}, media_type="text/html")
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = self._response(scope) if scope["type"] == "http" else None
        if response is None:
            await self.fallback(scope, receive, send)
        else:
            await response(scope, receive, send)


def install_web_app(app: FastAPI, web_dir: Path | None) -> None:
    """Serve the web app for every request no other route matched (call after the API routers)."""
    app.router.default = WebApp(web_dir or DEFAULT_WEB_DIR, app.router.default)
