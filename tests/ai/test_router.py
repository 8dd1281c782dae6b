"""The router against the fake server: retries, fallback, breakers, timeouts, strategies, cancellation."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from starguide.ai.router import Router, RouterEvent, RouterStream, RoutingError, StreamFailed, StreamFinished
from starguide.ai.types import ChatMessage, ChatRequest, ErrorKind, FinishReason, Passage, TextDelta
from tests.ai.conftest import Sleeps, Ticker, deployment
from tests.ai.fakes.server import DEFAULT_TEXT, FakeProviderServer, Script

REQUEST = ChatRequest(
    (ChatMessage("system", "Be a tutor."), ChatMessage("user", "How do loops work?")), max_tokens=100
)
Build = Callable[..., tuple[Router, Ticker, Sleeps]]


async def run(stream: RouterStream) -> tuple[str, list[RouterEvent]]:
    text, events = "", []
    async with stream:
        async for event in stream:
            events.append(event)
            if isinstance(event, TextDelta):
                text += event.text
    return text, events


async def test_priority_uses_the_first_deployment(fake: FakeProviderServer, make_router: Build) -> None:
    router, _, _ = make_router(
        deployment(fake, "openai", "gpt-4o-mini"), deployment(fake, "anthropic", "claude-haiku-4-5")
    )
    text, events = await run(router.stream("mentor-default", REQUEST))
    assert text == DEFAULT_TEXT
    final = events[-1]
    assert isinstance(final, StreamFinished)
    result = final.result
    assert result.outcome == "ok"
    assert result.deployment is not None
    assert result.deployment.name == "openai:gpt-4o-mini"
    assert result.usage.input_tokens == 40
    assert not result.usage.estimated
    # gpt-4o-mini: 32 x 0.15 + 8 x 0.075 + 12 x 0.60 = 12.6 micro-dollars, rounded up
    assert result.cost_micros == 13
    assert result.ttft_ms is not None
    assert result.ttft_ms <= result.latency_ms
    assert fake.requests_for("claude-haiku-4-5") == []
    await router.aclose()


async def test_retries_with_backoff_then_falls_back(fake: FakeProviderServer, make_router: Build) -> None:
    fake.script("gpt-4o-mini", Script(error="server"), Script(error="server"), Script(error="server"))
    router, _, sleeps = make_router(
        deployment(fake, "openai", "gpt-4o-mini"),
        deployment(fake, "anthropic", "claude-haiku-4-5"),
        max_retries=2,
    )
    text, events = await run(router.stream("mentor-default", REQUEST))
    assert text == DEFAULT_TEXT
    assert len(fake.requests_for("gpt-4o-mini")) == 3
    assert sleeps.waits == [0.01, 0.02]  # exponential; the jitter source gives its maximum here
    result = events[-1].result  # type: ignore[union-attr]
    assert result.deployment.name == "anthropic:claude-haiku-4-5"
    assert [a.error for a in result.attempts] == [ErrorKind.SERVER_ERROR] * 3 + [None]
    await router.aclose()


async def test_full_jitter_stays_within_the_exponential_cap(
    make_router: Build, fake: FakeProviderServer
) -> None:
    router, _, _ = make_router(deployment(fake, "openai", "m"), backoff_base=0.5, backoff_max=4)
    values = iter([0.0, 0.5, 1.0, 0.25])
    router.rng = lambda: next(values)
    assert router.backoff(0, None) == 0.0
    assert router.backoff(1, None) == 0.5
    assert router.backoff(5, None) == 4.0  # capped
    assert router.backoff(0, 3.0) == 3.0  # never sooner than Retry-After


async def test_rate_limit_honours_retry_after(fake: FakeProviderServer, make_router: Build) -> None:
    fake.script("gpt-4o-mini", Script(error="rate_limit", retry_after="2"))
    router, ticker, sleeps = make_router(
        deployment(fake, "openai", "gpt-4o-mini"), deployment(fake, "anthropic", "claude-haiku-4-5")
    )

    async def sleep_and_move(seconds: float) -> None:
        sleeps.waits.append(seconds)
        ticker.advance(seconds)

    router.sleep = sleep_and_move
    text, events = await run(router.stream("mentor-default", REQUEST))
    assert text == DEFAULT_TEXT
    assert sleeps.waits == [2.0]
    assert events[-1].result.deployment.name == "openai:gpt-4o-mini"  # type: ignore[union-attr]
    assert fake.requests_for("claude-haiku-4-5") == []
    await router.aclose()


async def test_long_retry_after_falls_back_at_once(fake: FakeProviderServer, make_router: Build) -> None:
    fake.script("gpt-4o-mini", Script(error="rate_limit", retry_after="60"))
    router, ticker, sleeps = make_router(
        deployment(fake, "openai", "gpt-4o-mini"), deployment(fake, "anthropic", "claude-haiku-4-5")
    )
    _, events = await run(router.stream("mentor-default", REQUEST))
    assert sleeps.waits == []
    assert events[-1].result.deployment.name == "anthropic:claude-haiku-4-5"  # type: ignore[union-attr]
    # The deployment stays out of rotation for the Retry-After, then gets one probe.
    await run(router.stream("mentor-default", REQUEST))
    assert len(fake.requests_for("gpt-4o-mini")) == 1
    ticker.advance(61)
    _, events = await run(router.stream("mentor-default", REQUEST))
    assert events[-1].result.deployment.name == "openai:gpt-4o-mini"  # type: ignore[union-attr]
    await router.aclose()


async def test_anthropic_overloaded_529_is_retried(fake: FakeProviderServer, make_router: Build) -> None:
    fake.script("claude-haiku-4-5", Script(error="overloaded"))
    router, _, sleeps = make_router(deployment(fake, "anthropic", "claude-haiku-4-5"))
    text, events = await run(router.stream("mentor-default", REQUEST))
    assert text == DEFAULT_TEXT
    assert len(sleeps.waits) == 1
    result = events[-1].result  # type: ignore[union-attr]
    assert [(a.error, a.status) for a in result.attempts] == [(ErrorKind.OVERLOADED, 529), (None, None)]
    await router.aclose()


async def test_spend_limit_is_not_retried(fake: FakeProviderServer, make_router: Build) -> None:
    fake.script("claude-haiku-4-5", Script(error="spend_limit"))
    router, _, sleeps = make_router(
        deployment(fake, "anthropic", "claude-haiku-4-5"), deployment(fake, "gemini", "gemini-2.5-flash")
    )
    _, events = await run(router.stream("mentor-default", REQUEST))
    assert len(fake.requests_for("claude-haiku-4-5")) == 1
    assert sleeps.waits == []
    assert events[-1].result.deployment.name == "gemini:gemini-2.5-flash"  # type: ignore[union-attr]
    # and the exhausted deployment is cooled down for long
    health = router.health(
        router.catalog.deployments["anthropic:claude-haiku-4-5"], "sk-test-anthropic-key-1234"
    )
    assert health.state == "open"
    assert health.cooldown == router.policy.breaker_max_cooldown
    await router.aclose()


async def test_spend_limit_alone_is_an_error(fake: FakeProviderServer, make_router: Build) -> None:
    fake.script("gpt-4o-mini", Script(error="spend_limit"))
    router, _, _ = make_router(deployment(fake, "openai", "gpt-4o-mini"))
    with pytest.raises(RoutingError) as caught:
        await run(router.stream("mentor-default", REQUEST))
    assert caught.value.last is not None
    assert caught.value.last.kind is ErrorKind.SPEND_LIMIT
    assert len(fake.requests_for("gpt-4o-mini")) == 1
    assert caught.value.result is not None
    assert caught.value.result.cost_micros == 0
    await router.aclose()


async def test_context_overflow_falls_back(fake: FakeProviderServer, make_router: Build) -> None:
    fake.script("gpt-4o-mini", Script(error="context"))
    router, _, sleeps = make_router(
        deployment(fake, "openai", "gpt-4o-mini"), deployment(fake, "gemini", "gemini-2.5-pro")
    )
    _, events = await run(router.stream("mentor-default", REQUEST))
    assert sleeps.waits == []
    assert len(fake.requests_for("gpt-4o-mini")) == 1
    assert events[-1].result.deployment.name == "gemini:gemini-2.5-pro"  # type: ignore[union-attr]
    await router.aclose()


async def test_known_context_window_is_skipped_without_a_call(
    fake: FakeProviderServer, make_router: Build
) -> None:
    small = deployment(fake, "openai_compat", "tiny", context_window=50)
    router, _, _ = make_router(small, deployment(fake, "openai", "gpt-4o-mini"))
    _, events = await run(router.stream("mentor-default", REQUEST))
    assert fake.requests_for("tiny") == []
    result = events[-1].result  # type: ignore[union-attr]
    assert result.attempts[0].error is ErrorKind.CONTEXT_OVERFLOW
    await router.aclose()


async def test_bad_request_ends_the_call(fake: FakeProviderServer, make_router: Build) -> None:
    fake.script("gpt-4o-mini", Script(error="bad_request"))
    router, _, _ = make_router(
        deployment(fake, "openai", "gpt-4o-mini"), deployment(fake, "anthropic", "claude-haiku-4-5")
    )
    with pytest.raises(RoutingError) as caught:
        await run(router.stream("mentor-default", REQUEST))
    assert caught.value.last is not None
    assert caught.value.last.kind is ErrorKind.BAD_REQUEST
    assert fake.requests_for("claude-haiku-4-5") == []
    await router.aclose()


@pytest.mark.parametrize(
    ("kind", "model"),
    [("openai", "gpt-4o-mini"), ("anthropic", "claude-haiku-4-5"), ("gemini", "gemini-2.5-flash")],
)
async def test_cut_stream_is_never_restarted(
    fake: FakeProviderServer, make_router: Build, kind: str, model: str
) -> None:
    fake.script(model, Script(cut_after=3))
    router, _, _ = make_router(deployment(fake, kind, model), deployment(fake, "openai_compat", "backup"))  # type: ignore[arg-type]
    text, events = await run(router.stream("mentor-default", REQUEST))
    failed = events[-1]
    assert isinstance(failed, StreamFailed)
    assert failed.error.kind is ErrorKind.CONNECTION
    assert fake.requests_for("backup") == []  # not silently restarted elsewhere
    result = failed.result
    assert result.outcome == "error"
    assert result.finish_reason is FinishReason.ERROR
    assert result.text == text
    assert text
    # usage never arrived: estimated, marked as such, and never free
    assert result.usage.estimated
    assert result.usage.output_tokens > 0
    assert result.cost_micros > 0
    await router.aclose()


async def test_slow_first_token_times_out_and_falls_back(
    fake: FakeProviderServer, make_router: Build
) -> None:
    fake.script("slow", Script(first_token_delay=5))
    router, _, _ = make_router(
        deployment(fake, "openai", "slow"),
        deployment(fake, "anthropic", "claude-haiku-4-5"),
        first_token_timeout=0.2,
    )
    text, events = await run(router.stream("mentor-default", REQUEST))
    assert text == DEFAULT_TEXT
    result = events[-1].result  # type: ignore[union-attr]
    assert result.attempts[0].error is ErrorKind.TIMEOUT
    assert len(fake.requests_for("slow")) == 1  # a timed-out deployment is not retried at once
    await asyncio.wait_for(fake.requests_for("slow")[0].disconnected.wait(), 5)
    await router.aclose()


async def test_total_timeout(fake: FakeProviderServer, make_router: Build) -> None:
    fake.script("dawdle", Script(pieces=10, piece_delay=0.1))
    router, _, _ = make_router(deployment(fake, "openai", "dawdle"), total_timeout=0.35)
    text, events = await run(router.stream("mentor-default", REQUEST))
    assert isinstance(events[-1], StreamFailed)
    assert events[-1].error.kind is ErrorKind.TIMEOUT
    assert text
    assert text != DEFAULT_TEXT
    await router.aclose()


async def test_breaker_cools_down_and_recovers(fake: FakeProviderServer, make_router: Build) -> None:
    fake.script("flaky", Script(error="server"), Script(error="server"))
    router, ticker, _ = make_router(
        deployment(fake, "openai", "flaky"),
        deployment(fake, "anthropic", "claude-haiku-4-5"),
        max_retries=0,
        breaker_failures=2,
        breaker_cooldown=30,
    )
    for _ in range(2):
        _, events = await run(router.stream("mentor-default", REQUEST))
        assert events[-1].result.deployment.name == "anthropic:claude-haiku-4-5"  # type: ignore[union-attr]
    assert len(fake.requests_for("flaky")) == 2
    # open: skipped without a request
    await run(router.stream("mentor-default", REQUEST))
    assert len(fake.requests_for("flaky")) == 2
    # after the cooldown one probe goes through; it succeeds, and the breaker closes
    ticker.advance(31)
    _, events = await run(router.stream("mentor-default", REQUEST))
    assert events[-1].result.deployment.name == "openai:flaky"  # type: ignore[union-attr]
    health = router.health(router.catalog.deployments["openai:flaky"], "sk-test-openai-key-1234")
    assert health.state == "closed"
    assert health.failures == 0
    await router.aclose()


async def test_failed_probe_reopens_for_longer(fake: FakeProviderServer, make_router: Build) -> None:
    fake.script("flaky", Script(error="server"), Script(error="server"))
    router, ticker, _ = make_router(
        deployment(fake, "openai", "flaky"),
        deployment(fake, "gemini", "gemini-2.5-flash"),
        max_retries=0,
        breaker_failures=1,
        breaker_cooldown=10,
    )
    await run(router.stream("mentor-default", REQUEST))
    ticker.advance(11)
    await run(router.stream("mentor-default", REQUEST))  # the probe fails
    health = router.health(router.catalog.deployments["openai:flaky"], "sk-test-openai-key-1234")
    assert health.state == "open"
    assert health.cooldown == 20
    ticker.advance(11)
    await run(router.stream("mentor-default", REQUEST))
    assert len(fake.requests_for("flaky")) == 2  # still cooling down
    await router.aclose()


async def test_everything_cooling_down_says_when_to_retry(
    fake: FakeProviderServer, make_router: Build
) -> None:
    fake.script("only", Script(error="rate_limit", retry_after="45"))
    router, _, _ = make_router(deployment(fake, "openai", "only"))
    with pytest.raises(RoutingError) as first:
        await run(router.stream("mentor-default", REQUEST))
    assert first.value.retry_after == 45
    with pytest.raises(RoutingError) as second:
        await run(router.stream("mentor-default", REQUEST))
    assert second.value.retry_after == pytest.approx(45)
    assert len(fake.requests_for("only")) == 1
    await router.aclose()


async def test_client_cancellation_closes_the_upstream_connection(
    fake: FakeProviderServer, make_router: Build
) -> None:
    for kind, model in [
        ("openai", "gpt-4o-mini"),
        ("anthropic", "claude-haiku-4-5"),
        ("gemini", "gemini-2.5-flash"),
    ]:
        fake.script(model, Script(hang_after=2))
        router, _, _ = make_router(deployment(fake, kind, model))  # type: ignore[arg-type]
        stream = router.stream("mentor-default", REQUEST)
        seen_text = ""
        async for event in stream:
            assert isinstance(event, TextDelta)
            seen_text += event.text
            if len(seen_text.split()) >= 6:
                break
        await stream.aclose()
        upstream = fake.requests_for(model)[0]
        await asyncio.wait_for(upstream.disconnected.wait(), 5)
        assert not upstream.finished
        result = stream.result
        assert result is not None
        assert result.outcome == "cancelled"
        assert result.finish_reason is FinishReason.CANCELLED
        assert result.usage.estimated
        assert result.cost_micros > 0
        await router.aclose()


async def test_task_cancellation_closes_the_upstream_connection(
    fake: FakeProviderServer, make_router: Build
) -> None:
    fake.script("gpt-4o-mini", Script(hang_after=1))
    router, _, _ = make_router(deployment(fake, "openai", "gpt-4o-mini"))
    first = asyncio.Event()
    stream = router.stream("mentor-default", REQUEST)

    async def consume() -> None:
        async with stream:
            async for _ in stream:
                first.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(first.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.wait_for(fake.requests_for("gpt-4o-mini")[0].disconnected.wait(), 5)
    assert stream.result is not None
    assert stream.result.outcome == "cancelled"
    await router.aclose()


async def test_latency_strategy_prefers_the_faster(fake: FakeProviderServer, make_router: Build) -> None:
    fake.script("slowish", *[Script(first_token_delay=0.15) for _ in range(5)])
    router, _, _ = make_router(
        deployment(fake, "openai", "slowish"), deployment(fake, "openai", "quick"), strategy="latency"
    )
    used = []
    for _ in range(4):
        _, events = await run(router.stream("mentor-default", REQUEST))
        used.append(events[-1].result.deployment.model)  # type: ignore[union-attr]
    assert used[:2] == ["slowish", "quick"]  # each unmeasured deployment is measured once
    assert used[2:] == ["quick", "quick"]
    await router.aclose()


async def test_cost_strategy_prefers_the_cheaper(fake: FakeProviderServer, make_router: Build) -> None:
    router, _, _ = make_router(
        deployment(fake, "openai", "gpt-4o"), deployment(fake, "openai", "gpt-4o-mini"), strategy="cost"
    )
    assert [d.model for d in router.candidates("mentor-default", REQUEST)] == ["gpt-4o-mini", "gpt-4o"]
    await router.aclose()


async def test_data_policy_keeps_to_own_deployments(fake: FakeProviderServer, make_router: Build) -> None:
    outside = deployment(fake, "openai", "gpt-4o-mini", external=True)
    own = deployment(fake, "openai_compat", "llama3.1", external=False)
    router, _, _ = make_router(outside, own)
    _, events = await run(router.stream("mentor-default", REQUEST, allow_external=False))
    assert events[-1].result.deployment.name == own.name  # type: ignore[union-attr]
    assert fake.requests_for("gpt-4o-mini") == []
    only_outside, _, _ = make_router(outside)
    with pytest.raises(RoutingError, match="allows no outside provider"):
        await run(only_outside.stream("mentor-default", REQUEST, allow_external=False))
    await router.aclose()


async def test_organisation_key_replaces_the_server_key(fake: FakeProviderServer, make_router: Build) -> None:
    router, _, _ = make_router(deployment(fake, "anthropic", "claude-haiku-4-5"))
    await run(router.stream("mentor-default", REQUEST, keys={"anthropic": "sk-ant-org-own-9876"}))
    assert fake.requests_for("claude-haiku-4-5")[0].api_key == "sk-ant-org-own-9876"
    await router.aclose()


async def test_missing_usage_is_estimated_not_free(fake: FakeProviderServer, make_router: Build) -> None:
    fake.script("gpt-4o-mini", Script(usage=None))
    router, _, _ = make_router(deployment(fake, "openai", "gpt-4o-mini"))
    _, events = await run(router.stream("mentor-default", REQUEST))
    result = events[-1].result  # type: ignore[union-attr]
    assert result.outcome == "ok"
    assert result.usage.estimated
    assert result.cost_micros > 0
    await router.aclose()


async def test_complete_uses_whole_replies_with_the_same_routing(
    fake: FakeProviderServer, make_router: Build
) -> None:
    fake.script("gpt-4o-mini", Script(error="overloaded"))
    router, _, _ = make_router(deployment(fake, "openai", "gpt-4o-mini"), alias="grader")
    result = await router.complete("grader", REQUEST)
    assert result.text == DEFAULT_TEXT
    assert result.outcome == "ok"
    assert [s.stream for s in fake.requests_for("gpt-4o-mini")] == [False, False]
    await router.aclose()


async def test_unknown_alias(make_router: Build, fake: FakeProviderServer) -> None:
    router, _, _ = make_router(deployment(fake, "openai", "m"))
    with pytest.raises(RoutingError, match="unknown model alias"):
        router.stream("nope", REQUEST)


async def test_offline_answers_from_passages(make_router: Build) -> None:
    from starguide.ai.config import Deployment

    router, _, _ = make_router(Deployment("offline", "offline", "offline"))
    request = ChatRequest(
        (ChatMessage("user", "How does photosynthesis turn light into sugar?"),),
        passages=(
            Passage(
                "lesson-1",
                "Photosynthesis",
                "Plants are green. Photosynthesis turns light, water and carbon dioxide into sugar "
                "and oxygen.",
            ),
            Passage("lesson-2", "Cell walls", "Cell walls are made of cellulose."),
        ),
    )
    text, events = await run(router.stream("mentor-default", request))
    assert "No AI model is configured" in text
    assert "Photosynthesis turns light" in text
    assert "[1]" in text
    assert "?" in text.splitlines()[-1]  # ends with a guiding question
    assert events[-1].result.cost_micros == 0  # type: ignore[union-attr]
    empty: Any = ChatRequest((ChatMessage("user", "hello"),))
    text, _ = await run(router.stream("mentor-default", empty))
    assert "could not find" in text
