"""What the mentor must never say: the answer to a graded question open for the learner, or flagged content.

The prompt already forbids it, but a prompt is a request, not a guarantee. So the reply passes
through `OutputGuard` on its way to the learner. It
- replaces every occurrence of an open question's answer (the right choices' texts, the accepted
  numeric values and short answers) with a placeholder; to see an answer whole before any of it is
  sent, it withholds as many characters at the end of the stream as the longest answer has (and
  nothing when the learner has no open graded question);
- stops the reply as soon as the built-in moderation filter flags it (the message is then held).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from starguide.content.questions import (
    MultipleChoiceQuestion,
    NumericQuestion,
    ShortTextQuestion,
    SingleChoiceQuestion,
)
from starguide.kit.tenancy import scoped
from starguide.mentor.safety import Flag, check_text
from starguide.quizzes.models import Attempt
from starguide.quizzes.service import load_spec

PLACEHOLDER = "[answer hidden while your assessment is open]"
MODERATION_WINDOW = 80  # characters of sent text looked at again with each delta
_COMMON = frozenset(
    {"yes", "no", "true", "false", "none", "all", "both", "neither", "either", "maybe", "other"}
    | {"a", "b", "c", "d", "i", "ii", "iii", "iv", "it", "is"}
)


async def open_graded_questions(
    session: AsyncSession, organisation_id: uuid.UUID, user_id: uuid.UUID, now: datetime
) -> dict[uuid.UUID, Any]:
    """The questions (parsed specs) of the learner's graded attempts still in progress."""
    attempts = await session.scalars(
        scoped(select(Attempt), Attempt, organisation_id).where(
            Attempt.user_id == user_id,
            Attempt.status == "in_progress",
            Attempt.mode == "assessment",
            or_(Attempt.deadline_at.is_(None), Attempt.deadline_at > now),
        )
    )
    found: dict[uuid.UUID, Any] = {}
    for attempt in attempts:
        for item in attempt.items:
            question_id = uuid.UUID(item["question_id"])
            if question_id not in found:
                found[question_id] = await load_spec(session, question_id, item["version"])
    return found


def answer_phrases(spec: Any) -> list[str]:
    """The strings that would give away the answer to `spec` (empty for types a phrase cannot give away)."""
    phrases: list[str] = []
    if isinstance(spec, SingleChoiceQuestion | MultipleChoiceQuestion):
        phrases += [c.text for c in spec.choices if c.correct or (c.weight or 0) > 0]
    elif isinstance(spec, NumericQuestion):
        for accepted in spec.answers:
            if accepted.credit > 0 and accepted.value is not None:
                phrases.append(f"{accepted.value:g}")
    elif isinstance(spec, ShortTextQuestion):
        phrases += [a.text for a in spec.answers if a.credit > 0 and "*" not in a.text]
    return [p.strip() for p in phrases if p.strip() and p.strip().lower() not in _COMMON]


def _pattern(phrase: str) -> re.Pattern[str]:
    if re.fullmatch(r"-?\d+(?:[.,]\d+)?(?:e[+-]?\d+)?", phrase, re.IGNORECASE):
        number = "[.,]".join(re.escape(part) for part in re.split(r"[.,]", phrase))
        return re.compile(rf"(?<![\d.,]){number}(?![\d]|[.,]\d)", re.IGNORECASE)
    words = r"\s+".join(re.escape(w) for w in phrase.split())
    return re.compile(rf"(?<!\w){words}(?!\w)", re.IGNORECASE)


def answer_patterns(specs: Iterable[Any]) -> list[re.Pattern[str]]:
    phrases = {p for spec in specs for p in answer_phrases(spec)}
    return [_pattern(p) for p in sorted(phrases, key=len, reverse=True)]


def contains_answer(text: str, patterns: Iterable[re.Pattern[str]]) -> bool:
    return any(p.search(text) for p in patterns)


def redact(text: str, patterns: Iterable[re.Pattern[str]], *, final: bool = True) -> tuple[str, int]:
    """`text` with every answer replaced by the placeholder (placeholders already there are kept).

    Unless `final`, a match that reaches the end of `text` is left alone: more text may follow
    that changes it (`3.26` may be the start of `3.265`).
    """
    patterns = list(patterns)
    count = 0
    parts = text.split(PLACEHOLDER)
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        for pattern in patterns:

            def swap(match: re.Match[str], part: str = part, last: bool = last) -> str:
                nonlocal count
                if not final and last and match.end() == len(part):
                    return match.group()
                count += 1
                return PLACEHOLDER

            part = pattern.sub(swap, part)
        parts[index] = part
    return PLACEHOLDER.join(parts), count


@dataclass
class OutputGuard:
    """Feed it the reply's deltas; it returns what may be sent now. `blocked` once moderation fired."""

    patterns: list[re.Pattern[str]] = field(default_factory=list)
    moderate: bool = True
    window: int = 0  # characters withheld: the longest answer pattern (nothing when no answer is guarded)
    pending: str = ""
    sent: list[str] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)
    redactions: int = 0
    flags: list[Flag] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.patterns:
            self.window = max(self.window, max(len(p.pattern) for p in self.patterns) + 1)

    @property
    def blocked(self) -> bool:
        return bool(self.flags)

    @property
    def text(self) -> str:
        """What the learner has been sent (redacted)."""
        return "".join(self.sent)

    def feed(self, delta: str) -> str:
        if self.blocked:
            return ""
        self.raw.append(delta)
        self.pending += delta
        if self.moderate:
            # A phrase is short: look at what is not yet sent plus what came just before it.
            sent_tail = self.text[-MODERATION_WINDOW:]
            self.flags = check_text(sent_tail + self.pending)
            if self.flags:
                self.pending = ""
                return ""
        self.pending, count = redact(self.pending, self.patterns, final=False)
        self.redactions += count
        cut = max(0, len(self.pending) - self.window)
        if self.patterns and cut:
            # Cut after a space, so what stays starts a word (an answer's boundaries are then
            # seen), and never inside a placeholder that was just written.
            cut = self.pending.rfind(" ", 0, cut) + 1
            start = self.pending.rfind(PLACEHOLDER, 0, cut + len(PLACEHOLDER))
            if start != -1 and start < cut < start + len(PLACEHOLDER):
                cut = start
        out, self.pending = self.pending[:cut], self.pending[cut:]
        if out:
            self.sent.append(out)
        return out

    def flush(self) -> str:
        if self.blocked:
            return ""
        out, count = redact(self.pending, self.patterns)
        self.redactions += count
        self.pending = ""
        if out:
            self.sent.append(out)
        return out
