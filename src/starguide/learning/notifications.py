"""Level-ups and new badges reach the learner's open apps: emitted on their Socket.IO room after commit."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from starguide.kit.events import BadgeEarned, LevelReached
from starguide.learning.schemas import ProgressEvent
from starguide.realtime.server import Realtime, user_room

EVENT_NAME = "learning.progress"


def progress_event(event: LevelReached | BadgeEarned) -> ProgressEvent:
    if isinstance(event, LevelReached):
        return ProgressEvent(
            kind="level",
            organisation_id=event.organisation_id,
            learner_id=event.learner_id,
            level=event.level,
            xp_total=event.xp_total,
        )
    return ProgressEvent(
        kind="badge",
        organisation_id=event.organisation_id,
        learner_id=event.learner_id,
        badge_key=event.badge_key,
        tier=event.tier,
        name=event.name,
    )


def notify(realtime: Realtime, session: AsyncSession, event: LevelReached | BadgeEarned) -> None:
    """Queue the emit for after the delivery's commit: a rolled-back delivery sends nothing."""
    realtime.emit_after_commit(session, EVENT_NAME, progress_event(event), room=user_room(event.learner_id))
