"""The two sides of a review card: the question (no answer) and, when turned over, the answer.

The answer of a question that is part of one of the learner's quiz attempts still in progress is
withheld (409), so the review queue is never a way to look up the answers of an open quiz.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from starguide.content.models import QuestionVersion
from starguide.content.questions import (
    MatchingQuestion,
    MultipleChoiceQuestion,
    NumericQuestion,
    OrderingQuestion,
    Question,
    ShortTextQuestion,
    SingleChoiceQuestion,
    TrueFalseQuestion,
    visible_options,
)
from starguide.content.render import render_text
from starguide.kit.errors import Conflict, NotFound
from starguide.kit.tenancy import scoped
from starguide.learning.models import ReviewCard
from starguide.learning.schemas import ReviewAnswerRead, ReviewPromptRead
from starguide.quizzes.models import Attempt

_QUESTION: TypeAdapter[Any] = TypeAdapter(Question)


def _parse(body: dict[str, Any]) -> Question | None:
    try:
        question: Question = _QUESTION.validate_python(body)
        return question
    except ValidationError:
        return None


async def questions_for(
    session: AsyncSession, org_id: uuid.UUID, cards: list[ReviewCard]
) -> dict[tuple[uuid.UUID, int], Question]:
    """The question version each card was made from, parsed."""
    keys = {(c.question_id, c.question_version) for c in cards}
    if not keys:
        return {}
    rows = await session.execute(
        scoped(select(QuestionVersion), QuestionVersion, org_id).where(
            tuple_(QuestionVersion.question_id, QuestionVersion.version).in_(list(keys))
        )
    )
    out = {}
    for (row,) in rows.all():
        question = _parse(row.body)
        if question is not None:
            out[(row.question_id, row.version)] = question
    return out


def prompt(question: Question) -> ReviewPromptRead:
    options = visible_options(question)
    return ReviewPromptRead(
        type=str(question.type),
        title=question.title,
        text_html=render_text(question.text, question.text_format),
        options=options,
    )


def answer_lines(question: Question) -> list[str]:
    """The correct answer in words (a mentor-graded question has only its explanation)."""
    if isinstance(question, SingleChoiceQuestion):
        return [c.text for c in question.choices if c.correct]
    if isinstance(question, MultipleChoiceQuestion):
        weighted = question.scoring == "weighted"
        return [c.text for c in question.choices if ((c.weight or 0) > 0 if weighted else c.correct)]
    if isinstance(question, TrueFalseQuestion):
        return ["True" if question.answer else "False"]
    if isinstance(question, NumericQuestion):
        best = next((a for a in question.answers if a.credit == 1), question.answers[0])
        unit = f" {question.units[0].name}" if question.units else ""
        if best.value is not None:
            tolerance = f" (± {best.tolerance:g})" if best.tolerance else ""
            return [f"{best.value:g}{unit}{tolerance}"]
        return [f"{best.minimum:g} to {best.maximum:g}{unit}"]
    if isinstance(question, ShortTextQuestion):
        return [next((a.text for a in question.answers if a.credit == 1), question.answers[0].text)]
    if isinstance(question, OrderingQuestion):
        return [f"{n}. {i.text}" for n, i in enumerate(question.items, start=1)]
    if isinstance(question, MatchingQuestion):
        return [f"{p.prompt} → {p.answer}" for p in question.pairs]
    return []


async def _in_open_attempt(
    session: AsyncSession, org_id: uuid.UUID, learner_id: uuid.UUID, question_id: uuid.UUID
) -> bool:
    items = await session.scalars(
        scoped(select(Attempt.items), Attempt, org_id).where(
            Attempt.user_id == learner_id, Attempt.status == "in_progress"
        )
    )
    wanted = str(question_id)
    return any(item.get("question_id") == wanted for row in items for item in row)


async def turn_over(
    session: AsyncSession, org_id: uuid.UUID, learner_id: uuid.UUID, card_id: uuid.UUID
) -> ReviewAnswerRead:
    card = await session.scalar(
        scoped(select(ReviewCard), ReviewCard, org_id).where(
            ReviewCard.id == card_id, ReviewCard.learner_id == learner_id
        )
    )
    if card is None:
        raise NotFound("No such review card.")
    question = (await questions_for(session, org_id, [card])).get((card.question_id, card.question_version))
    if question is None:
        raise NotFound("This card's question no longer exists.")
    if await _in_open_attempt(session, org_id, learner_id, card.question_id):
        raise Conflict("This question is part of a quiz you have not handed in yet; finish it first.")
    return ReviewAnswerRead(
        card_id=card.id,
        answer=answer_lines(question),
        explanation_html=render_text(question.explanation, question.text_format)
        if question.explanation
        else "",
    )
