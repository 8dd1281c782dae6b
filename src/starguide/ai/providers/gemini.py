"""Google Gemini (generateContent, streamGenerateContent?alt=sse) over plain httpx.

Not the `google-genai` SDK: it pulls in google-auth, requests and two dozen more packages for an
API-key call, and it neither reads the retry hints Gemini sends in its error bodies nor lets the
router see the raw response. The wire format is small enough to speak directly.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from typing import Any, ClassVar
from urllib.parse import quote

import httpx

from starguide.ai.config import Deployment
from starguide.ai.providers.base import (
    Completion,
    Provider,
    Timeouts,
    error_fields,
    kind_for_status,
    retry_after_seconds,
    retry_hint_in_body,
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

DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com"
FINISH = {
    "STOP": FinishReason.STOP,
    "MAX_TOKENS": FinishReason.LENGTH,
    "SAFETY": FinishReason.CONTENT_FILTER,
    "RECITATION": FinishReason.CONTENT_FILTER,
    "BLOCKLIST": FinishReason.CONTENT_FILTER,
    "PROHIBITED_CONTENT": FinishReason.CONTENT_FILTER,
    "SPII": FinishReason.CONTENT_FILTER,
    "IMAGE_SAFETY": FinishReason.CONTENT_FILTER,
}


def _usage(raw: object) -> Usage | None:
    if not isinstance(raw, dict):
        return None
    # Thinking tokens are billed as output.
    output = int(raw.get("candidatesTokenCount") or 0) + int(raw.get("thoughtsTokenCount") or 0)
    return Usage(
        input_tokens=int(raw.get("promptTokenCount") or 0),
        cached_input_tokens=int(raw.get("cachedContentTokenCount") or 0),
        output_tokens=output,
    )


def _text(candidate: dict[str, Any]) -> str:
    parts = (candidate.get("content") or {}).get("parts") or []
    return "".join(p.get("text", "") for p in parts if isinstance(p, dict) and not p.get("thought"))


class GeminiProvider(Provider):
    kind: ClassVar[str] = "gemini"

    def __init__(self, deployment: Deployment, api_key: str | None, timeouts: Timeouts) -> None:
        super().__init__(deployment, api_key, timeouts)
        self.client = httpx.AsyncClient(
            base_url=(deployment.base_url or DEFAULT_BASE_URL).rstrip("/"),
            timeout=httpx.Timeout(timeouts.read, connect=timeouts.connect),
            headers={"x-goog-api-key": api_key or ""},
        )
        self.model_path = f"/v1beta/models/{quote(deployment.model, safe='')}"

    def _body(self, request: ChatRequest) -> dict[str, Any]:
        body: dict[str, Any] = {
            "contents": [
                {"role": "model" if m.role == "assistant" else "user", "parts": [{"text": m.content}]}
                for m in request.turns
            ],
            "generationConfig": {"maxOutputTokens": request.max_tokens},
        }
        if request.temperature is not None:
            body["generationConfig"]["temperature"] = request.temperature
        if request.system:
            body["systemInstruction"] = {"parts": [{"text": request.system}]}
        return body

    def _status_error(self, response: httpx.Response, raw: bytes) -> ProviderError:
        try:
            body: object = json.loads(raw)
        except ValueError:
            body = raw.decode("utf-8", "replace")
        if isinstance(body, list) and body:  # some proxies wrap the error in a list
            body = body[0]
        error_type, code, message = error_fields(body)
        retry_after = retry_after_seconds(response.headers)
        if retry_after is None:
            retry_after = retry_hint_in_body(body)
        return self.error(
            kind_for_status(response.status_code, error_type, code, message),
            message or f"HTTP {response.status_code}",
            status=response.status_code,
            retry_after=retry_after,
        )

    def _transport_error(self, exc: httpx.HTTPError) -> ProviderError:
        if isinstance(exc, httpx.TimeoutException):
            return self.error(ErrorKind.TIMEOUT, "the provider did not answer in time")
        return self.error(ErrorKind.CONNECTION, "the connection to the provider failed or was cut")

    def _blocked(self, data: dict[str, Any]) -> ProviderError | None:
        feedback = data.get("promptFeedback")
        if isinstance(feedback, dict) and feedback.get("blockReason"):
            return self.error(ErrorKind.CONTENT_FILTER, f"prompt blocked: {feedback['blockReason']}")
        return None

    async def stream(self, request: ChatRequest) -> AsyncGenerator[ProviderEvent, None]:
        usage: Usage | None = None
        finish: FinishReason | None = None
        try:
            async with self.client.stream(
                "POST",
                f"{self.model_path}:streamGenerateContent",
                params={"alt": "sse"},
                json=self._body(request),
            ) as response:
                if response.status_code >= 400:
                    raise self._status_error(response, await response.aread())
                async for line in response.aiter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = json.loads(line[5:])
                    if "error" in data:
                        error_type, code, message = error_fields(data)
                        raise self.error(kind_for_status(500, error_type, code, message), message)
                    if blocked := self._blocked(data):
                        raise blocked
                    usage = _usage(data.get("usageMetadata")) or usage
                    for candidate in data.get("candidates") or []:
                        if candidate.get("index", 0) != 0:
                            continue
                        if text := _text(candidate):
                            yield TextDelta(text)
                        if candidate.get("finishReason"):
                            finish = FINISH.get(candidate["finishReason"], FinishReason.STOP)
        except httpx.HTTPError as exc:
            raise self._transport_error(exc) from None
        except ValueError:
            raise self.error(ErrorKind.SERVER_ERROR, "the stream carried malformed JSON") from None
        if finish is None:
            raise self.error(ErrorKind.CONNECTION, "the stream ended before the provider finished")
        yield StreamEnd(usage, finish)

    async def complete(self, request: ChatRequest) -> Completion:
        try:
            response = await self.client.post(f"{self.model_path}:generateContent", json=self._body(request))
        except httpx.HTTPError as exc:
            raise self._transport_error(exc) from None
        if response.status_code >= 400:
            raise self._status_error(response, response.content)
        try:
            data = response.json()
        except ValueError:
            raise self.error(ErrorKind.SERVER_ERROR, "the reply was not JSON") from None
        if blocked := self._blocked(data):
            raise blocked
        candidates = data.get("candidates") or [{}]
        reason = candidates[0].get("finishReason") or "STOP"
        return Completion(
            _text(candidates[0]), _usage(data.get("usageMetadata")), FINISH.get(reason, FinishReason.STOP)
        )

    async def aclose(self) -> None:
        await self.client.aclose()
