"""Any OpenAI-compatible server by base URL (Ollama, vLLM, llama.cpp server, LM Studio), via the SDK."""

from __future__ import annotations

from typing import ClassVar

from starguide.ai.config import Deployment
from starguide.ai.providers.base import Timeouts
from starguide.ai.providers.openai import OpenAIProvider


class OpenAICompatProvider(OpenAIProvider):
    kind: ClassVar[str] = "openai_compat"
    # Ollama, llama.cpp and LM Studio know `max_tokens`; `max_completion_tokens` is OpenAI's own.
    max_tokens_field: ClassVar[str] = "max_tokens"
    # Current Ollama, vLLM and llama.cpp send the usage chunk when asked; a server that ignores the
    # option simply sends none, and the router then records an estimate marked as such.
    send_stream_options: ClassVar[bool] = True

    def __init__(self, deployment: Deployment, api_key: str | None, timeouts: Timeouts) -> None:
        if not deployment.base_url:
            raise ValueError(
                f"deployment {deployment.name!r} needs a base_url (e.g. http://127.0.0.1:11434/v1)"
            )
        super().__init__(deployment, api_key or "none", timeouts)
