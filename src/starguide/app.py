"""The ASGI application: FastAPI for HTTP, Socket.IO for real time, one shared runtime."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute

from starguide import __version__
from starguide.auth.realtime import install_socket_authenticator
from starguide.config import Settings, load_settings
from starguide.kit.errors import Problem, install_error_handlers, problem_responses
from starguide.kit.logs import configure_logging
from starguide.kit.middleware import ServiceMiddleware
from starguide.kit.ratelimit import RateLimitMiddleware
from starguide.runtime import Runtime

API_PREFIX = "/api/v1"


def operation_id(route: APIRoute) -> str:
    """`{tag}-{name}`, so the generated web client has stable, readable method names."""
    tag = route.tags[0] if route.tags else "default"
    return f"{tag}-{route.name}"


def add_routes_flat(app: FastAPI, router: APIRouter, prefix: str = "") -> None:
    """Copy `router`'s routes into the app's own route table.

    `include_router` keeps routers nested, and FastAPI then matches a request once per nesting
    level against every route of every router listed before its own. One flat table, in the same
    order, matches each request once: the same routes and schema for a fraction of the cost.
    """
    for route in router.routes:
        if not isinstance(route, APIRoute):
            raise TypeError(f"{route!r} is not an API route; add it to the app directly.")
        app.router.add_api_route(
            prefix + route.path,
            route.endpoint,
            response_model=route.response_model,
            status_code=route.status_code,
            tags=route.tags,
            dependencies=route.dependencies,
            summary=route.summary,
            description=route.description,
            response_description=route.response_description,
            responses=route.responses,
            deprecated=route.deprecated,
            methods=route.methods,
            operation_id=route.operation_id,
            response_model_include=route.response_model_include,
            response_model_exclude=route.response_model_exclude,
            response_model_by_alias=route.response_model_by_alias,
            response_model_exclude_unset=route.response_model_exclude_unset,
            response_model_exclude_defaults=route.response_model_exclude_defaults,
            response_model_exclude_none=route.response_model_exclude_none,
            include_in_schema=route.include_in_schema,
            response_class=route.response_class,
            name=route.name,
            callbacks=route.callbacks,
            openapi_extra=route.openapi_extra,
        )


def api_routers() -> list[APIRouter]:
    """Every domain's router, served under `/api/v1`; each router declares its own tag."""
    from starguide.ai.routes import router as ai_router
    from starguide.auth.router import router as auth_router
    from starguide.content.router import router as content_router
    from starguide.learning.router import router as learning_router
    from starguide.mentor.routes import router as mentor_router
    from starguide.orgs.router import admin_router
    from starguide.orgs.router import router as orgs_router
    from starguide.quizzes.router import router as quizzes_router

    return [
        auth_router,
        orgs_router,
        admin_router,
        content_router,
        quizzes_router,
        ai_router,
        learning_router,
        mentor_router,
    ]


def _declare_problem_schema(app: FastAPI) -> None:
    """Add the `Problem` schema that `problem_responses` refers to, to the generated OpenAPI."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.update(problem.pop("$defs", {}))
            components["Problem"] = problem
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(settings: Settings | None = None, *, background: bool = True) -> FastAPI:
    """Build the whole service; `background=False` leaves job loops off (tests drain by hand)."""
    settings = settings or load_settings()
    runtime = Runtime.build(settings)
    install_socket_authenticator(runtime)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start(background=background)
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(
        title="StarGuide API",
        version=__version__,
        lifespan=lifespan,
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        generate_unique_id_function=operation_id,
        # Every route can answer these problems (bad input, auth, limits, body checks).
        responses=problem_responses(400, 401, 403, 404, 409, 413, 415, 422, 429),
    )
    app.state.runtime = runtime
    _declare_problem_schema(app)
    install_error_handlers(app)

    from starguide.system.router import router as system_router

    add_routes_flat(app, system_router)
    for router in api_routers():
        add_routes_flat(app, router, API_PREFIX)

    from starguide.webapp.router import install_web_app

    # Last, so it only answers what no API route matched.
    install_web_app(app, settings.web_dir)

    # Middleware added last runs first: service layer outermost, then rate limit, then CORS.
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["X-Request-ID", "Retry-After"],
        )
    app.add_middleware(RateLimitMiddleware, limiter=runtime.ip_limiter, enabled=settings.rate_limits_enabled)
    app.add_middleware(
        ServiceMiddleware, max_body_bytes=settings.max_body_bytes, access_log=settings.access_log
    )
    return app


def with_realtime(app: FastAPI) -> Any:
    """The served ASGI app: Socket.IO at `/socket.io/`, everything else to FastAPI."""
    return app.state.runtime.realtime.asgi(app)


def create_app_from_env() -> Any:
    """Factory for `uvicorn --factory`: settings from the environment, logging configured."""
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_json)
    app = with_realtime(create_app(settings))
    settle_garbage_collector()
    return app


def settle_garbage_collector() -> None:
    """Keep the collector off the long-lived objects, and let it run less often.

    After start-up the process holds hundreds of thousands of objects that live as long as it does
    (modules, models, schemas, compiled queries). `gc.freeze()` moves them out of the collector's
    sight, so the full collections that requests trigger stop walking them (they showed as latency
    spikes of hundreds of milliseconds under load), and a larger first threshold makes the young
    collections rarer. The served process and `starguide worker` do this; tests keep the default
    collector.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)
