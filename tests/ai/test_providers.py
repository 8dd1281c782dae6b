"""Each provider against the fake server: replies, streams, usage, finish reasons, errors, cut streams."""

from __future__ import annotations

from typing import Any

import pytest

from starguide.ai.providers import Provider, Timeouts, build_provider
from starguide.ai.types import (
    ChatMessage,
    ChatRequest,
    ErrorKind,
    FinishReason,
    ProviderError,
    StreamEnd,
    TextDelta,
    Usage,
)
from tests.ai.conftest import deployment
from tests.ai.fakes.server import DEFAULT_TEXT, FakeProviderServer, Script

PROVIDERS = [
    ("openai", "gpt-4o-mini"),
    ("anthropic", "claude-haiku-4-5"),
    ("gemini", "gemini-2.5-flash"),
    ("openai_compat", "llama3.1"),
]
REQUEST = ChatRequest(
    (
        ChatMessage("system", "You are a patient tutor."),
        ChatMessage("user", "What does a for loop do?"),
        ChatMessage("assistant", "What do you think it repeats?"),
        ChatMessage("user", "The block inside it?"),
    ),
    max_tokens=64,
)


def make(fake: FakeProviderServer, provider: str, model: str) -> Provider:
    return build_provider(
        deployment(fake, provider, model), f"sk-test-{provider}-key-1234", Timeouts(connect=2, read=5)
    )  # type: ignore[arg-type]


async def collect(
    provider: Provider, request: ChatRequest = REQUEST
) -> tuple[str, StreamEnd | None, ProviderError | None]:
    text, end, error = "", None, None
    try:
        async for event in provider.stream(request):
            if isinstance(event, TextDelta):
                text += event.text
            else:
                end = event
    except ProviderError as exc:
        error = exc
    return text, end, error


@pytest.mark.parametrize(("kind", "model"), PROVIDERS)
async def test_streamed_reply_with_usage(fake: FakeProviderServer, kind: str, model: str) -> None:
    provider = make(fake, kind, model)
    text, end, error = await collect(provider)
    await provider.aclose()
    assert error is None
    assert text == DEFAULT_TEXT
    assert end == StreamEnd(
        Usage(input_tokens=40, cached_input_tokens=8, output_tokens=12), FinishReason.STOP
    )
    (seen,) = fake.requests_for(model)
    assert seen.stream
    assert seen.finished
    assert seen.api_key == f"sk-test-{kind}-key-1234"


@pytest.mark.parametrize(("kind", "model"), PROVIDERS)
async def test_whole_reply_with_usage(fake: FakeProviderServer, kind: str, model: str) -> None:
    provider = make(fake, kind, model)
    reply = await provider.complete(REQUEST)
    await provider.aclose()
    assert reply.text == DEFAULT_TEXT
    assert reply.usage == Usage(40, 8, 12)
    assert reply.finish_reason is FinishReason.STOP
    (seen,) = fake.requests_for(model)
    assert not seen.stream


async def test_openai_wire_format(fake: FakeProviderServer) -> None:
    provider = make(fake, "openai", "gpt-4o-mini")
    await collect(provider)
    await provider.aclose()
    body = fake.requests_for("gpt-4o-mini")[0].body
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["max_completion_tokens"] == 64
    assert [m["role"] for m in body["messages"]] == ["system", "user", "assistant", "user"]


@pytest.mark.parametrize(("kind", "model"), PROVIDERS)
async def test_streams_one_after_another_share_a_connection(
    fake: FakeProviderServer, kind: str, model: str
) -> None:
    provider = make(fake, kind, model)
    for _ in range(3):
        text, end, error = await collect(provider)
        assert (text, error) == (DEFAULT_TEXT, None)
        assert end is not None
    await provider.aclose()
    assert fake.connections == 1


async def test_openai_compat_sends_max_tokens(fake: FakeProviderServer) -> None:
    provider = make(fake, "openai_compat", "llama3.1")
    await collect(provider)
    await provider.aclose()
    body = fake.requests_for("llama3.1")[0].body
    assert body["max_tokens"] == 64
    assert "max_completion_tokens" not in body


async def test_anthropic_wire_format(fake: FakeProviderServer) -> None:
    provider = make(fake, "anthropic", "claude-haiku-4-5")
    await collect(provider)
    await provider.aclose()
    seen = fake.requests_for("claude-haiku-4-5")[0]
    assert seen.path == "/v1/messages"
    assert seen.headers["anthropic-version"]
    assert seen.body["system"] == "You are a patient tutor."
    assert [m["role"] for m in seen.body["messages"]] == ["user", "assistant", "user"]
    assert seen.body["max_tokens"] == 64
    assert "temperature" not in seen.body


