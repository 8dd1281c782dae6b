"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from starguide.auth.models import AuthSession, RefreshToken, User, UserToken
from starguide.kit.mail import OutgoingEmail
from starguide.kit.models import Base
from starguide.kit.outbox import EventDelivery, OutboxEvent
from starguide.learning.models import (
    Assist,
    CompletedItem,
    CourseSkill,
    CustomBadge,
    DailyActivity,
    EarnedBadge,
    ItemDifficulty,
    LearningCounter,
    LearningProfile,
    ReviewCard,
    SkillMastery,
    Vacation,
    XPLedgerEntry,
)
from starguide.orgs.models import Invitation, Membership, Organisation, OrgAuditEvent

metadata = Base.metadata

__all__ = [
    "Assist",
    "AuthSession",
    "CompletedItem",
    "CourseSkill",
    "CustomBadge",
    "DailyActivity",
    "EarnedBadge",
    "EventDelivery",
    "Invitation",
    "ItemDifficulty",
    "LearningCounter",
    "LearningProfile",
    "Membership",
    "OrgAuditEvent",
    "Organisation",
    "OutboxEvent",
    "OutgoingEmail",
    "RefreshToken",
    "ReviewCard",
    "SkillMastery",
    "User",
    "UserToken",
    "Vacation",
    "XPLedgerEntry",
    "metadata",
]
