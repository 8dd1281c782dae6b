"""Anthropic Messages through the official SDK (its own retries off: the router retries)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any, ClassVar

import anthropic
import httpx2
from anthropic import AsyncAnthropic

from starguide.ai.config import Deployment
from starguide.ai.providers.base import (
    Completion,
    Provider,
    Timeouts,
    error_fields,
    kind_for_status,
    retry_after_seconds,
)
from starguide.ai.types import (
    ChatRequest,
    ErrorKind,
    FinishReason,
    ProviderError,
    ProviderEvent,
    StreamEnd,
    TextDelta,
    Usage,
)

FINISH = {
    "end_turn": FinishReason.STOP,
    "stop_sequence": FinishReason.STOP,
    "tool_use": FinishReason.STOP,
    "pause_turn": FinishReason.STOP,
    "max_tokens": FinishReason.LENGTH,
    "model_context_window_exceeded": FinishReason.LENGTH,
    "refusal": FinishReason.CONTENT_FILTER,
}
# Anthropic's error types that say more than the status code.
TYPE_KINDS = {
    "overloaded_error": ErrorKind.OVERLOADED,
    "rate_limit_error": ErrorKind.RATE_LIMITED,
    "api_error": ErrorKind.SERVER_ERROR,
    "timeout_error": ErrorKind.TIMEOUT,
    "authentication_error": ErrorKind.AUTH,
    "permission_error": ErrorKind.AUTH,
    "billing_error": ErrorKind.SPEND_LIMIT,
    "not_found_error": ErrorKind.NOT_FOUND,
    "request_too_large": ErrorKind.CONTEXT_OVERFLOW,
}


def _input_usage(raw: Any) -> tuple[int, int]:
    """(input incl. cache, cached) — Anthropic counts cache reads and writes apart from `input_tokens`."""
    plain = getattr(raw, "input_tokens", None) or 0
    read = getattr(raw, "cache_read_input_tokens", None) or 0
    written = getattr(raw, "cache_creation_input_tokens", None) or 0
    return plain + read + written, read


class AnthropicProvider(Provider):
    kind: ClassVar[str] = "anthropic"

    def __init__(self, deployment: Deployment, api_key: str | None, timeouts: Timeouts) -> None:
        super().__init__(deployment, api_key, timeouts)
        self.client = AsyncAnthropic(
            api_key=api_key or "unset",
            base_url=deployment.base_url or None,
            max_retries=0,  # the router is the only retry loop
            timeout=anthropic.Timeout(timeouts.read, connect=timeouts.connect),
        )

    def _body(self, request: ChatRequest) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.deployment.model,
            "max_tokens": request.max_tokens,
            "messages": [{"role": m.role, "content": m.content} for m in request.turns],
        }
        if request.system:
            body["system"] = request.system
        # No temperature: the current API version refuses sampling parameters on its newer models.
        return body

    def _error(self, exc: Exception) -> ProviderError:
        if isinstance(exc, anthropic.APITimeoutError | httpx2.TimeoutException):
            return self.error(ErrorKind.TIMEOUT, "the provider did not answer in time")
        if isinstance(exc, anthropic.APIStatusError):
            error_type, code, message = error_fields(exc.body)
            if exc.error_code == "enforced_spend_limit_reached":
                kind = ErrorKind.SPEND_LIMIT
            elif error_type in TYPE_KINDS and exc.status_code != 400:
                kind = TYPE_KINDS[error_type]
            else:
                # A mid-stream `event: error` arrives on a 200 response: judge by the type then.
                status = exc.status_code if exc.status_code >= 400 else 500
                kind = TYPE_KINDS.get(error_type) or kind_for_status(status, error_type, code, message)
            if kind is ErrorKind.RATE_LIMITED and code == "enforced_spend_limit_reached":
                kind = ErrorKind.SPEND_LIMIT
            return self.error(
                kind,
                message or f"HTTP {exc.status_code}",
                status=exc.status_code if exc.status_code >= 400 else None,
                retry_after=retry_after_seconds(exc.response.headers),
            )
        if isinstance(exc, anthropic.APIConnectionError | httpx2.TransportError):
            return self.error(ErrorKind.CONNECTION, "the connection to the provider failed or was cut")
        return self.error(ErrorKind.SERVER_ERROR, f"unexpected reply: {type(exc).__name__}")

    async def stream(self, request: ChatRequest) -> AsyncGenerator[ProviderEvent, None]:
        try:
            stream = await self.client.messages.create(stream=True, **self._body(request))
        except (anthropic.AnthropicError, httpx2.HTTPError) as exc:
            raise self._error(exc) from None
        input_tokens = cached = output_tokens = 0
        seen_usage = False
        finish: FinishReason | None = None
        stopped = False
        try:
            async for event in stream:
                if event.type == "content_block_delta":
                    if event.delta.type == "text_delta" and event.delta.text:
                        yield TextDelta(event.delta.text)
                elif event.type == "message_start":
                    input_tokens, cached = _input_usage(event.message.usage)
                    output_tokens = event.message.usage.output_tokens or 0
                    seen_usage = True
                elif event.type == "message_delta":
                    if event.delta.stop_reason:
                        finish = FINISH.get(event.delta.stop_reason, FinishReason.STOP)
                    # Cumulative; recent API versions may restate the input counts here too.
                    output_tokens = event.usage.output_tokens or output_tokens
                    if getattr(event.usage, "input_tokens", None):
                        input_tokens, cached = _input_usage(event.usage)
                elif event.type == "message_stop":
                    stopped = True
        except (anthropic.AnthropicError, httpx2.HTTPError) as exc:
            raise self._error(exc) from None
        finally:
            await stream.close()
        if not stopped:
            raise self.error(ErrorKind.CONNECTION, "the stream ended before the provider finished")
        usage = Usage(input_tokens, cached, output_tokens) if seen_usage else None
        yield StreamEnd(usage, finish or FinishReason.STOP)

    async def complete(self, request: ChatRequest) -> Completion:
        try:
            reply = await self.client.messages.create(stream=False, **self._body(request))
        except (anthropic.AnthropicError, httpx2.HTTPError) as exc:
            raise self._error(exc) from None
        text = "".join(block.text for block in reply.content if block.type == "text")
        input_tokens, cached = _input_usage(reply.usage)
        return Completion(
            text,
            Usage(input_tokens, cached, reply.usage.output_tokens or 0),
            FINISH.get(reply.stop_reason or "end_turn", FinishReason.STOP),
        )

    async def aclose(self) -> None:
        await self.client.close()