async def test_gemini_wire_format(fake: FakeProviderServer) -> None:
    provider = make(fake, "gemini", "gemini-2.5-flash")
    await collect(provider)
    await provider.aclose()
    seen = fake.requests_for("gemini-2.5-flash")[0]
    assert seen.path == "/v1beta/models/gemini-2.5-flash:streamGenerateContent"
    assert seen.headers["x-goog-api-key"] == "sk-test-gemini-key-1234"
    assert seen.body["systemInstruction"] == {"parts": [{"text": "You are a patient tutor."}]}
    assert [c["role"] for c in seen.body["contents"]] == ["user", "model", "user"]
    assert seen.body["generationConfig"] == {"maxOutputTokens": 64}


@pytest.mark.parametrize(("kind", "model"), PROVIDERS[:3])
async def test_length_finish_reason(fake: FakeProviderServer, kind: str, model: str) -> None:
    fake.script(model, Script(finish="length"))
    provider = make(fake, kind, model)
    _, end, _ = await collect(provider)
    await provider.aclose()
    assert end is not None
    assert end.finish_reason is FinishReason.LENGTH


ERROR_CASES: list[tuple[str, ErrorKind, int | None]] = [
    ("rate_limit", ErrorKind.RATE_LIMITED, 429),
    ("overloaded", ErrorKind.OVERLOADED, None),
    ("server", ErrorKind.SERVER_ERROR, 500),
    ("spend_limit", ErrorKind.SPEND_LIMIT, 429),
    ("context", ErrorKind.CONTEXT_OVERFLOW, 400),
    ("auth", ErrorKind.AUTH, None),
    ("bad_request", ErrorKind.BAD_REQUEST, 400),
]


@pytest.mark.parametrize(("kind", "model"), PROVIDERS[:3])
@pytest.mark.parametrize(("script_error", "expected", "status"), ERROR_CASES)
@pytest.mark.parametrize("streamed", [True, False])
async def test_errors_are_normalised(
    fake: FakeProviderServer,
    kind: str,
    model: str,
    script_error: str,
    expected: ErrorKind,
    status: int | None,
    streamed: bool,
) -> None:
    fake.script(model, Script(error=script_error, retry_after="2" if script_error == "rate_limit" else None))
    provider = make(fake, kind, model)
    if streamed:
        _, _, error = await collect(provider)
    else:
        with pytest.raises(ProviderError) as caught:
            await provider.complete(REQUEST)
        error = caught.value
    await provider.aclose()
    assert error is not None
    assert error.kind is expected, error
    if status is not None:
        assert error.status == status
    if script_error == "rate_limit":
        assert error.retry_after == 2.0
    if script_error == "overloaded" and kind == "anthropic":
        assert error.status == 529
    assert "sk-abc" not in str(error)  # provider messages that quote the key are redacted


@pytest.mark.parametrize(("kind", "model"), PROVIDERS)
async def test_stream_cut_mid_way(fake: FakeProviderServer, kind: str, model: str) -> None:
    fake.script(model, Script(cut_after=2))
    provider = make(fake, kind, model)
    text, end, error = await collect(provider)
    await provider.aclose()
    assert text
    assert text != DEFAULT_TEXT
    assert end is None
    assert error is not None
    assert error.kind is ErrorKind.CONNECTION


@pytest.mark.parametrize(("kind", "model"), PROVIDERS[:3])
async def test_error_event_mid_stream(fake: FakeProviderServer, kind: str, model: str) -> None:
    fake.script(model, Script(error="overloaded", error_after=2))
    provider = make(fake, kind, model)
    text, end, error = await collect(provider)
    await provider.aclose()
    assert text
    assert end is None
    assert error is not None
    assert error.kind is ErrorKind.OVERLOADED


async def test_compatible_server_without_usage(fake: FakeProviderServer) -> None:
    fake.script("llama3.1", Script(usage=None))
    provider = make(fake, "openai_compat", "llama3.1")
    text, end, error = await collect(provider)
    await provider.aclose()
    assert error is None
    assert text == DEFAULT_TEXT
    assert end == StreamEnd(None, FinishReason.STOP)


async def test_refused_connection_is_a_connection_error(fake: FakeProviderServer) -> None:
    await fake.stop()
    dead: dict[str, Any] = {"base_url": "http://127.0.0.1:9"}
    for kind, model in PROVIDERS[:3]:
        spec = deployment(fake, kind, model)  # type: ignore[arg-type]
        provider = build_provider(
            type(spec)(spec.name, spec.provider, spec.model, api_key="k", **dead),
            "k",
            Timeouts(connect=1, read=1),
        )
        _, _, error = await collect(provider)
        await provider.aclose()
        assert error is not None
        assert error.kind in (ErrorKind.CONNECTION, ErrorKind.TIMEOUT)


@pytest.mark.parametrize(("kind", "model"), PROVIDERS[:3])
async def test_malformed_event_is_a_server_error(fake: FakeProviderServer, kind: str, model: str) -> None:
    fake.script(model, Script(garbage_after=1))
    provider = make(fake, kind, model)
    text, end, error = await collect(provider)
    await provider.aclose()
    assert text
    assert end is None
    assert error is not None
    assert error.kind is ErrorKind.SERVER_ERROR
