"""RFC 9457 problem details: every error the API returns has this shape and media type."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://starguide.dev/problems/"


class FieldError(BaseModel):
    """One invalid input: where it is (`body.email`, `query.limit`) and what is wrong with it."""

    loc: str
    message: str
    kind: str


class Problem(BaseModel):
    """The body of every error response (RFC 9457)."""

    type: str = Field(description="URI naming the kind of problem")
    title: str
    status: int
    detail: str
    instance: str | None = None
    request_id: str | None = None
    errors: list[FieldError] | None = None


def problem_type(slug: str) -> str:
    return PROBLEM_BASE + slug


class ProblemError(Exception):
    """Raise from a service or a dependency to answer with a problem.

    Subclasses set `status`, `slug` and `title`; `detail` is the sentence a client shows.
    """

    status: int = 400
    slug: str = "bad-request"
    title: str = "Bad request"

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra


class NotFound(ProblemError):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(ProblemError):
    status, slug, title = 409, "conflict", "Conflict"


class Forbidden(ProblemError):
    status, slug, title = 403, "forbidden", "Forbidden"


class Unauthorized(ProblemError):
    status, slug, title = 401, "unauthorized", "Not signed in"

    def __init__(self, detail: str = "Sign in to continue.", **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(detail, **kwargs)


class InvalidInput(ProblemError):
    status, slug, title = 422, "validation-error", "Invalid input"


class TooManyRequests(ProblemError):
    status, slug, title = 429, "rate-limited", "Too many requests"

    def __init__(self, detail: str, retry_after: int, **kwargs: Any) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after))}, **kwargs)


def problem_body(
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    title: str | None = None,
    request_id: str | None = None,
    instance: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    body: dict[str, Any] = {
        "type": problem_type(slug or phrase.lower().replace(" ", "-").replace("'", "")),
        "title": title or phrase,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if request_id:
        body["request_id"] = request_id
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def problem_response(
    request: Request, status: int, detail: str, *, headers: dict[str, str] | None = None, **kw: Any
) -> JSONResponse:
    body = problem_body(
        status,
        detail,
        request_id=request.scope.get("state", {}).get("request_id"),
        instance=request.url.path,
        **kw,
    )
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


_DEFAULT_DETAILS = {
    404: "No resource at this address.",
    405: "This method is not allowed here.",
}


def _loc(parts: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(p) for p in parts)


def _field_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    out = []
    for err in exc.errors():
        out.append(
            {
                "loc": _loc(err.get("loc", ())),
                "message": str(err.get("msg", "")),
                "kind": str(err.get("type", "")),
            }
        )
    return out


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(
            request, exc.status, exc.detail, slug=exc.slug, title=exc.title, headers=exc.headers, **exc.extra
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = (
            exc.detail
            if isinstance(exc.detail, str) and exc.detail != HTTPStatus(exc.status_code).phrase
            else _DEFAULT_DETAILS.get(exc.status_code, HTTPStatus(exc.status_code).phrase + ".")
        )
        return problem_response(request, exc.status_code, detail, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _field_errors(exc)
        if errors and all(e["kind"] == "json_invalid" for e in errors):
            return problem_response(
                request,
                400,
                "The request body is not valid JSON.",
                slug="malformed-json",
                title="Malformed JSON",
            )
        summary = "; ".join(f"{e['loc']}: {e['message']}" for e in errors[:5])
        return problem_response(
            request,
            422,
            f"Invalid input: {summary}",
            slug="validation-error",
            title="Invalid input",
            errors=errors,
        )


_RESPONSE_TEXT = {
    400: "Malformed request",
    401: "Not signed in, or the token is invalid or expired",
    403: "Not allowed for this role",
    404: "Not found (or belongs to another organisation)",
    409: "Conflicts with the current state",
    410: "No longer available",
    413: "Body too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests (see Retry-After)",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` declaring problem+json answers for `statuses`.

    The `Problem` schema is registered by the app's own 422 declaration (see `create_app`).
    """
    schema = {"$ref": "#/components/schemas/Problem"}
    return {
        status: {
            "description": _RESPONSE_TEXT.get(status, HTTPStatus(status).phrase),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": schema}},
        }
        for status in statuses
    }
