"""The normalised interface every provider speaks: messages in, text deltas then usage out."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True, slots=True)
class ChatMessage:
    role: Role
    content: str


@dataclass(frozen=True, slots=True)
class Passage:
    """A piece of the organisation's own content, given to the model (and to `offline`) as data."""

    source_id: str
    title: str
    text: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class ChatRequest:
    messages: tuple[ChatMessage, ...]
    max_tokens: int = 1024
    temperature: float | None = None
    # Retrieved passages: the offline provider answers from them; model providers get them in the prompt.
    passages: tuple[Passage, ...] = ()

    @property
    def system(self) -> str:
        return "\n\n".join(m.content for m in self.messages if m.role == "system")

    @property
    def turns(self) -> list[ChatMessage]:
        return [m for m in self.messages if m.role != "system"]


@dataclass(frozen=True, slots=True)
class Usage:
    input_tokens: int = 0
    cached_input_tokens: int = 0  # part of input_tokens that was served from the provider's cache
    output_tokens: int = 0
    estimated: bool = False  # counted by us, not reported by the provider

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input_tokens + other.input_tokens,
            self.cached_input_tokens + other.cached_input_tokens,
            self.output_tokens + other.output_tokens,
            self.estimated or other.estimated,
        )


class FinishReason(StrEnum):
    STOP = "stop"
    LENGTH = "length"
    CONTENT_FILTER = "content_filter"
    ERROR = "error"  # the stream broke after text was sent
    CANCELLED = "cancelled"  # the client went away


@dataclass(frozen=True, slots=True)
class TextDelta:
    text: str


@dataclass(frozen=True, slots=True)
class StreamEnd:
    """The last event of a provider stream: usage (None when the provider sent none) and why it ended."""

    usage: Usage | None
    finish_reason: FinishReason


ProviderEvent = TextDelta | StreamEnd


@dataclass(frozen=True, slots=True)
class Moderation:
    """A provider's moderation verdict: the categories it flagged (the provider's own names)."""

    flagged: bool
    categories: tuple[str, ...] = ()


class ErrorKind(StrEnum):
    RATE_LIMITED = "rate_limited"
    OVERLOADED = "overloaded"
    SERVER_ERROR = "server_error"
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    CONTEXT_OVERFLOW = "context_overflow"
    AUTH = "auth"
    SPEND_LIMIT = "spend_limit"
    BAD_REQUEST = "bad_request"
    CONTENT_FILTER = "content_filter"
    NOT_FOUND = "not_found"


RETRYABLE = frozenset(
    {
        ErrorKind.RATE_LIMITED,
        ErrorKind.OVERLOADED,
        ErrorKind.SERVER_ERROR,
        ErrorKind.TIMEOUT,
        ErrorKind.CONNECTION,
    }
)
# Errors that say something about this deployment (its key, quota, model), not about the request:
# another deployment may well serve the same request.
FALL_THROUGH = RETRYABLE | {
    ErrorKind.AUTH,
    ErrorKind.SPEND_LIMIT,
    ErrorKind.CONTEXT_OVERFLOW,
    ErrorKind.NOT_FOUND,
}


@dataclass
class ProviderError(Exception):
    """A provider's failure, in our terms. `message` never contains the key or the prompt."""

    kind: ErrorKind
    message: str
    status: int | None = None
    retry_after: float | None = None  # seconds, from the provider's hint
    provider: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        where = f"{self.provider}: " if self.provider else ""
        code = f" (HTTP {self.status})" if self.status else ""
        return f"{where}{self.kind.value}{code}: {self.message}"

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE
