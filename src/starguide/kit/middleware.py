"""Plain ASGI middleware (no BaseHTTPMiddleware: it breaks streaming cancellation and costs speed).

`ServiceMiddleware` is the outermost layer of the API: request id, access log, metrics,
security headers, body size and media type checks, and a problem+json 500 for anything unhandled.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from typing import Any

from prometheus_client import Counter, Histogram
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from starguide.kit.errors import PROBLEM_MEDIA_TYPE, problem_body
from starguide.kit.logs import request_id_var

access_logger = logging.getLogger("starguide.access")
error_logger = logging.getLogger("starguide.errors")

REQUESTS = Counter("starguide_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "starguide_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

_REQUEST_ID_OK = re.compile(rb"^[A-Za-z0-9._:-]{1,64}$")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_WATCHED_HEADERS = frozenset({b"x-request-id", b"content-length", b"content-type", b"transfer-encoding"})
_ACCEPTED_MEDIA = (b"application/json", b"multipart/form-data", b"application/x-www-form-urlencoded")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; "
    "font-src 'self' data:; connect-src 'self' ws: wss:; worker-src 'self'; manifest-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
HSTS = (b"strict-transport-security", b"max-age=63072000; includeSubDomains")


def _accepted_media_type(content_type: bytes | None) -> bool:
    if not content_type:
        return False
    media = content_type.split(b";", 1)[0].strip().lower()
    return media in _ACCEPTED_MEDIA or (media.startswith(b"application/") and media.endswith(b"+json"))


async def send_problem(
    send: Send,
    scope: Scope,
    status: int,
    detail: str,
    headers: list[tuple[bytes, bytes]] | None = None,
    **kw: Any,
) -> None:
    """A problem answered from middleware, shaped like the ones the exception handlers send."""
    body = json.dumps(
        problem_body(
            status, detail, request_id=scope.get("state", {}).get("request_id"), instance=scope["path"], **kw
        ),
        separators=(",", ":"),
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class ServiceMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int, access_log: bool = True) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.access_log = access_log
        # Metric children by label values: `labels()` costs more than the increment itself.
        self._counters: dict[tuple[str, str, int], Any] = {}
        self._timers: dict[tuple[str, str], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        wanted = {}
        for name, value in scope["headers"]:
            if name in _WATCHED_HEADERS:
                wanted[name] = value
        given = wanted.get(b"x-request-id")
        request_id = (
            given.decode("latin-1") if given and _REQUEST_ID_OK.match(given) else os.urandom(12).hex()
        )
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)
        status = 500
        started_response = False
        extra_headers = [(b"x-request-id", request_id.encode()), *SECURITY_HEADERS]
        if scope.get("scheme") == "https":
            extra_headers.append(HSTS)

        async def send_wrapper(message: Message) -> None:
            nonlocal status, started_response
            if message["type"] == "http.response.start":
                started_response = True
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), *extra_headers]
            await send(message)

        try:
            rejection = self._reject(scope, wanted)
            if rejection:
                await send_problem(send_wrapper, scope, *rejection)
            else:
                await self.app(scope, self._limited_receive(receive), send_wrapper)
        except HTTPException as exc:  # raised by _limited_receive outside FastAPI's handlers
            if not started_response:
                await send_problem(send_wrapper, scope, exc.status_code, str(exc.detail))
        except Exception:
            error_logger.exception("unhandled error", extra={"path": scope.get("path")})
            if not started_response:
                await send_problem(
                    send_wrapper,
                    scope,
                    500,
                    "Something went wrong on our side. It has been logged; "
                    "quote the request id when reporting it.",
                    slug="internal-error",
                )
        finally:
            self._record(scope, status, time.perf_counter() - started)
            request_id_var.reset(token)

    def _record(self, scope: Scope, status: int, elapsed: float) -> None:
        route = scope.get("route")
        template = getattr(route, "path", None) or ("static" if status < 400 else "unmatched")
        method = scope["method"]
        counter = self._counters.get((method, template, status))
        if counter is None:
            counter = self._counters[(method, template, status)] = REQUESTS.labels(
                method, template, str(status)
            )
        counter.inc()
        timer = self._timers.get((method, template))
        if timer is None:
            timer = self._timers[(method, template)] = LATENCY.labels(method, template)
        timer.observe(elapsed)
        if self.access_log and access_logger.isEnabledFor(logging.INFO):
            access_logger.info(
                "%s %s %s",
                method,
                scope["path"],
                status,
                extra={
                    "method": method,
                    "path": scope["path"],
                    "route": template,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                    "client": (scope.get("client") or ("-",))[0],
                },
            )

    def _reject(self, scope: Scope, headers: dict[bytes, bytes]) -> tuple[int, str] | None:
        """Refuse oversized bodies and unknown media types before any handler runs."""
        length = headers.get(b"content-length")
        if length is not None:
            try:
                if int(length) > self.max_body_bytes:
                    return 413, f"The request body is larger than the {self.max_body_bytes} bytes allowed."
            except ValueError:
                return 400, "The Content-Length header is not a number."
        if scope["method"] in _BODY_METHODS and scope["path"].startswith("/api/"):
            has_body = (length is not None and length != b"0") or b"transfer-encoding" in headers
            if has_body and not _accepted_media_type(headers.get(b"content-type")):
                return 415, "Send the body as application/json (or multipart/form-data for uploads)."
        return None

    def _limited_receive(self, receive: Receive) -> Receive:
        limit = self.max_body_bytes
        seen = 0

        async def wrapped() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # An HTTPException passes through FastAPI's body parsing unchanged.
                    raise HTTPException(413, f"The request body is larger than the {limit} bytes allowed.")
            return message

        return wrapped
