"""Plain rows of the learning tables for batches: read with Core selects, written back set-wise.

A batch of events touches a few hundred rows. As ORM instances, every attribute change goes through
the instrumentation and the unit of work groups the changed rows by the set of columns that changed,
which is most of a batch's time. In a batch the engine works on these plain dataclasses instead
(the same attribute names as the models, so the handlers read and write them alike); each table's
`Tracked` remembers the rows it loaded and their values, and at the end of the batch inserts the new
rows and updates the changed ones with one `executemany` a statement.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from operator import attrgetter
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from starguide.kit.time import utcnow
from starguide.learning.models import (
    Assist,
    CompletedItem,
    DailyActivity,
    ItemDifficulty,
    LearningProfile,
    ReviewCard,
    SkillMastery,
)


@dataclass(slots=True, eq=False)
class ProfileRow:
    id: uuid.UUID
    organisation_id: uuid.UUID
    learner_id: uuid.UUID
    xp_total: int
    level: int
    daily_goal_xp: int
    desired_retention: float
    leaderboard_mode: str
    streak_current: int
    streak_longest: int
    streak_last_counted: date | None
    streak_settled_through: date | None
    streak_freezes: int
    streak_counted_since_freeze: int
    last_active_day: date | None
    correct_run: int
    unassisted_run: int
    ability_mean: float
    ability_var: float


@dataclass(slots=True, eq=False)
class DayRow:
    organisation_id: uuid.UUID
    learner_id: uuid.UUID
    day: date
    xp: int
    answers: int
    correct: int
    goal_xp: int
    goal_met: bool
    streak_outcome: str | None


@dataclass(slots=True, eq=False)
class CardRow:
    id: uuid.UUID
    organisation_id: uuid.UUID
    learner_id: uuid.UUID
    question_id: uuid.UUID
    question_version: int
    course_id: uuid.UUID | None
    skill_ids: dict[str, Any]
    difficulty: float
    state: int
    step: int | None
    stability: float | None
    fsrs_difficulty: float | None
    due: datetime
    last_review: datetime | None
    reps: int
    lapses: int
    last_answered_at: datetime | None
    last_correct: bool | None
    window_start: datetime | None
    window_count: int


@dataclass(slots=True, eq=False)
class MasteryRow:
    organisation_id: uuid.UUID
    learner_id: uuid.UUID
    skill_id: uuid.UUID
    mean: float
    var: float
    last_day: float | None
    attempts: int
    correct: int
    assisted_attempts: int
    assisted_correct: int
    mastered: bool
    last_practised_at: datetime | None


@dataclass(slots=True, eq=False)
class ItemRow:
    organisation_id: uuid.UUID
    question_id: uuid.UUID
    mean: float
    var: float
    answers: int


@dataclass(slots=True, eq=False)
class CompletionRow:
    organisation_id: uuid.UUID
    learner_id: uuid.UUID
    kind: str
    item_id: uuid.UUID
    course_id: uuid.UUID | None
    first_at: datetime
    count: int


@dataclass(slots=True, eq=False)
class AssistRow:
    """Read only: the mentor's help a batch's answers look at."""

    learner_id: uuid.UUID
    question_id: uuid.UUID | None
    skill_ids: dict[str, Any]
    at: datetime


# What the handlers work on: the ORM instance when an event is applied alone (or by a service), the
# plain row in a batch.
Profile = LearningProfile | ProfileRow
Day = DailyActivity | DayRow
Card = ReviewCard | CardRow
Mastery = SkillMastery | MasteryRow
Item = ItemDifficulty | ItemRow
Completion = CompletedItem | CompletionRow
AssistLike = Assist | AssistRow

R = TypeVar("R")


def _table(model: Any) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


class Tracked(Generic[R]):
    """One table's rows in a batch: those loaded (with their values as loaded) and those added."""

    def __init__(
        self,
        row_class: type[R],
        model: Any,
        key: Sequence[str],
        touch: dict[str, Callable[[], Any]] | None = None,
    ) -> None:
        self.row_class = row_class
        self.table = _table(model)
        self.names = tuple(f.name for f in fields(row_class))  # type: ignore[arg-type]
        self.key = tuple(key)
        self._values: Callable[[R], tuple[Any, ...]] = attrgetter(*self.names)
        self._touch = touch or {}
        self.loaded: list[tuple[R, tuple[Any, ...]]] = []
        self.added: list[R] = []

    @property
    def c(self) -> Any:
        """The table's columns, for `scoped()` and the WHERE clauses of the selects."""
        return self.table.c

    def select(self) -> Select[Any]:
        return select(*(self.table.c[name] for name in self.names))

    async def load(self, session: AsyncSession, stmt: Select[Any]) -> list[R]:
        """Rows of `stmt` (a `select()` of this table, narrowed) as plain rows, remembered as loaded."""
        out: list[R] = []
        values = self._values
        make = self.row_class
        for record in (await session.execute(stmt)).all():
            row = make(*record)
            self.loaded.append((row, values(row)))
            out.append(row)
        return out

    def add(self, row: R) -> R:
        self.added.append(row)
        return row

    async def write(self, session: AsyncSession) -> None:
        """INSERT the added rows and UPDATE the loaded rows whose values changed: one executemany each.

        The UPDATE sets the columns that changed in any of the rows (an indexed column left alone is
        not rewritten in its indexes)."""
        names, values = self.names, self._values
        if self.added:
            params = [dict(zip(names, values(row), strict=True)) for row in self.added]
            await session.execute(insert_statement(self.table), params)
        changed: list[tuple[R, tuple[Any, ...]]] = []
        dirty: set[int] = set()
        for row, before in self.loaded:
            now = values(row)
            if now != before:
                changed.append((row, now))
                dirty.update(i for i, (a, b) in enumerate(zip(now, before, strict=True)) if a != b)
        if changed:
            columns = [i for i in sorted(dirty) if names[i] not in self.key]
            touched = {name: make() for name, make in self._touch.items()}
            params = []
            for row, now in changed:
                entry = {f"v_{names[i]}": now[i] for i in columns}
                entry.update({f"k_{n}": getattr(row, n) for n in self.key})
                entry.update({f"v_{n}": v for n, v in touched.items()})
                params.append(entry)
            stmt = update_statement(self.table, self.key, tuple(names[i] for i in columns) + tuple(touched))
            await session.execute(stmt, params)
        self.loaded = [(row, values(row)) for row, _before in self.loaded] + [
            (row, values(row)) for row in self.added
        ]
        self.added = []


