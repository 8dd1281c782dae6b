"""A fake AI provider: a real HTTP/1.1 server on loopback speaking OpenAI, Anthropic and Gemini.

Each request is answered from a script queued for its model name (`fake.script(model, Script(...))`),
or from the model's default (`fake.defaults[model]`, else `Script()`). Replies use each provider's
exact JSON and SSE wire formats, streaming included, and the server records what it saw: the headers,
the body, and whether the client hung up before the reply was over.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

DEFAULT_TEXT = "Think about what the loop does on its first pass. What value does it print?"


@dataclass
class Script:
    """How the next request for one model is answered."""

    text: str = DEFAULT_TEXT
    pieces: int = 5  # the text is sent in this many deltas
    error: str | None = None  # rate_limit, overloaded, server, spend_limit, context, auth, bad_request
    retry_after: str | None = None  # the Retry-After header (Gemini: a retryDelay in the body)
    first_token_delay: float = 0.0
    piece_delay: float = 0.0
    cut_after: int | None = None  # drop the connection after this many deltas
    error_after: int | None = None  # send an error event after this many deltas (error names its kind)
    hang_after: int | None = None  # after this many deltas, wait until the client hangs up
    garbage_after: int | None = None  # after this many deltas, send an event that is not JSON
    usage: tuple[int, int, int] | None = (40, 8, 12)  # input (incl. cached), cached input, output
    finish: str = "stop"  # stop or length


@dataclass
class Seen:
    provider: str
    model: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    stream: bool
    disconnected: asyncio.Event = field(default_factory=asyncio.Event)
    finished: bool = False  # the whole reply was sent

    @property
    def api_key(self) -> str | None:
        auth = self.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            return auth[7:]
        return self.headers.get("x-api-key") or self.headers.get("x-goog-api-key")


def split_text(text: str, pieces: int) -> list[str]:
    words = text.split(" ")
    pieces = max(1, min(pieces, len(words)))
    size = -(-len(words) // pieces)
    groups = [" ".join(words[i : i + size]) for i in range(0, len(words), size)]
    return [g if i == 0 else " " + g for i, g in enumerate(groups)]


# ---- error bodies, per provider -------------------------------------------------------------

OPENAI_ERRORS: dict[str, tuple[int, dict[str, Any]]] = {
    "rate_limit": (
        429,
        {"message": "Rate limit reached for requests", "type": "requests", "code": "rate_limit_exceeded"},
    ),
    "overloaded": (
        503,
        {
            "message": "The engine is currently overloaded, please try again later",
            "type": "server_error",
            "code": None,
        },
    ),
    "server": (
        500,
        {
            "message": "The server had an error while processing your request.",
            "type": "server_error",
            "code": None,
        },
    ),
    "spend_limit": (
        429,
        {
            "message": "You exceeded your current quota, please check your plan and billing details.",
            "type": "insufficient_quota",
            "code": "insufficient_quota",
        },
    ),
    "context": (
        400,
        {
            "message": "This model's maximum context length is 128000 tokens. "
            "However, your messages resulted in 130000 tokens.",
            "type": "invalid_request_error",
            "code": "context_length_exceeded",
        },
    ),
    "auth": (
        401,
        {
            "message": "Incorrect API key provided: sk-abc***********wxyz.",
            "type": "invalid_request_error",
            "code": "invalid_api_key",
        },
    ),
    "bad_request": (
        400,
        {"message": "Invalid value for 'messages'.", "type": "invalid_request_error", "code": None},
    ),
}
ANTHROPIC_ERRORS: dict[str, tuple[int, dict[str, Any]]] = {
    "rate_limit": (
        429,
        {
            "type": "rate_limit_error",
            "message": "Number of request tokens has exceeded your per-minute rate limit",
        },
    ),
    "overloaded": (529, {"type": "overloaded_error", "message": "Overloaded"}),
    "server": (500, {"type": "api_error", "message": "Internal server error"}),
    "spend_limit": (
        429,
        {
            "type": "rate_limit_error",
            "message": "You have reached your specified API usage limits.",
            "details": {"error_code": "enforced_spend_limit_reached"},
        },
    ),
    "context": (
        400,
        {"type": "invalid_request_error", "message": "prompt is too long: 210000 tokens > 200000 maximum"},
    ),
    "auth": (401, {"type": "authentication_error", "message": "invalid x-api-key"}),
    "bad_request": (400, {"type": "invalid_request_error", "message": "messages: roles must alternate"}),
}
GEMINI_ERRORS: dict[str, tuple[int, dict[str, Any]]] = {
    "rate_limit": (
        429,
        {"status": "RESOURCE_EXHAUSTED", "message": "Resource has been exhausted (e.g. check quota)."},
    ),
    "overloaded": (
        503,
        {"status": "UNAVAILABLE", "message": "The model is overloaded. Please try again later."},
    ),
    "server": (500, {"status": "INTERNAL", "message": "An internal error has occurred."}),
    "spend_limit": (
        429,
        {"status": "RESOURCE_EXHAUSTED", "message": "Your prepayment credits are depleted."},
    ),
    "context": (
        400,
        {
            "status": "INVALID_ARGUMENT",
            "message": "The input token count (1200000) exceeds the maximum number of tokens allowed "
            "(1048576).",
        },
    ),
    "auth": (
        400,
        {
            "status": "INVALID_ARGUMENT",
            "message": "API key not valid. Please pass a valid API key.",
            "details": [{"reason": "API_KEY_INVALID"}],
        },
    ),
    "bad_request": (400, {"status": "INVALID_ARGUMENT", "message": "Request contains an invalid argument."}),
}


MODERATION_CATEGORIES = (
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/intent",
    "self-harm/instructions",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
)


class FakeProviderServer:
    def __init__(self) -> None:
        self.scripts: dict[str, deque[Script]] = defaultdict(deque)
        # How a model with no script queued answers (a benchmark's paced replies); else `Script()`.
        self.defaults: dict[str, Script] = {}
        self.seen: list[Seen] = []
        # OpenAI moderation: an input containing a key (case-insensitive) is flagged in its categories.
        self.moderation_flags: dict[str, list[str]] = {}
        self.moderation_error: str | None = None  # answer moderation requests with this error kind
        self.moderated: list[str] = []
        self.connections = 0  # TCP connections accepted (a client that reuses one opens it once)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # ---- control ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def script(self, model: str, *scripts: Script) -> None:
        self.scripts[model].extend(scripts)

    def requests_for(self, model: str) -> list[Seen]:
        return [s for s in self.seen if s.model == model]

    async def start(self) -> FakeProviderServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    def start_in_thread(self) -> FakeProviderServer:
        """Serve from a thread of its own (for benchmarks: the server does not share the client's loop)."""
        ready = threading.Event()

        def run() -> None:
            async def main() -> None:
                self._loop = asyncio.get_running_loop()
                await self.start()
                ready.set()
                assert self._server is not None
                with contextlib.suppress(asyncio.CancelledError):
                    await self._server.serve_forever()

            asyncio.run(main())

        self._thread = threading.Thread(target=run, daemon=True, name="fake-ai-provider")
        self._thread.start()
        ready.wait(10)
        return self

    def stop_thread(self) -> None:
        if self._loop is not None and self._server is not None:
            self._loop.call_soon_threadsafe(self._server.close)
        if self._thread is not None:
            self._thread.join(5)

    # ---- HTTP -------------------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # or each reply waits ~40 ms
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                method, target, _ = line.decode("latin-1").split(" ", 2)
                headers: dict[str, str] = {}
                while True:
                    raw = await reader.readline()
                    if raw in (b"\r\n", b"\n", b""):
                        break
                    name, value = raw.decode("latin-1").split(":", 1)
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                keep_alive = await self._dispatch(method, target, headers, body, reader, writer)
                if not keep_alive:
                    return
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            return
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    async def _dispatch(
        self,
        method: str,
        target: str,
        headers: dict[str, str],
        raw: bytes,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> bool:
        path = urlsplit(target).path
        body: dict[str, Any] = json.loads(raw) if raw else {}
        if method != "POST":
            return await self._send_json(writer, 404, {"error": {"message": "not found"}})
        if path.endswith("/moderations"):
            return await self._moderate(writer, headers, body)
        if path.endswith("/chat/completions"):
            provider, model, stream = "openai", str(body.get("model")), bool(body.get("stream"))
        elif path.endswith("/v1/messages"):
            provider, model, stream = "anthropic", str(body.get("model")), bool(body.get("stream"))
        elif "/models/" in path and ":" in path:
            model, action = unquote(path.split("/models/", 1)[1]).rsplit(":", 1)
            provider, stream = "gemini", action == "streamGenerateContent"
        else:
            return await self._send_json(writer, 404, {"error": {"message": f"no route {path}"}})
        seen = Seen(provider, model, path, headers, body, stream)
        self.seen.append(seen)
        queue = self.scripts.get(model)
        script = queue.popleft() if queue else self.defaults.get(model) or Script()
        if script.error and script.error_after is None:
            return await self._send_error(writer, provider, script)
        if script.first_token_delay and not stream:
            await asyncio.sleep(script.first_token_delay)
        if not stream:
            ok = await self._send_json(writer, 200, self._whole(provider, model, script))
            seen.finished = True
            return ok
        return await self._stream(provider, model, script, seen, reader, writer)

    async def _moderate(
        self, writer: asyncio.StreamWriter, headers: dict[str, str], body: dict[str, Any]
    ) -> bool:
        """`POST /v1/moderations`, as OpenAI answers it (omni-moderation: 13 categories)."""
        self.seen.append(Seen("openai", str(body.get("model")), "/v1/moderations", headers, body, False))
        if self.moderation_error:
            status, error = OPENAI_ERRORS[self.moderation_error]
            return await self._send_json(writer, status, {"error": {"param": None, **error}})
        inputs = body.get("input")
        texts = [inputs] if isinstance(inputs, str) else [str(i) for i in inputs or []]
        results = []
        for text in texts:
            self.moderated.append(text)
            on = {
                c for key, cats in self.moderation_flags.items() if key.lower() in text.lower() for c in cats
            }
            categories = {name: name in on for name in MODERATION_CATEGORIES}
            results.append(
                {
                    "flagged": bool(on),
                    "categories": categories,
                    "category_scores": {name: 0.97 if flag else 0.0001 for name, flag in categories.items()},
                    "category_applied_input_types": {
                        name: ["text"] if flag else [] for name, flag in categories.items()
                    },
                }
            )
        return await self._send_json(
            writer, 200, {"id": "modr-fake", "model": "omni-moderation-latest", "results": results}
        )

    async def _send_json(
        self, writer: asyncio.StreamWriter, status: int, payload: object, extra: dict[str, str] | None = None
    ) -> bool:
        data = json.dumps(payload).encode()
        head = [f"HTTP/1.1 {status} X", "content-type: application/json", f"content-length: {len(data)}"]
        head += [f"{k}: {v}" for k, v in (extra or {}).items()]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
        await writer.drain()
        return True

    async def _send_error(self, writer: asyncio.StreamWriter, provider: str, script: Script) -> bool:
        assert script.error is not None
        extra = {"retry-after": script.retry_after} if script.retry_after else {}
        if provider == "openai":
            status, error = OPENAI_ERRORS[script.error]
            payload: dict[str, Any] = {"error": {"param": None, **error}}
            extra["x-request-id"] = "req_fake"
        elif provider == "anthropic":
            status, error = ANTHROPIC_ERRORS[script.error]
            payload = {"type": "error", "error": error, "request_id": "req_fake"}
        else:
            status, error = GEMINI_ERRORS[script.error]
            payload = {"error": {"code": status, **error}}
            if script.retry_after:
                extra = {}  # Gemini sends no rate-limit headers: the hint is in the body
                payload["error"]["details"] = [
                    {
                        "@type": "type.googleapis.com/google.rpc.RetryInfo",
                        "retryDelay": f"{script.retry_after}s",
                    }
                ]
        return await self._send_json(writer, status, payload, extra)

    # ---- whole replies ----------------------------------------------------------------------

    @staticmethod
    def _whole(provider: str, model: str, script: Script) -> dict[str, Any]:
        prompt, cached, output = script.usage or (0, 0, 0)
        if provider == "openai":
            reply: dict[str, Any] = {
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "created": 1,
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": script.text, "refusal": None},
                        "logprobs": None,
                        "finish_reason": script.finish,
                    }
                ],
            }
            if script.usage:
                reply["usage"] = {
                    "prompt_tokens": prompt,
                    "completion_tokens": output,
                    "total_tokens": prompt + output,
                    "prompt_tokens_details": {"cached_tokens": cached},
                }
            return reply
        if provider == "anthropic":
            return {
                "id": "msg_fake",
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": [{"type": "text", "text": script.text}],
                "stop_reason": "end_turn" if script.finish == "stop" else "max_tokens",
                "stop_sequence": None,
                "usage": {
                    "input_tokens": prompt - cached,
                    "cache_read_input_tokens": cached,
                    "cache_creation_input_tokens": 0,
                    "output_tokens": output,
                },
            }
        return {
            "candidates": [
                {
                    "content": {"role": "model", "parts": [{"text": script.text}]},
                    "finishReason": "STOP" if script.finish == "stop" else "MAX_TOKENS",
                    "index": 0,
                }
            ],
            "usageMetadata": {
                "promptTokenCount": prompt,
                "cachedContentTokenCount": cached,
                "candidatesTokenCount": output,
                "totalTokenCount": prompt + output,
            },
            "modelVersion": model,
        }

    # ---- streams ----------------------------------------------------------------------------

    @staticmethod
    def _events(
        provider: str, model: str, script: Script, pieces: list[str], include_usage: bool
    ) -> tuple[list[bytes], list[bytes], list[bytes]]:
        """(events before the text, one event per text piece, events after the text)."""
        prompt, cached, output = script.usage or (0, 0, 0)

        def sse(data: object, event: str | None = None) -> bytes:
            head = f"event: {event}\n" if event else ""
            return f"{head}data: {json.dumps(data)}\n\n".encode()

        if provider == "openai":
            base = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1, "model": model}
            before = [
                sse(
                    {
                        **base,
                        "choices": [
                            {"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}
                        ],
                    }
                )
            ]
            middle = [
                sse({**base, "choices": [{"index": 0, "delta": {"content": p}, "finish_reason": None}]})
                for p in pieces
            ]
            after = [sse({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": script.finish}]})]
            if include_usage and script.usage:
                after.append(
                    sse(
                        {
                            **base,
                            "choices": [],
                            "usage": {
                                "prompt_tokens": prompt,
                                "completion_tokens": output,
                                "total_tokens": prompt + output,
                                "prompt_tokens_details": {"cached_tokens": cached},
                            },
                        }
                    )
                )
            after.append(b"data: [DONE]\n\n")
            return before, middle, after
        if provider == "anthropic":
            usage = {
                "input_tokens": prompt - cached,
                "cache_read_input_tokens": cached,
                "cache_creation_input_tokens": 0,
                "output_tokens": 1,
            }
            message = {
                "id": "msg_fake",
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": usage,
            }
            before = [
                sse({"type": "message_start", "message": message}, "message_start"),
                sse(
                    {
                        "type": "content_block_start",
                        "index": 0,
                        "content_block": {"type": "text", "text": ""},
                    },
                    "content_block_start",
                ),
                sse({"type": "ping"}, "ping"),
            ]
            middle = [
                sse(
                    {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": p}},
                    "content_block_delta",
                )
                for p in pieces
            ]
            stop = "end_turn" if script.finish == "stop" else "max_tokens"
            after = [
                sse({"type": "content_block_stop", "index": 0}, "content_block_stop"),
                sse(
                    {
                        "type": "message_delta",
                        "delta": {"stop_reason": stop, "stop_sequence": None},
                        "usage": {"output_tokens": output},
                    },
                    "message_delta",
                ),
                sse({"type": "message_stop"}, "message_stop"),
            ]
            return before, middle, after
        partial_usage = {"promptTokenCount": prompt, "totalTokenCount": prompt}
        middle = [
            sse(
                {
                    "candidates": [{"content": {"role": "model", "parts": [{"text": p}]}, "index": 0}],
                    "usageMetadata": partial_usage,
                    "modelVersion": model,
                }
            )
            for p in pieces
        ]
        final: dict[str, Any] = {
            "candidates": [
                {
                    "content": {"role": "model", "parts": [{"text": ""}]},
                    "finishReason": "STOP" if script.finish == "stop" else "MAX_TOKENS",
                    "index": 0,
                }
            ],
            "modelVersion": model,
        }
        if script.usage:
            final["usageMetadata"] = {
                "promptTokenCount": prompt,
                "cachedContentTokenCount": cached,
                "candidatesTokenCount": output,
                "totalTokenCount": prompt + output,
            }
        return [], middle, [sse(final)]

    @staticmethod
    def _stream_error(provider: str, kind: str) -> bytes:
        if provider == "openai":
            error = OPENAI_ERRORS[kind][1]
            return f"data: {json.dumps({'error': error})}\n\n".encode()
        if provider == "anthropic":
            error = ANTHROPIC_ERRORS[kind][1]
            return f"event: error\ndata: {json.dumps({'type': 'error', 'error': error})}\n\n".encode()
        status, error = GEMINI_ERRORS[kind]
        return f"data: {json.dumps({'error': {'code': status, **error}})}\n\n".encode()

    async def _stream(
        self,
        provider: str,
        model: str,
        script: Script,
        seen: Seen,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> bool:
        include_usage = bool((seen.body.get("stream_options") or {}).get("include_usage"))
        before, middle, after = self._events(
            provider, model, script, split_text(script.text, script.pieces), include_usage
        )
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n"
            b"transfer-encoding: chunked\r\n\r\n"
        )

        async def hung_up() -> None:
            # The client sends nothing while it reads a reply: end of input means it went away.
            while await reader.read(1024):
                pass
            seen.disconnected.set()

        watcher = asyncio.create_task(hung_up())

        async def pause(seconds: float) -> bool:
            """Wait; False when the client hung up meanwhile."""
            if seconds <= 0:
                return not seen.disconnected.is_set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(seen.disconnected.wait(), seconds)
            return not seen.disconnected.is_set()

        def chunk(data: bytes) -> None:
            writer.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")

        try:
            for event in before:
                chunk(event)
            await writer.drain()
            if not await pause(script.first_token_delay):
                return False
            for number, event in enumerate(middle):
                if number == script.cut_after:
                    writer.transport.abort()  # mid-stream: no terminating chunk, no usage
                    return False
                if number == script.error_after and script.error:
                    chunk(self._stream_error(provider, script.error))
                    break
                if number == script.garbage_after:
                    named = b"event: content_block_delta\n" if provider == "anthropic" else b""
                    chunk(named + b"data: {this is not json\n\n")
                    break
                if number == script.hang_after:
                    await writer.drain()
                    await pause(30)
                    return False
                if number and not await pause(script.piece_delay):
                    return False
                chunk(event)
                await writer.drain()
            else:
                for event in after:
                    chunk(event)
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            writer.write(b"0\r\n\r\n")
            await writer.drain()
            seen.finished = True
            return True
        except ConnectionError:
            seen.disconnected.set()
            return False
        finally:
            if not watcher.done():
                watcher.cancel()
