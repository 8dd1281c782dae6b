"""Server-sent events over plain ASGI: a client that hangs up cancels the stream at once.

Starlette's `StreamingResponse` notices a departed client only at its next write (under ASGI 2.4)
and leaves the generator to the garbage collector; an AI stream would keep the provider generating
(and billing) meanwhile. This response watches for `http.disconnect` while it streams, cancels the
producer as soon as it arrives, and always closes the generator.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncGenerator
from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send


def sse_event(event: str, data: Any) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'), default=str)}\n\n".encode()


class EventStreamResponse(Response):
    media_type = "text/event-stream"

    def __init__(self, events: AsyncGenerator[bytes, None], headers: dict[str, str] | None = None) -> None:
        super().__init__(
            content=None,
            status_code=200,
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no", **(headers or {})},
        )
        self.events = events
        # No length: the body is a stream (Response would announce the empty placeholder's 0 bytes).
        self.raw_headers = [(k, v) for k, v in self.raw_headers if k != b"content-length"]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def pump() -> None:
            await send(
                {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
            )
            async for chunk in self.events:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass

        producer = asyncio.ensure_future(pump())
        watcher = asyncio.ensure_future(watch())
        try:
            await asyncio.wait({producer, watcher}, return_when=asyncio.FIRST_COMPLETED)
            if not producer.done():
                producer.cancel()  # the client left: stop the upstream call now
            with contextlib.suppress(asyncio.CancelledError, OSError):
                await producer
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            if not producer.done():
                producer.cancel()
                with contextlib.suppress(asyncio.CancelledError, OSError):
                    await producer
            await self.events.aclose()
