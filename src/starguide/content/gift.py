"""Moodle GIFT question files read into our question types, with every error reported by line.

Supported: `//` comment lines, `$CATEGORY: a/b`, `::title::`, `[markdown]`/`[html]`/`[plain]`/`[moodle]`
text formats, escapes `\\~ \\= \\# \\{ \\} \\: \\\\ \\n`, multiple choice (`=` right, `~` wrong, `~%50%`
weights, several right answers by positive weights), true/false (`{T}`, `{TRUE}`, `{F}`, `{FALSE}`
with `#wrong#right` feedback), short answer (`{=a =b}`, `%50%` partial), matching (`{=x -> y}`, a
pair with an empty left side is a distractor), numeric (`{#3.14:0.01}`, `{#1..5}`, several answers
`{#=%100%3.14:0.01 =%50%3:1}`), essay (`{}`), per-answer feedback `#...`, general feedback `####...`
and "missing word" text around the answer block. Questions are separated by blank lines.
A file with any error imports nothing: `parse_gift` raises `GiftErrors` listing them all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from starguide.content.questions import Question

_QUESTION: TypeAdapter[Any] = TypeAdapter(Question)
_ESCAPABLE = "~=#{}:\\"
_WEIGHT = re.compile(r"^\s*%(-?\d+(?:\.\d+)?)%")
_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_NUMERIC_VALUE = re.compile(rf"^({_NUMBER})(?:\s*:\s*({_NUMBER}))?$")
_NUMERIC_RANGE = re.compile(rf"^({_NUMBER})\s*\.\.\s*({_NUMBER})$")
_FORMATS = {"markdown": "markdown", "html": "html", "plain": "plain", "moodle": "plain"}
MAX_ERRORS = 200


@dataclass(frozen=True)
class GiftError:
    line: int
    message: str


class GiftErrors(ValueError):
    """The file has errors; `errors` lists each one with its line (1-based)."""

    def __init__(self, errors: list[GiftError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"line {e.line}: {e.message}" for e in errors[:5]))


@dataclass(frozen=True)
class GiftQuestion:
    line: int
    category: str | None
    question: Any  # one of the `Question` union's classes


class _Fail(Exception):
    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset = offset
        self.message = message


def _find(text: str, token: str, start: int = 0) -> int:
    """Index of the first unescaped `token` at or after `start`, or -1."""
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(token, i):
            return i
        i += 1
    return -1


def _unescape(text: str) -> str:
    out = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt in _ESCAPABLE:
                out.append(nxt)
                i += 2
                continue
            if nxt == "n":
                out.append("\n")
                i += 2
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def _clean(text: str) -> str:
    return _unescape(text).strip()


@dataclass
class _Part:
    """One answer inside the braces: its marker (`=`, `~` or `#`), its text, where it starts."""

    marker: str
    body: str
    offset: int

    def split_feedback(self) -> tuple[str, str | None]:
        cut = _find(self.body, "#")
        if cut < 0:
            return self.body, None
        return self.body[:cut], _clean(self.body[cut + 1 :]) or None

    def weight(self) -> tuple[float | None, str]:
        match = _WEIGHT.match(self.body)
        if not match:
            return None, self.body
        return float(match.group(1)), self.body[match.end() :]


def _split_answers(body: str, base: int, markers: str = "=~") -> list[_Part]:
    parts: list[_Part] = []
    i = 0
    lead_end = len(body)
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            i += 2
            continue
        if ch in markers:
            if not parts:
                lead_end = i
            start = i + 1
            i += 1
            while i < len(body):
                if body[i] == "\\":
                    i += 2
                    continue
                if body[i] in markers:
                    break
                i += 1
            parts.append(_Part(ch, body[start : min(i, len(body))], base + start))
            continue
        i += 1
    if body[:lead_end].strip():
        raise _Fail(base, f"unexpected text {body[:lead_end].strip()[:40]!r} before the first answer")
    return parts


def _numeric_answer(spec: str, offset: int) -> dict[str, Any]:
    spec = spec.strip()
    if match := _NUMERIC_RANGE.match(spec):
        low, high = float(match.group(1)), float(match.group(2))
        if low > high:
            raise _Fail(offset, f"range {spec!r}: the minimum is above the maximum")
        return {"minimum": low, "maximum": high}
    if match := _NUMERIC_VALUE.match(spec):
        return {"value": float(match.group(1)), "tolerance": abs(float(match.group(2) or 0))}
    raise _Fail(offset, f"{spec[:40]!r} is not a number, `value:tolerance` or `min..max`")


def _numeric(body: str, base: int) -> dict[str, Any]:
    inner = body[1:]  # after the leading "#"
    if inner.lstrip().startswith("="):
        answers = []
        for part in _split_answers(inner, base + 1, markers="="):
            weight, rest = part.weight()
            part.body = rest
            spec, feedback = part.split_feedback()
            answer = _numeric_answer(_unescape(spec), part.offset)
            answer["credit"] = _credit(weight if weight is not None else 100, part.offset)
            if feedback:
                answer["feedback"] = feedback
            answers.append(answer)
    else:
        part = _Part("#", inner, base + 1)
        spec, feedback = part.split_feedback()
        answer = _numeric_answer(_unescape(spec), base + 1)
        if feedback:
            answer["feedback"] = feedback
        answers = [answer]
    return {"type": "numeric", "answers": answers}


def _credit(weight: float, offset: int) -> float:
    if not 0 <= weight <= 100:
        raise _Fail(offset, f"weight {weight:g}% must be between 0 and 100 here")
    return weight / 100


def _true_false(head: str, feedback: list[str]) -> dict[str, Any] | None:
    word = head.strip().upper()
    if word not in {"T", "TRUE", "F", "FALSE"}:
        return None
    answer = word.startswith("T")
    wrong = feedback[0] if feedback else None
    right = feedback[1] if len(feedback) > 1 else None
    data: dict[str, Any] = {"type": "true_false", "answer": answer}
    data["feedback_false" if answer else "feedback_true"] = wrong
    data["feedback_true" if answer else "feedback_false"] = right
    return data


def _choices(parts: list[_Part], base: int) -> dict[str, Any]:
    choices: list[dict[str, Any]] = []
    for index, part in enumerate(parts):
        weight, rest = part.weight()
        part.body = rest
        text, feedback = part.split_feedback()
        if weight is None:
            weight = 100.0 if part.marker == "=" else 0.0
        elif part.marker == "=":
            raise _Fail(part.offset, "a `=` answer is the right one; put weights on `~` answers")
        if not -100 <= weight <= 100:
            raise _Fail(part.offset, f"weight {weight:g}% must be between -100 and 100")
        if not _clean(text):
            raise _Fail(part.offset, "an answer has no text")
        choices.append(
            {
                "id": _choice_id(index),
                "text": _clean(text),
                "correct": weight > 0,
                "weight": weight,
                "feedback": feedback,
            }
        )
    full = [c for c in choices if c["weight"] == 100]
    positive = [c for c in choices if c["weight"] > 0]
    if len(full) == 1:
        # One right answer (others may be partly right): a single choice with partial credit.
        for c in choices:
            c["correct"] = c is full[0]
            c["weight"] = c["weight"] if 0 < c["weight"] < 100 else None
        return {"type": "single_choice", "choices": choices}
    if len(full) > 1:
        raise _Fail(base, "several answers are marked fully right; use `~%50%` weights for multiple answers")
    if not positive:
        raise _Fail(base, "no answer is marked right (`=` or a positive `~%n%` weight)")
    total = sum(c["weight"] for c in positive)
    if abs(total - 100) > 1:
        raise _Fail(base, f"the positive weights add up to {total:g}%, not 100%")
    return {"type": "multiple_choice", "scoring": "weighted", "choices": choices}


def _choice_id(index: int) -> str:
    return chr(ord("a") + index) if index < 26 else f"c{index}"


def _matching(parts: list[_Part]) -> dict[str, Any]:
    pairs: list[dict[str, str]] = []
    distractors: list[str] = []
    for part in parts:
        text, _feedback = part.split_feedback()  # Moodle has no feedback per matching pair
        cut = _find(text, "->")
        if cut < 0:
            raise _Fail(part.offset, "every answer of a matching question has the form `=left -> right`")
        left, right = _clean(text[:cut]), _clean(text[cut + 2 :])
        if not right:
            raise _Fail(part.offset, "a matching pair has nothing after `->`")
        if left:
            pairs.append({"id": f"p{len(pairs) + 1}", "prompt": left, "answer": right})
        else:
            distractors.append(right)
    if len(pairs) < 2:
        raise _Fail(parts[0].offset, "a matching question needs at least two pairs")
    return {"type": "matching", "pairs": pairs, "distractors": distractors}


def _short_text(parts: list[_Part]) -> dict[str, Any]:
    answers = []
    for part in parts:
        weight, rest = part.weight()
        part.body = rest
        text, feedback = part.split_feedback()
        if not _clean(text):
            raise _Fail(part.offset, "an answer has no text")
        answer: dict[str, Any] = {"text": _clean(text)}
        if weight is not None:
            answer["credit"] = _credit(weight, part.offset)
        if feedback:
            answer["feedback"] = feedback
        answers.append(answer)
    wildcards = any("*" in a["text"] for a in answers)
    return {"type": "short_text", "answers": answers, "wildcards": wildcards}


def _answers(body: str, base: int) -> dict[str, Any]:
    """The type-specific part of a question from the text between its braces."""
    general = _find(body, "####")
    extra: dict[str, Any] = {}
    if general >= 0:
        extra["explanation"] = _clean(body[general + 4 :])
        body = body[:general]
    if not body.strip():
        return {"type": "free_text", **extra}
    stripped = body.lstrip()
    lead = len(body) - len(stripped)
    if stripped.startswith("#"):
        return {**_numeric(stripped, base + lead), **extra}
    head_end = _find(body, "#")
    head = body if head_end < 0 else body[:head_end]
    if _find(head, "=") < 0 and _find(head, "~") < 0:
        feedback = [_clean(f) for f in _split_hashes(body[head_end + 1 :])] if head_end >= 0 else []
        tf = _true_false(head, feedback)
        if tf is None:
            raise _Fail(base, f"cannot read the answers {body.strip()[:40]!r}")
        return {**tf, **extra}
    parts = _split_answers(body, base)
    if all(p.marker == "=" for p in parts):
        if any(_find(p.body, "->") >= 0 for p in parts):
            return {**_matching(parts), **extra}
        return {**_short_text(parts), **extra}
    return {**_choices(parts, base), **extra}


def _split_hashes(text: str) -> list[str]:
    out = []
    while True:
        cut = _find(text, "#")
        if cut < 0:
            out.append(text)
            return out
        out.append(text[:cut])
        text = text[cut + 1 :]


def _question(text: str) -> tuple[dict[str, Any], int]:
    """A question's data from one block of text, and the offset of its answer block."""
    data: dict[str, Any] = {}
    rest_start = 0
    stripped = text.lstrip()
    if stripped.startswith("::"):
        start = len(text) - len(stripped) + 2
        end = _find(text, "::", start)
        if end < 0:
            raise _Fail(start - 2, "the title has no closing `::`")
        title = _clean(text[start:end])
        if title:
            data["title"] = title[:200]
        rest_start = end + 2
    open_at = _find(text, "{", rest_start)
    if open_at < 0:
        raise _Fail(rest_start, "no answer block: a question needs `{...}` (use `{}` for an essay)")
    close_at = _find(text, "}", open_at + 1)
    if close_at < 0:
        raise _Fail(open_at, "the answer block `{` is never closed")
    if _find(text[open_at + 1 : close_at], "{") >= 0:
        raise _Fail(open_at, "an answer block cannot contain `{`; escape it as `\\{`")
    if _find(text, "{", close_at + 1) >= 0:
        raise _Fail(close_at + 1, "a question has one answer block only")
    before = text[rest_start:open_at]
    after = text[close_at + 1 :]
    fmt = re.match(r"^\s*\[(\w+)\]", before)
    if fmt:
        name = fmt.group(1).lower()
        if name not in _FORMATS:
            raise _Fail(rest_start, f"unknown text format [{fmt.group(1)}]")
        data["text_format"] = _FORMATS[name]
        before = before[fmt.end() :]
    question_text = _clean(before)
    if _clean(after):
        question_text = f"{question_text} _____ {_clean(after)}"  # "missing word" form
    data["text"] = question_text
    data.update(_answers(text[open_at + 1 : close_at], open_at + 1))
    return data, open_at


def _blocks(source: str) -> list[tuple[int, list[str]]]:
    """Blocks of non-blank, non-comment lines with the number of their first line."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    first = 0
    for number, line in enumerate(source.splitlines(), start=1):
        if line.lstrip().startswith("//"):
            continue
        if not line.strip():
            if current:
                blocks.append((first, current))
                current = []
            continue
        if not current:
            first = number
        current.append(line)
    if current:
        blocks.append((first, current))
    return blocks


def _line_of(text: str, offset: int, first: int) -> int:
    return first + text.count("\n", 0, max(0, min(offset, len(text))))


def _validation_message(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"][1:]) or "question"
    return f"{where}: {err['msg'].removeprefix('Value error, ')}"


def parse_gift(source: str) -> list[GiftQuestion]:
    """Every question of a GIFT file; raises `GiftErrors` listing every error when there is any."""
    source = source.removeprefix("\ufeff")
    questions: list[GiftQuestion] = []
    errors: list[GiftError] = []
    category: str | None = None
    for first, lines in _blocks(source):
        if lines[0].strip().startswith("$CATEGORY:"):
            category = lines[0].strip()[len("$CATEGORY:") :].strip() or None
            lines = lines[1:]
            first += 1
            if not lines:
                continue
        text = "\n".join(lines)
        try:
            data, answers_at = _question(text)
        except _Fail as fail:
            errors.append(GiftError(_line_of(text, fail.offset, first), fail.message))
        else:
            try:
                question = _QUESTION.validate_python(data)
            except ValidationError as exc:
                errors.append(GiftError(_line_of(text, answers_at, first), _validation_message(exc)))
            else:
                questions.append(GiftQuestion(first, category, question))
        if len(errors) >= MAX_ERRORS:
            errors.append(GiftError(first, f"more than {MAX_ERRORS} errors; stopped reading"))
            break
    if errors:
        raise GiftErrors(errors)
    if not questions:
        raise GiftErrors([GiftError(1, "the file has no questions")])
    return questions
