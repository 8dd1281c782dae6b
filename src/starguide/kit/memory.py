"""What every per-process memory of rarely changing rows shares, so that it is never wrong for long.

A memory (sign-in rights in `auth.cache`, an organisation's AI settings in `ai.cache`) keeps rows that
every request would otherwise read. Session listeners notice the writes to their tables and list what
they touch in `session.info`; once the transaction commits, the runtime makes the memory forget it at
once and, with Redis, announces it on the memory's pub/sub channel so every other process forgets it
too. Entries also expire after `ttl` seconds, which bounds what nobody announces (a change written by
another program, or by a process without Redis). With Redis configured, a memory is used only while
its subscription is live: a process that may have missed an announcement does not trust what it holds.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BinaryExpression, BindParameter, BooleanClauseList, ColumnElement
from sqlalchemy.sql.schema import Column

logger = logging.getLogger("starguide.memory")

EVERYTHING = "*"


class AnnouncedMemory:
    """The switch (`ttl`, subscription), the generation counter and the Redis side of a memory.

    Subclasses hold the entries: `_forget` drops what a set of changes touches, `encode`/`decode` turn
    changes into an announcement's words and back (anything unreadable decodes as EVERYTHING)."""

    channel: str
    subject: str  # what the memory holds, for log messages

    def __init__(self, ttl: float, *, shared: bool, clock: Callable[[], float] = time.monotonic) -> None:
        """`shared`: other processes write too (Redis is configured), so the memory is off until
        `listen` has subscribed to their announcements."""
        self.ttl = ttl
        self.clock = clock
        self.listening = not shared
        # Bumped by every forget, so a read that raced a change does not store what it read.
        self._generation = 0

    @property
    def active(self) -> bool:
        return self.ttl > 0 and self.listening

    def forget(self, changes: Iterable[Any]) -> None:
        changes = set(changes)
        if changes:
            self._generation += 1
            self._forget(changes)

    def _forget(self, changes: set[Any]) -> None:
        raise NotImplementedError

    def clear(self) -> None:
        self.forget([EVERYTHING])

    @staticmethod
    def encode(changes: Iterable[Any]) -> str:
        raise NotImplementedError

    @staticmethod
    def decode(message: str | bytes) -> list[Any]:
        raise NotImplementedError

    async def announce(self, redis: Any, changes: Iterable[Any]) -> None:
        """Tell the other processes; if Redis fails, they learn it by expiry."""
        try:
            await redis.publish(self.channel, self.encode(changes))
        except Exception:
            logger.warning(
                "could not announce a %s change; other processes learn it by expiry",
                self.subject,
                exc_info=True,
            )

    async def listen(self, redis: Any, *, retry_seconds: float = 1.0) -> None:
        """Apply other processes' announcements; the memory is off whenever the subscription is down."""
        while True:
            try:
                async with redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(self.channel)
                    # The client may reconnect (and subscribe again) by itself after a network error:
                    # what was announced in between is unknown, so every reconnection clears too.
                    pubsub.connection.register_connect_callback(self._reconnected)
                    self.clear()  # whatever was announced while away is unknown
                    self.listening = True
                    async for message in pubsub.listen():
                        self.forget(self.decode(message["data"]))
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("lost the subscription to %s changes; retrying", self.subject, exc_info=True)
            finally:
                self.listening = False
                self.clear()
            await asyncio.sleep(retry_seconds)

    def _reconnected(self, _connection: Any) -> None:
        self.clear()


def record(session: Session, key: str, changes: Iterable[Any]) -> None:
    """List `changes` in `session.info[key]`, for the runtime to apply once the transaction commits."""
    session.info.setdefault(key, set()).update(changes)


def pinned(where: ColumnElement[Any] | None, keys: dict[str, str]) -> list[tuple[str, uuid.UUID]]:
    """What a bulk statement's WHERE clause pins down, as (kind, id): an equality (or IN list) on one of
    the `keys` columns (column name -> kind) that every row must meet. Nothing if it pins nothing down,
    which callers take as touching everything."""
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
            and term.left.key in keys
        ):
            continue
        value = term.right.effective_value
        if term.operator is operators.eq:
            values = [value]
        elif term.operator is operators.in_op and isinstance(value, list | tuple):
            values = list(value)
        else:
            continue
        ids = [v for v in values if isinstance(v, uuid.UUID)]
        if ids and len(ids) == len(values):
            # One pinned key is enough: every row the statement touches has it.
            return [(keys[term.left.key], v) for v in ids]
    return []
