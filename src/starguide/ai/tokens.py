"""Token estimates without a tokenizer: characters per token by script, good to about 15%.

A downloaded tokenizer would need its tables at run time (no internet here), and each provider
counts differently anyway. Estimates serve budgets (reserving worst-case cost) and streams cut
before the provider reported usage; they are stored marked as estimates.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from starguide.ai.types import ChatMessage

# BPE vocabularies hold whole words of Latin-script languages (about 4 characters a token), much
# less of other alphabets (about 2), and roughly one token per ideograph or syllable block.
_IDEOGRAPHIC = re.compile(
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002fa1f]"
)
_OTHER_SCRIPTS = re.compile(r"[\u0370-\u1fff\u2c00-\u2dff\ua640-\ua6ff]")
_SYMBOLS = re.compile(r"[\U0001f000-\U0001faff\u2600-\u27bf]")  # emoji: several tokens each
MESSAGE_OVERHEAD = 4  # role markers and separators around each message


def estimate_text_tokens(text: str) -> int:
    if not text:
        return 0
    if text.isascii():
        return math.ceil(len(text) / 4)
    ideographs = len(_IDEOGRAPHIC.findall(text))
    others = len(_OTHER_SCRIPTS.findall(text))
    symbols = len(_SYMBOLS.findall(text))
    rest = len(text) - ideographs - others - symbols
    return math.ceil(rest / 4 + others / 2 + ideographs * 1.0 + symbols * 2.5)


def estimate_messages_tokens(messages: Iterable[ChatMessage]) -> int:
    return sum(estimate_text_tokens(m.content) + MESSAGE_OVERHEAD for m in messages) + 3
