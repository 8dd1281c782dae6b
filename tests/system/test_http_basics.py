"""Every error is problem+json; bodies, media types and rate limits are checked before handlers run."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from starguide.kit.deps import SessionDep
from starguide.kit.mail import queue_email

PROBLEM = "application/problem+json"


class Echo(BaseModel):
    text: str


def add_test_routes(app: Any) -> None:
    @app.post("/api/v1/_test/echo")
    async def echo(body: Echo) -> Echo:
        return body

    @app.get("/api/v1/_test/boom")
    async def boom() -> None:
        raise RuntimeError("secret internal detail")

    @app.post("/api/v1/_test/write")
    async def write(session: SessionDep, body: Echo) -> dict[str, str]:
        queue_email(session, "someone@example.org", "hello", body.text)
        return {"ok": "yes"}


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"].startswith("https://")
    assert body["title"]
    assert body["detail"]
    assert body["request_id"] == response.headers["x-request-id"]
    assert body["instance"] == response.request.url.path
    return body


async def test_healthz_and_headers(client: Any) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert len(response.headers["x-request-id"]) >= 16
    assert "strict-transport-security" not in response.headers  # plain HTTP


async def test_hsts_only_behind_tls(client: Any) -> None:
    response = await client.get("https://testserver/healthz")
    assert response.headers["strict-transport-security"].startswith("max-age=")


async def test_request_id_is_echoed_when_safe(client: Any) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"
    response = await client.get("/healthz", headers={"X-Request-ID": "bad id\twith<script>"})
    assert response.headers["x-request-id"] != "bad id\twith<script>"


async def test_readyz_checks_dependencies(client: Any, harness: Any) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["checks"]["database"] == "ok"
    if harness.runtime.redis is not None:
        assert body["checks"]["redis"] == "ok"


async def test_metrics_are_prometheus_text(client: Any) -> None:
    await client.get("/healthz")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert 'starguide_http_requests_total{method="GET",route="/healthz",status="200"}' in response.text


async def test_unknown_route_is_404_problem(client: Any) -> None:
    body = assert_problem(await client.get("/api/v1/nothing-here"), 404)
    assert body["instance"] == "/api/v1/nothing-here"


async def test_wrong_method_is_405_problem(client: Any) -> None:
    assert_problem(await client.delete("/healthz"), 405)


async def test_validation_error_names_fields(harness: Any) -> None:
    add_test_routes(harness.app)
    body = assert_problem(await harness.client.post("/api/v1/_test/echo", json={"text": 5}), 422)
    assert body["errors"][0]["loc"] == "body.text"
    assert "body.text" in body["detail"]


async def test_malformed_json_is_400(harness: Any) -> None:
    add_test_routes(harness.app)
    response = await harness.client.post(
        "/api/v1/_test/echo", content=b'{"text": ', headers={"content-type": "application/json"}
    )
    assert assert_problem(response, 400)["title"] == "Malformed JSON"


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", None])
async def test_wrong_content_type_is_415(harness: Any, content_type: str | None) -> None:
    add_test_routes(harness.app)
    headers = {"content-type": content_type} if content_type else {}
    response = await harness.client.post("/api/v1/_test/echo", content=b'{"text": "x"}', headers=headers)
    if content_type is None:
        # httpx sends no content-type for raw bytes: that, too, is refused
        assert "content-type" not in response.request.headers
    assert_problem(response, 415)


async def test_huge_body_is_413_by_header(harness: Any) -> None:
    add_test_routes(harness.app)
    big = b'{"text": "' + b"a" * (2 * 1024 * 1024) + b'"}'
    response = await harness.client.post(
        "/api/v1/_test/echo", content=big, headers={"content-type": "application/json"}
    )
    assert_problem(response, 413)


async def test_huge_streamed_body_is_413(harness: Any) -> None:
    add_test_routes(harness.app)

    async def chunks() -> Any:
        yield b'{"text": "'
        for _ in range(40):
            yield b"a" * 65536
        yield b'"}'

    response = await harness.client.post(
        "/api/v1/_test/echo", content=chunks(), headers={"content-type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert_problem(response, 413)


async def test_unhandled_error_is_500_without_internals(harness: Any) -> None:
    add_test_routes(harness.app)
    response = await harness.client.get("/api/v1/_test/boom")
    body = assert_problem(response, 500)
    assert "secret internal detail" not in response.text
    assert "Traceback" not in response.text
    assert body["type"].endswith("internal-error")
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_ip_rate_limit_answers_429_with_retry_after(harness_factory: Any) -> None:
    harness = await harness_factory(rate_limit_ip="3/minute")
    for _ in range(3):
        assert (await harness.client.get("/healthz")).status_code == 200
    response = await harness.client.get("/healthz")
    body = assert_problem(response, 429)
    assert 1 <= int(response.headers["retry-after"]) <= 60
    assert "try again" in body["detail"]


async def test_openapi_operation_ids_are_tag_name(client: Any) -> None:
    schema = (await client.get("/api/openapi.json")).json()
    ids = [op["operationId"] for path in schema["paths"].values() for op in path.values()]
    assert "system-healthz" in ids
    assert all("-" in i and i.count("-") >= 1 for i in ids)
    api_paths = [p for p in schema["paths"] if p not in {"/healthz", "/readyz"}]
    assert all(p.startswith("/api/v1/") for p in api_paths)


async def test_twenty_concurrent_writers_never_fail(harness: Any) -> None:
    import asyncio

    from sqlalchemy import func, select

    from starguide.kit.mail import OutgoingEmail

    add_test_routes(harness.app)
    responses = await asyncio.gather(
        *[harness.client.post("/api/v1/_test/write", json={"text": f"message {i}"}) for i in range(20)]
    )
    assert [r.status_code for r in responses] == [200] * 20
    async with harness.runtime.db.session(write=False) as session:
        assert await session.scalar(select(func.count()).select_from(OutgoingEmail)) == 20


def test_the_served_process_hides_its_long_lived_objects_from_the_collector() -> None:
    import gc

    from starguide.app import settle_garbage_collector

    threshold = gc.get_threshold()
    try:
        settle_garbage_collector()
        assert gc.get_freeze_count() > 10_000  # modules, models, schemas: everything built so far
        assert gc.get_threshold()[0] == 10_000
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
