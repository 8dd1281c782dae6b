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
while the pub/sub subscription is live (see `kit.memory`).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from starguide.ai.models import AIOrgSettings, AIProviderKey
from starguide.kit.memory import EVERYTHING, AnnouncedMemory, pinned, record

if TYPE_CHECKING:
    from starguide.ai.service import OrgAI

CHANGES_KEY = "ai_settings_changes"

# A change names the organisation it touches, or EVERYTHING.
Change = uuid.UUID | str
_TABLES = frozenset({AIOrgSettings.__tablename__, AIProviderKey.__tablename__})


class OrgAICache(AnnouncedMemory):
    """Each organisation's `OrgAI`, forgotten on change, trusted for `ttl` seconds at most."""

    channel = "starguide:ai-settings-changes"
    subject = "AI settings"

    def __init__(
        self,
        ttl: float,
        *,
        shared: bool = False,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(ttl, shared=shared, clock=clock)
        self.max_entries = max_entries
        self._entries: dict[uuid.UUID, tuple[float, OrgAI]] = {}

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

    def _forget(self, changes: set[Change]) -> None:
        if EVERYTHING in changes:
            self._entries.clear()
            return
        for organisation_id in changes:
            if isinstance(organisation_id, uuid.UUID):
                self._entries.pop(organisation_id, None)

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


# ---- noticing changes ----------------------------------------------------------------------------


def _record(session: Session, changes: Iterable[Change]) -> None:
    record(session, CHANGES_KEY, changes)


def _organisations(where: Any) -> list[Change]:
    """The organisations `where` pins down, or nothing if it does not."""
    return [organisation_id for _kind, organisation_id in pinned(where, {"organisation_id": "org"})]


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