_inserts: dict[str, Any] = {}
_updates: dict[tuple[str, tuple[str, ...], tuple[str, ...]], Any] = {}


def insert_statement(table: Table) -> Any:
    """One statement object a table, so its compiled form is cached."""
    stmt = _inserts.get(table.name)
    if stmt is None:
        stmt = _inserts[table.name] = insert(table)
    return stmt


def update_statement(table: Table, key: tuple[str, ...], names: tuple[str, ...]) -> Any:
    cache_key = (table.name, key, names)
    stmt = _updates.get(cache_key)
    if stmt is None:
        stmt = (
            update(table)
            .where(*(table.c[n] == bindparam(f"k_{n}", type_=table.c[n].type) for n in key))
            .values({table.c[n]: bindparam(f"v_{n}", type_=table.c[n].type) for n in names})
        )
        _updates[cache_key] = stmt
    return stmt


def profile_tracker() -> Tracked[ProfileRow]:
    return Tracked(ProfileRow, LearningProfile, ("id",), touch={"updated_at": utcnow})


def day_tracker() -> Tracked[DayRow]:
    return Tracked(DayRow, DailyActivity, ("organisation_id", "learner_id", "day"))


def card_tracker() -> Tracked[CardRow]:
    return Tracked(CardRow, ReviewCard, ("id",))


def mastery_tracker() -> Tracked[MasteryRow]:
    return Tracked(MasteryRow, SkillMastery, ("organisation_id", "learner_id", "skill_id"))


def item_tracker() -> Tracked[ItemRow]:
    return Tracked(ItemRow, ItemDifficulty, ("organisation_id", "question_id"))


def completion_tracker() -> Tracked[CompletionRow]:
    return Tracked(CompletionRow, CompletedItem, ("organisation_id", "learner_id", "kind", "item_id"))


def assist_select() -> Select[Any]:
    t = _table(Assist)
    return select(t.c.learner_id, t.c.question_id, t.c.skill_ids, t.c.at)


def assists_of(records: Iterable[Any]) -> list[AssistRow]:
    return [AssistRow(*record) for record in records]
