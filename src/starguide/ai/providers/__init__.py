"""Providers: one class per wire format, each behind the same streaming interface."""

from __future__ import annotations

from starguide.ai.config import Deployment
from starguide.ai.providers.base import Completion, Provider, Timeouts


def build_provider(deployment: Deployment, api_key: str | None, timeouts: Timeouts) -> Provider:
    """A provider client for one deployment; SDKs are imported only when a deployment uses them."""
    if deployment.provider == "openai":
        from starguide.ai.providers.openai import OpenAIProvider

        return OpenAIProvider(deployment, api_key, timeouts)
    if deployment.provider == "anthropic":
        from starguide.ai.providers.anthropic import AnthropicProvider

        return AnthropicProvider(deployment, api_key, timeouts)
    if deployment.provider == "gemini":
        from starguide.ai.providers.gemini import GeminiProvider

        return GeminiProvider(deployment, api_key, timeouts)
    if deployment.provider == "openai_compat":
        from starguide.ai.providers.openai_compat import OpenAICompatProvider

        return OpenAICompatProvider(deployment, api_key, timeouts)
    from starguide.ai.providers.offline import OfflineProvider

    return OfflineProvider(deployment, api_key, timeouts)


__all__ = ["Completion", "Provider", "Timeouts", "build_provider"]
