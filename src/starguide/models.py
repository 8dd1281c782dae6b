"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from starguide.ai.models import AIOrgSettings, AIProviderKey, AISpend, AIUsage
from starguide.auth.models import AuthSession, RefreshToken, User, UserToken
from starguide.kit.mail import OutgoingEmail
from starguide.kit.models import Base
from starguide.kit.outbox import EventDelivery, OutboxEvent
from starguide.orgs.models import Invitation, Membership, Organisation, OrgAuditEvent

metadata = Base.metadata

__all__ = [
    "AIOrgSettings",
    "AIProviderKey",
    "AISpend",
    "AIUsage",
    "AuthSession",
    "EventDelivery",
    "Invitation",
    "Membership",
    "OrgAuditEvent",
    "Organisation",
    "OutboxEvent",
    "OutgoingEmail",
    "RefreshToken",
    "User",
    "UserToken",
    "metadata",
]
