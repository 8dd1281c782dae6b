"""AI settings: defaults (offline), simple keys, JSON deployments and aliases, prices, token estimates."""

from __future__ import annotations

import time
from email.utils import formatdate

import pytest

from starguide.ai.config import build_catalog
from starguide.ai.pricing import FALLBACK_PRICE, Price, PriceTable
from starguide.ai.providers.base import redact, retry_after_seconds, retry_hint_in_body
from starguide.ai.router import build_router
from starguide.ai.tokens import estimate_messages_tokens, estimate_text_tokens
from starguide.ai.types import ChatMessage, Usage
from starguide.config import ConfigError, Settings


def test_nothing_configured_means_offline() -> None:
    catalog = build_catalog(Settings())
    for alias in ("mentor-default", "mentor-fast", "grader"):
        assert [d.provider for d in catalog.aliases[alias].deployments] == ["offline"]


def test_simple_keys_build_deployments_in_order() -> None:
    catalog = build_catalog(
        Settings(
            openai_api_key="sk-openai-1",
            gemini_api_key="gm-2",
            openai_compat_base_url="http://127.0.0.1:11434/v1",
            openai_compat_model="qwen3",
        )
    )
    default = catalog.aliases["mentor-default"].deployments
    assert [d.name for d in default] == [
        "openai:gpt-4.1-mini",
        "gemini:gemini-2.5-flash",
        "openai_compat:qwen3",
        "offline",
    ]
    assert default[0].api_key == "sk-openai-1"
    assert default[0].external
    assert default[2].base_url == "http://127.0.0.1:11434/v1"
    assert not default[2].external
    assert next(d.name for d in catalog.aliases["mentor-fast"].deployments) == "openai:gpt-4.1-nano"
    assert "offline" not in [d.name for d in catalog.aliases["grader"].deployments]
    assert "sk-openai-1" not in repr(default[0])  # keys stay out of reprs (and so of logs)


def test_json_deployments_and_aliases_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "STARGUIDE_AI_DEPLOYMENTS",
        '{"claude": {"provider": "anthropic", "model": "claude-sonnet-4-5", "api_key": "sk-ant-x"},'
        ' "local": {"provider": "openai_compat", "model": "llama3.1", "base_url": "http://gpu:8000/v1"}}',
    )
    monkeypatch.setenv(
        "STARGUIDE_AI_ALIASES",
        '{"mentor-default": {"strategy": "latency", "deployments": ["local", "claude"]}}',
    )
    monkeypatch.setenv("STARGUIDE_AI_PRICES", '{"anthropic/claude-sonnet-4-5": {"input": 1, "output": 2}}')
    settings = Settings()
    catalog = build_catalog(settings)
    alias = catalog.aliases["mentor-default"]
    assert alias.strategy == "latency"
    assert [d.name for d in alias.deployments] == ["local", "claude", "offline"]
    router = build_router(settings)
    assert router.prices.price("anthropic", "claude-sonnet-4-5") == Price(input=1, output=2)


def test_alias_naming_an_unknown_deployment_stops_the_start() -> None:
    settings = Settings(ai_aliases={"grader": {"deployments": ["nope"]}})  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="nope"):
        build_router(settings)


def test_prices_prefix_match_override_and_fallback() -> None:
    table = PriceTable.with_overrides({"openai/gpt-4o-mini-2024-07-18": Price(input=9, output=9)})
    assert table.price("openai", "gpt-4o-mini-2024-07-18").input == 9
    assert table.price("openai", "gpt-4o-mini-search").input == 0.15  # the longest prefix wins
    assert table.price("openai", "gpt-4o-2024-08-06").input == 2.50
    assert table.price("openai", "brand-new-model") == FALLBACK_PRICE  # never free
    assert table.price("openai_compat", "anything").output == 0
    usage = Usage(input_tokens=1_000_000, cached_input_tokens=500_000, output_tokens=1_000_000)
    # 0.5M x 0.15 + 0.5M x 0.075 + 1M x 0.60 micro-dollars
    assert table.cost_micros("openai", "gpt-4o-mini", usage) == 712_500
    assert table.worst_case_micros("openai", "gpt-4o-mini", 1000, 1000) == 750


def test_token_estimates_by_script() -> None:
    assert estimate_text_tokens("") == 0
    assert estimate_text_tokens("a" * 400) == 100
    assert 40 <= estimate_text_tokens("The quick brown fox jumps over the lazy dog. " * 4) <= 50
    assert estimate_text_tokens("学习使我快乐") == 6  # one token an ideograph
    assert estimate_text_tokens("Привет, как дела?") > estimate_text_tokens("Hello, how are you")
    messages = [ChatMessage("system", "x" * 40), ChatMessage("user", "y" * 40)]
    assert estimate_messages_tokens(messages) == 10 + 4 + 10 + 4 + 3


def test_retry_after_forms() -> None:
    assert retry_after_seconds({"retry-after-ms": "1500"}) == 1.5
    assert retry_after_seconds({"retry-after": "7"}) == 7
    now = time.time()
    assert retry_after_seconds({"retry-after": formatdate(now + 30, usegmt=True)}, now=now) == pytest.approx(
        30, abs=1
    )
    assert retry_after_seconds({"retry-after": "soon"}) is None
    assert retry_after_seconds({}) is None
    body = {
        "error": {"details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "46s"}]}
    }
    assert retry_hint_in_body(body) == 46
    assert retry_hint_in_body({"error": {"message": "Quota exceeded. Please retry in 12.5s."}}) == 12.5
    assert retry_hint_in_body({"error": "x"}) is None


def test_redaction() -> None:
    assert redact("Incorrect API key provided: sk-abc***wxyz.") == "Incorrect API key provided: [key]"
    assert "secret-value-123" not in redact("key secret-value-123 refused", "secret-value-123")
