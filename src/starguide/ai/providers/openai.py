"""OpenAI Chat Completions through the official SDK; also the base of every OpenAI-compatible server.

Requests go through the SDK's client (its headers, authentication, timeouts and error replies), with
two of its layers left out where they cost the server much and give us nothing:

- the bodies built here are posted as they are (`client.post`), not through `create`, which walks
  every message of the prompt through its typed-dict transform first: a no-op for these plain
  dicts, and a tenth of the server's CPU on a mentor turn with a long history;
- a streamed reply's chunks are read here, as JSON: the SDK builds a typed object for every chunk
  to give us three fields of it, which cost the server a fifth of its CPU time on a streamed
  `POST /ai/try` (11.1 ms a call under 50 concurrent streams of 20 chunks, 8.7 ms without).
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any, ClassVar

import httpx2
import openai
from openai import AsyncOpenAI, AsyncStream
from openai.types import ModerationCreateResponse
from openai.types.chat import ChatCompletion, ChatCompletionChunk

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
    Moderation,
    ProviderError,
    ProviderEvent,
    StreamEnd,
    TextDelta,
    Usage,
)

MODERATION_MODEL = "omni-moderation-latest"
_AUTHENTICATED: Any = {"security": {"bearer_auth": True}}  # what the SDK's own methods ask of `post`
FINISH = {
    "stop": FinishReason.STOP,
    "length": FinishReason.LENGTH,
    "content_filter": FinishReason.CONTENT_FILTER,
    "tool_calls": FinishReason.STOP,
    "function_call": FinishReason.STOP,
}


def _usage(raw: Any) -> Usage | None:
    if raw is None:
        return None
    details = getattr(raw, "prompt_tokens_details", None)
    cached = getattr(details, "cached_tokens", None) or 0
    return Usage(
        input_tokens=raw.prompt_tokens or 0,
        cached_input_tokens=cached,
        output_tokens=raw.completion_tokens or 0,
    )


def _usage_of(raw: dict[str, Any]) -> Usage:
    details = raw.get("prompt_tokens_details")
    cached = details.get("cached_tokens") if isinstance(details, dict) else None
    return Usage(
        input_tokens=raw.get("prompt_tokens") or 0,
        cached_input_tokens=cached or 0,
        output_tokens=raw.get("completion_tokens") or 0,
    )


async def _sse_data(lines: AsyncIterator[str]) -> AsyncGenerator[str, None]:
    """The data of each server-sent event (its `data:` lines joined), as the SSE format defines it."""
    data: list[str] = []
    async for line in lines:
        if not line:
            if data:
                yield "\n".join(data)
                data = []
        elif line.startswith("data:"):
            data.append(line[6:] if line.startswith("data: ") else line[5:])
    if data:
        yield "\n".join(data)


class OpenAIProvider(Provider):
    kind: ClassVar[str] = "openai"
    # OpenAI's newer models refuse `max_tokens`; compatible servers often know only `max_tokens`.
    max_tokens_field: ClassVar[str] = "max_completion_tokens"
    send_stream_options: ClassVar[bool] = True

    def __init__(self, deployment: Deployment, api_key: str | None, timeouts: Timeouts) -> None:
        super().__init__(deployment, api_key, timeouts)
        self.client = AsyncOpenAI(
            api_key=api_key or "unset",
            base_url=deployment.base_url or None,
            max_retries=0,  # the router is the only retry loop
            timeout=openai.Timeout(timeouts.read, connect=timeouts.connect),
        )

    def _body(self, request: ChatRequest) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.deployment.model,
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
            self.max_tokens_field: request.max_tokens,
        }
        if request.temperature is not None:
            body["temperature"] = request.temperature
        return body

    def _error(self, exc: Exception) -> ProviderError:
        if isinstance(exc, openai.APITimeoutError | httpx2.TimeoutException):
            return self.error(ErrorKind.TIMEOUT, "the provider did not answer in time")
        if isinstance(exc, openai.APIStatusError):
            error_type, code, message = error_fields(exc.body if exc.body is not None else {})
            if isinstance(exc.body, dict) and "error" not in exc.body:
                error_type, code, message = error_fields({"error": exc.body})
            kind = kind_for_status(exc.status_code, error_type, code, message or str(exc))
            return self.error(
                kind,
                message or f"HTTP {exc.status_code}",
                status=exc.status_code,
                retry_after=retry_after_seconds(exc.response.headers),
            )
        if isinstance(exc, openai.APIConnectionError | httpx2.TransportError):
            return self.error(ErrorKind.CONNECTION, "the connection to the provider failed or was cut")
        if isinstance(exc, openai.APIError):  # an error event inside a stream that had started
            body = exc.body if isinstance(exc.body, dict) else {}
            error_type, code, message = error_fields({"error": body})
            kind = kind_for_status(500, error_type, code, message)
            return self.error(kind, message or str(exc))
        return self.error(ErrorKind.SERVER_ERROR, f"unexpected reply: {type(exc).__name__}")

    async def stream(self, request: ChatRequest) -> AsyncGenerator[ProviderEvent, None]:
        body = {**self._body(request), "stream": True}
        if self.send_stream_options:
            body["stream_options"] = {"include_usage": True}
        try:
            stream = await self.client.post(
                "/chat/completions",
                body=body,
                cast_to=ChatCompletion,
                options=_AUTHENTICATED,
                stream=True,
                stream_cls=AsyncStream[ChatCompletionChunk],
            )
        except Exception as exc:  # SDK errors, and whatever a malformed reply makes it raise
            raise self._error(exc) from None
        usage: Usage | None = None
        finish: FinishReason | None = None
        over = False
        try:
            # Read to the end, past `[DONE]`: a response read whole returns its connection to the pool.
            async for data in _sse_data(stream.response.aiter_lines()):
                if over or data.startswith("[DONE]"):
                    over = True
                    continue
                chunk = json.loads(data)
                if not isinstance(chunk, dict):
                    raise TypeError("a chunk that is not an object")
                if chunk.get("error"):  # an error event inside a stream that had started
                    error = chunk["error"]
                    message = error.get("message") if isinstance(error, dict) else None
                    raise openai.APIError(
                        message
                        if isinstance(message, str) and message
                        else "An error occurred during streaming",
                        stream.response.request,
                        body=error,
                    )
                if isinstance(chunk.get("usage"), dict):
                    usage = _usage_of(chunk["usage"])
                for choice in chunk.get("choices") or ():
                    if choice.get("index", 0) != 0:
                        continue
                    content = (choice.get("delta") or {}).get("content")
                    if content:
                        yield TextDelta(content)
                    reason = choice.get("finish_reason")
                    if reason:
                        finish = FINISH.get(reason, FinishReason.STOP)
        except Exception as exc:  # SDK errors, and whatever a malformed reply makes it raise
            raise self._error(exc) from None
        finally:
            await stream.close()
        if finish is None:
            raise self.error(ErrorKind.CONNECTION, "the stream ended before the provider finished")
        yield StreamEnd(usage, finish)

    async def complete(self, request: ChatRequest) -> Completion:
        try:
            reply = await self.client.post(
                "/chat/completions", body=self._body(request), cast_to=ChatCompletion, options=_AUTHENTICATED
            )
        except Exception as exc:  # SDK errors, and whatever a malformed reply makes it raise
            raise self._error(exc) from None
        if not reply.choices:
            raise self.error(ErrorKind.SERVER_ERROR, "the reply had no choices")
        choice = reply.choices[0]
        return Completion(
            choice.message.content or "",
            _usage(reply.usage),
            FINISH.get(choice.finish_reason or "stop", FinishReason.STOP),
        )

    async def moderate(self, text: str) -> Moderation | None:
        """OpenAI's moderation endpoint (free of charge); compatible servers have none."""
        if self.kind != "openai":
            return None
        try:
            reply = await self.client.post(
                "/moderations",
                body={"model": MODERATION_MODEL, "input": text},
                cast_to=ModerationCreateResponse,
                options=_AUTHENTICATED,
            )
        except Exception as exc:  # SDK errors, and whatever a malformed reply makes it raise
            raise self._error(exc) from None
        flagged: set[str] = set()
        for result in reply.results:
            if result.flagged:
                flagged |= {name for name, on in result.categories.model_dump(by_alias=True).items() if on}
        return Moderation(bool(flagged) or any(r.flagged for r in reply.results), tuple(sorted(flagged)))

    async def aclose(self) -> None:
        await self.client.close()
