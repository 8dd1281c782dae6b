"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from starguide.kit.mail import OutgoingEmail
from starguide.kit.models import Base
from starguide.kit.outbox import EventDelivery, OutboxEvent

metadata = Base.metadata

__all__ = ["EventDelivery", "OutboxEvent", "OutgoingEmail", "metadata"]
