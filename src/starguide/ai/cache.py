"""A short memory, per process, of each organisation's AI settings and opened keys, so a call skips
the database.

Every metered call needs what the organisation may use: its data policy, its aliases, its budgets
and its own provider keys, opened with the encryption key. They change rarely, and each change is a
committed write to `ai_org_settings` or `ai_provider_keys`. The session listeners at the end of this
module notice those writes in every ORM session (flushed objects and bulk statements alike) and list
the organisations they touch in `session.info`; once the transaction commits, the runtime forgets
those entries here at once and, with Redis, tells every other process through pub/sub, as
`auth.cache` does for sign-in rights. So a new key, a removed key, a changed alias or budget, or an
organisation forbidding outside providers applies to the very next call.

Entries also expire after `ttl` seconds, which bounds what no message announces (a change written by
another program, or by a process that has no Redis). With Redis configured, the memory is used only
while the pub/sub subscription is live.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BinaryExpression, BindParameter, BooleanClauseList
from sqlalchemy.sql.schema import Column

from starguide.ai.models import AIOrgSettings, AIProviderKey

if TYPE_CHECKING:
    from starguide.ai.service import OrgAI

logger = logging.getLogger("starguide.ai.cache")

CHANNEL = "starguide:ai-settings-changes"
CHANGES_KEY = "ai_settings_changes"
EVERYTHING = "*"

# A change names the organisation it touches, or EVERYTHING.
Change = uuid.UUID | str
_TABLES = frozenset({AIOrgSettings.__tablename__, AIProviderKey.__tablename__})


class OrgAICache:
    """Each organisation's `OrgAI`, forgotten on change, trusted for `ttl` seconds at most."""

    def __init__(
        self,
        ttl: float,
        *,
        shared: bool = False,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`shared`: other processes write too (Redis is configured), so the memory is off until
        `listen` has subscribed to their announcements."""
        self.ttl = ttl
        self.clock = clock
        self.max_entries = max_entries
        self.listening = not shared
        self._entries: dict[uuid.UUID, tuple[float, OrgAI]] = {}
        # Bumped by every forget, so a read that raced a change does not store what it read.
        self._generation = 0

    @property
    def active(self) -> bool:
        return self.ttl > 0 and self.listening

    async def get(self, organisation_id: uuid.UUID, load: Callable[[], Awaitable[OrgAI]]) -> OrgAI:
        """The organisation's `OrgAI` from memory, or from `load()` (and then remembered)."""
        if not self.active:
            return await load()
        now = self.clock()
        entry = self._entries.get(organisation_id)
        if entry is not None and entry[0] > now:
            return entry[1]
        generation = self._generation
        found = await load()
        if generation == self._generation:
            if len(self._entries) >= self.max_entries:
                self._entries = {k: v for k, v in self._entries.items() if v[0] > now}
                if len(self._entries) >= self.max_entries:
                    self._entries.clear()
            self._entries[organisation_id] = (now + self.ttl, found)
        return found

    def forget(self, changes: Iterable[Change]) -> None:
        changes = set(changes)
        if not changes:
            return
        self._generation += 1
        if EVERYTHING in changes:
            self._entries.clear()
            return
        for organisation_id in changes:
            if isinstance(organisation_id, uuid.UUID):
                self._entries.pop(organisation_id, None)

    def clear(self) -> None:
        self.forget([EVERYTHING])

    # ---- between processes ------------------------------------------------------------------

    @staticmethod
    def encode(changes: Iterable[Change]) -> str:
        return " ".join(str(c) for c in changes)

    @staticmethod
    def decode(message: str | bytes) -> list[Change]:
        text = message.decode() if isinstance(message, bytes) else message
        changes: list[Change] = []
        for word in text.split():
            try:
                changes.append(uuid.UUID(word))
            except ValueError:
                changes.append(EVERYTHING)
        return changes

    async def listen(self, redis: Any, *, retry_seconds: float = 1.0) -> None:
        """Apply other processes' announcements; the memory is off whenever the subscription is down."""
        while True:
            try:
                async with redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(CHANNEL)
                    # A reconnection may have missed announcements: it clears too.
                    pubsub.connection.register_connect_callback(self._reconnected)
                    self.clear()
                    self.listening = True
                    async for message in pubsub.listen():
                        self.forget(self.decode(message["data"]))
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("lost the AI settings subscription; retrying", exc_info=True)
            finally:
                self.listening = False
                self.clear()
            await asyncio.sleep(retry_seconds)

    def _reconnected(self, _connection: Any) -> None:
        self.clear()


async def announce(redis: Any, changes: Iterable[Change]) -> None:
    try:
        await redis.publish(CHANNEL, OrgAICache.encode(changes))
    except Exception:
        logger.warning(
            "could not announce an AI settings change; other processes learn it by expiry", exc_info=True
        )


# ---- noticing changes ----------------------------------------------------------------------------


def _record(session: Session, changes: Iterable[Change]) -> None:
    session.info.setdefault(CHANGES_KEY, set()).update(changes)


def _organisations(where: Any) -> list[Change]:
    """The organisations `where` pins down (`organisation_id` = or IN), or nothing if it does not."""
    if where is None:
        return []
    terms = (
        list(where.clauses)
        if isinstance(where, BooleanClauseList) and where.operator is operators.and_
        else [where]
    )
    for term in terms:
        if not (
            isinstance(term, BinaryExpression)
            and isinstance(term.left, Column)
            and isinstance(term.right, BindParameter)
            and term.left.key == "organisation_id"
        ):
            continue
        value = term.right.effective_value
        values = [value] if term.operator is operators.eq else value
        if term.operator not in (operators.eq, operators.in_op) or not isinstance(values, list | tuple):
            continue
        ids = [v for v in values if isinstance(v, uuid.UUID)]
        if ids and len(ids) == len(values):
            return list(ids)
    return []


@event.listens_for(Session, "do_orm_execute")
def _bulk_statement(state: ORMExecuteState) -> None:
    """UPDATE / DELETE / INSERT statements run through a session, not through flushed objects."""
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", "") not in _TABLES:
        return
    where = None if state.is_insert else state.statement.whereclause  # type: ignore[attr-defined]
    _record(state.session, _organisations(where) or [EVERYTHING])


@event.listens_for(Session, "after_flush")
def _flushed_objects(session: Session, _context: Any) -> None:
    changes = [
        obj.organisation_id
        for obj in (*session.new, *session.dirty, *session.deleted)
        if isinstance(obj, AIOrgSettings | AIProviderKey)
    ]
    if changes:
        _record(session, changes)
