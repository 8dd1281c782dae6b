"""A short memory, per process, of what each live sign-in session may do, so most requests skip the
database.

Every authenticated request needs the rows of `GET /me`: the session's expiry and revocation, the
account's state and its memberships. They change rarely, and each change is a committed write to
`auth_sessions`, `users`, `memberships` or `organisations`. The session listeners at the end of
this module notice those writes in every ORM session (flushed objects and bulk statements alike)
and list what they touch in `session.info`; once the transaction commits, the runtime forgets those
entries here at once and, with Redis, tells every other process through pub/sub. So a sign-out, a
deactivation, a role change or a removal still takes effect on the next request.

Entries also expire after `ttl` seconds, which bounds what no message announces (a command-line
change in another process that has no Redis). With Redis configured, the cache is used only while
the pub/sub subscription is live (see `kit.memory`).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from starguide.auth.models import AuthSession, User
from starguide.kit.memory import EVERYTHING, AnnouncedMemory, pinned, record
from starguide.orgs.models import Membership, Organisation

CHANGES_KEY = "access_changes"

# A change names what it touches: ("session" | "user" | "org", id), or EVERYTHING.
Change = tuple[str, uuid.UUID] | str
Rows = Sequence[Any]


class _Entry:
    __slots__ = ("derived", "expires", "rows", "user_id")

    def __init__(self, expires: float, user_id: uuid.UUID, rows: Rows) -> None:
        self.expires, self.user_id, self.rows = expires, user_id, rows
        self.derived: dict[Any, Any] = {}


class AccessCache(AnnouncedMemory):
    """Rows of `GET /me` by sign-in session, forgotten on change, trusted for `ttl` seconds at most."""

    channel = "starguide:access-changes"
    subject = "access"

    def __init__(
        self,
        ttl: float,
        *,
        shared: bool = False,
        max_entries: int = 50_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(ttl, shared=shared, clock=clock)
        self.max_entries = max_entries
        self._entries: dict[uuid.UUID, _Entry] = {}
        self._by_user: dict[uuid.UUID, set[uuid.UUID]] = {}  # so a user's change finds their sessions

    async def rows(self, session_id: uuid.UUID, load: Callable[[], Awaitable[Rows]]) -> Rows:
        """The session's rows from memory, or from `load()` (and then remembered)."""
        if not self.active:
            return await load()
        entry = self._entries.get(session_id)
        now = self.clock()
        if entry is not None and entry.expires > now:
            return entry.rows
        generation = self._generation
        rows = await load()
        if rows and generation == self._generation:
            if len(self._entries) >= self.max_entries:
                self._evict(now)
            self._entries[session_id] = _Entry(now + self.ttl, rows[0].id, rows)
            self._by_user.setdefault(rows[0].id, set()).add(session_id)
        return rows

    def derived(self, session_id: uuid.UUID, rows: Rows, key: Any, build: Callable[[], Any]) -> Any:
        """What `build()` makes of `rows`, kept with them while they are remembered (keyed by `key`)."""
        entry = self._entries.get(session_id)
        if entry is None or entry.rows is not rows:
            return build()
        value = entry.derived.get(key)
        if value is None:
            value = entry.derived[key] = build()
        return value

    def _evict(self, now: float) -> None:
        live = {k: v for k, v in self._entries.items() if v.expires > now}
        # Still full of live entries: drop the older half (dicts keep insertion order).
        self._entries = dict(list(live.items())[len(live) // 2 :]) if len(live) >= self.max_entries else live
        self._by_user = {}
        for session_id, entry in self._entries.items():
            self._by_user.setdefault(entry.user_id, set()).add(session_id)

    def _drop(self, session_id: uuid.UUID) -> None:
        entry = self._entries.pop(session_id, None)
        if entry is not None:
            sessions = self._by_user.get(entry.user_id, set())
            sessions.discard(session_id)
            if not sessions:
                self._by_user.pop(entry.user_id, None)

    def _forget(self, changes: set[Change]) -> None:
        if EVERYTHING in changes:
            self._entries.clear()
            self._by_user.clear()
            return
        named = [c for c in changes if isinstance(c, tuple)]
        for kind, key in named:
            if kind == "session":
                self._drop(key)
            elif kind == "user":
                for session_id in list(self._by_user.get(key, ())):
                    self._drop(session_id)
        # An organisation's change (rare: a rename) is found by looking through the memberships.
        orgs = {key for kind, key in named if kind == "org"}
        if orgs:
            for session_id, entry in list(self._entries.items()):
                if any(row.org_id in orgs for row in entry.rows):
                    self._drop(session_id)

    # ---- between processes ------------------------------------------------------------------

    @staticmethod
    def encode(changes: Iterable[Change]) -> str:
        return " ".join(c if isinstance(c, str) else f"{c[0]}:{c[1]}" for c in changes)

    @staticmethod
    def decode(message: str | bytes) -> list[Change]:
        text = message.decode() if isinstance(message, bytes) else message
        changes: list[Change] = []
        for word in text.split():
            kind, _, value = word.partition(":")
            try:
                changes.append((kind, uuid.UUID(value)) if kind in ("session", "user", "org") else EVERYTHING)
            except ValueError:
                changes.append(EVERYTHING)
        return changes


# ---- noticing changes ----------------------------------------------------------------------------

# Per table: the columns whose equality in a WHERE clause names what a bulk statement touches.
_KEYS: dict[str, dict[str, str]] = {
    AuthSession.__tablename__: {"id": "session", "user_id": "user"},
    User.__tablename__: {"id": "user"},
    Membership.__tablename__: {"user_id": "user", "organisation_id": "org"},
    Organisation.__tablename__: {"id": "org"},
}


def _record(session: Session, changes: Iterable[Change]) -> None:
    record(session, CHANGES_KEY, changes)


@event.listens_for(Session, "do_orm_execute")
def _bulk_statement(state: ORMExecuteState) -> None:
    """UPDATE / DELETE / INSERT statements run through a session, not through flushed objects."""
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    keys = _KEYS.get(getattr(table, "name", ""))
    if keys is None:
        return
    if state.is_insert:
        # A new session, account or organisation is in nobody's memory yet; a membership is.
        if table is not None and table.name == Membership.__tablename__:
            _record(state.session, [EVERYTHING])
        return
    _record(state.session, pinned(state.statement.whereclause, keys) or [EVERYTHING])  # type: ignore[attr-defined]


@event.listens_for(Session, "after_flush")
def _flushed_objects(session: Session, _context: Any) -> None:
    changes: list[Change] = []
    for obj in session.new:
        if isinstance(obj, Membership):
            changes.append(("user", obj.user_id))
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuthSession):
            changes.append(("session", obj.id))
        elif isinstance(obj, User):
            changes.append(("user", obj.id))
        elif isinstance(obj, Membership):
            changes.append(("user", obj.user_id))
        elif isinstance(obj, Organisation):
            changes.append(("org", obj.id))
    if changes:
        _record(session, changes)
