"""The offline mentor: no model at all; it answers from the organisation's own content.

It picks the sentences of the retrieved passages that share the most words with the learner's
question, quotes them with numbered citations, and ends with a guiding question, as a tutor would.
It says plainly that no AI model is configured. In "quiz me", when the mentor chose practice
questions, it asks the first of them instead.
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, Iterable
from typing import ClassVar

from starguide.ai.providers.base import Completion, Provider
from starguide.ai.tokens import estimate_messages_tokens, estimate_text_tokens
from starguide.ai.types import ChatRequest, FinishReason, Passage, ProviderEvent, StreamEnd, TextDelta, Usage

NOTICE = "No AI model is configured here, so I am answering from your organisation's own lessons."
NOTHING_FOUND = (
    "I could not find anything about this in the published lessons yet. Try asking with words from "
    "the lesson you are on, or ask your mentor."
)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_STOPWORD_TEXT = (
    "a an and are as at be but by can do does for from how i if in into is it its me my of on or so "
    "that the their then there these this to was what when where which who why will with you your "
    "explain tell about please help understand mean means"
)
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
MAX_QUOTES = 3
MAX_QUOTE_CHARS = 400
# Passages whose source id starts so are practice questions the mentor chose for "quiz me".
PRACTICE_PREFIX = "practice:"


def key_terms(text: str) -> set[str]:
    return {w for w in (m.lower() for m in _WORD.findall(text)) if len(w) > 1 and w not in STOPWORDS}


def _best_sentences(question: set[str], passages: Iterable[Passage]) -> list[tuple[int, str, int]]:
    """(passage number, sentence, score), best first, at most one sentence per passage."""
    picked: list[tuple[int, str, int]] = []
    for number, passage in enumerate(passages, start=1):
        best: tuple[int, str] | None = None
        for sentence in _SENTENCE.split(passage.text):
            sentence = sentence.strip()
            if len(sentence) < 12:
                continue
            score = len(question & key_terms(sentence)) * 10 - len(sentence) // 200
            if best is None or score > best[0]:
                best = (score, sentence)
        if best is not None:
            picked.append((number, best[1], best[0]))
    picked.sort(key=lambda item: (-item[2], item[0]))
    return picked[:MAX_QUOTES]


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_QUOTE_CHARS else text[: MAX_QUOTE_CHARS - 1].rstrip() + "…"


# The mentor fences the learner's words as data (see mentor/prompts.py); read what is inside.
_FENCED = re.compile(r"<<<data (\w+)>>>[^\n]*\n(.*?)\n<<<end \1>>>", re.DOTALL)


def offline_answer(request: ChatRequest) -> str:
    question = next((m.content for m in reversed(request.messages) if m.role == "user"), "")
    fenced = _FENCED.findall(question)
    if fenced:
        question = fenced[-1][1]
    practice = [p for p in request.passages if p.source_id.startswith(PRACTICE_PREFIX)]
    passages = tuple(p for p in request.passages if not p.source_id.startswith(PRACTICE_PREFIX))
    if practice:
        return _practice_answer(practice[0])
    if not passages:
        return f"{NOTICE}\n\n{NOTHING_FOUND}"
    quotes = _best_sentences(key_terms(question), passages)
    lines = [NOTICE, "", "Here is what the course material says:", ""]
    for number, sentence, _score in quotes:
        lines.append(f"> {_shorten(sentence)} [{number}]")
        lines.append("")
    lines += ["Sources:", ""]
    for number, passage in enumerate(passages, start=1):
        if any(number == q[0] for q in quotes):
            # A Markdown list of links: the web app renders them as links to the lessons.
            title = passage.title.replace("[", "(").replace("]", ")")
            lines.append(f"- [{number}] [{title}]({passage.url})" if passage.url else f"- [{number}] {title}")
    first = passages[quotes[0][0] - 1] if quotes else passages[0]
    shared = sorted(key_terms(question) & key_terms(first.text))
    topic = shared[0] if shared else first.title
    lines += [
        "",
        f"A question to guide you: in your own words, how does “{topic}” fit what “{first.title}” says?",
    ]
    return "\n".join(lines)


def _practice_answer(question: Passage) -> str:
    """For "quiz me": the first practice question the mentor chose (it carries no answer to give away)."""
    lines = [NOTICE, "", f"{question.title}:", "", question.text, "", "What is your answer?"]
    return "\n".join(lines)


class OfflineProvider(Provider):
    kind: ClassVar[str] = "offline"

    def _usage(self, request: ChatRequest, text: str) -> Usage:
        prompt = estimate_messages_tokens(request.messages) + sum(
            estimate_text_tokens(p.text) for p in request.passages
        )
        return Usage(input_tokens=prompt, output_tokens=estimate_text_tokens(text), estimated=True)

    async def stream(self, request: ChatRequest) -> AsyncGenerator[ProviderEvent, None]:
        text = offline_answer(request)
        # Line by line, so the chat shows the answer arriving as it would from a model.
        for line in text.splitlines(keepends=True):
            yield TextDelta(line)
        yield StreamEnd(self._usage(request, text), FinishReason.STOP)

    async def complete(self, request: ChatRequest) -> Completion:
        text = offline_answer(request)
        return Completion(text, self._usage(request, text), FinishReason.STOP)
