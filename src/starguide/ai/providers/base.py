"""What every provider implements, and the parsing of error bodies and retry hints they share."""

from __future__ import annotations

import re
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar

from starguide.ai.config import Deployment
from starguide.ai.types import (
    ChatRequest,
    ErrorKind,
    FinishReason,
    Moderation,
    ProviderError,
    ProviderEvent,
    Usage,
)


@dataclass(frozen=True, slots=True)
class Timeouts:
    connect: float = 5.0
    read: float = 60.0  # the longest pause between two chunks


@dataclass(frozen=True, slots=True)
class Completion:
    text: str
    usage: Usage | None
    finish_reason: FinishReason


class Provider(ABC):
    """One deployment with one key. `stream` yields text deltas, then exactly one `StreamEnd`.

    Failures are raised as `ProviderError`; closing the iterator early closes the HTTP response,
    so the provider stops generating (and billing) at once.
    """

    kind: ClassVar[str]

    def __init__(self, deployment: Deployment, api_key: str | None, timeouts: Timeouts) -> None:
        self.deployment = deployment
        self.api_key = api_key
        self.timeouts = timeouts

    @abstractmethod
    def stream(self, request: ChatRequest) -> AsyncGenerator[ProviderEvent, None]: ...

    @abstractmethod
    async def complete(self, request: ChatRequest) -> Completion: ...

    async def moderate(self, text: str) -> Moderation | None:
        """The provider's moderation of `text`, or None when it has no moderation endpoint."""
        return None

    async def aclose(self) -> None:  # noqa: B027 (providers without a client have nothing to close)
        pass

    def error(self, kind: ErrorKind, message: str, **kwargs: Any) -> ProviderError:
        return ProviderError(kind, redact(message, self.api_key), provider=self.deployment.name, **kwargs)


# Provider messages sometimes quote the key ("Incorrect API key provided: sk-ab***yz"): never keep it.
_KEY_LIKE = re.compile(r"\b(sk-|sk_|key-|AIza)[A-Za-z0-9_*.-]{4,}")


def redact(text: str, api_key: str | None = None) -> str:
    if api_key and len(api_key) >= 4:
        text = text.replace(api_key, "[key]")
    return _KEY_LIKE.sub("[key]", text)


_RETRY_IN = re.compile(r"retry in ([0-9.]+)\s*(ms|s)", re.IGNORECASE)
_DURATION = re.compile(r"^([0-9.]+)s$")


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait, from `retry-after-ms`, or `retry-after` in seconds or as an HTTP date."""
    value = headers.get("retry-after-ms")
    if value:
        try:
            return max(0.0, float(value) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def retry_hint_in_body(body: object) -> float | None:
    """Gemini says when to retry in the error body (`RetryInfo.retryDelay`, or "Please retry in 46s")."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None
    for detail in error.get("details") or []:
        delay = detail.get("retryDelay") if isinstance(detail, dict) else None
        if isinstance(delay, str) and (match := _DURATION.match(delay)):
            return float(match.group(1))
    message = error.get("message")
    if isinstance(message, str) and (match := _RETRY_IN.search(message)):
        amount = float(match.group(1))
        return amount / 1000 if match.group(2).lower() == "ms" else amount
    return None


_OVERFLOW_WORDS = (
    "context length",
    "context_length",
    "context window",
    "maximum context",
    "prompt is too long",
    "too many tokens",
    "exceeds the maximum number of tokens",
    "input token count",
)
_SPEND_WORDS = ("insufficient_quota", "spend limit", "spend_limit", "billing", "credit balance", "prepayment")


_AUTH_WORDS = ("api key not valid", "api_key_invalid", "invalid_api_key", "invalid api key")


def kind_for_status(status: int, error_type: str, code: str, message: str) -> ErrorKind:
    """Map an HTTP error to our kinds; the provider's own type and code refine the status."""
    text = f"{error_type} {code} {message}".lower()
    if any(word in text for word in _SPEND_WORDS):
        return ErrorKind.SPEND_LIMIT
    if status == 429:
        return ErrorKind.RATE_LIMITED
    if any(word in text for word in _AUTH_WORDS):
        return ErrorKind.AUTH
    if any(word in text for word in _OVERFLOW_WORDS) or status == 413:
        return ErrorKind.CONTEXT_OVERFLOW
    if status in (401, 403):
        return ErrorKind.AUTH
    if status == 402:
        return ErrorKind.SPEND_LIMIT
    if status == 404:
        return ErrorKind.NOT_FOUND
    if status in (408, 504):
        return ErrorKind.TIMEOUT
    if status in (503, 529) or "overloaded" in text or "unavailable" in text:
        return ErrorKind.OVERLOADED
    if status == 409 or status >= 500:
        return ErrorKind.SERVER_ERROR
    return ErrorKind.BAD_REQUEST


def error_fields(body: object) -> tuple[str, str, str]:
    """(type, code, message) from any of the three providers' error bodies."""
    if not isinstance(body, dict):
        return "", "", str(body or "")[:300]
    error = body.get("error", body)
    if not isinstance(error, dict):
        return "", "", str(error)[:300]
    error_type = str(error.get("type") or error.get("status") or "")
    details = error.get("details")
    code = str(error.get("code") or (details.get("error_code") if isinstance(details, dict) else "") or "")
    return error_type, code, str(error.get("message") or "")[:300]
