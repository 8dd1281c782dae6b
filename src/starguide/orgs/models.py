"""Tables of organisations, their members, invitations and the audit trail of admin actions."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from starguide.kit.models import Base, Timestamps, UUIDPrimaryKey
from starguide.kit.tenancy import TenantMixin
from starguide.kit.time import utcnow


class Role(StrEnum):
    LEARNER = "learner"
    MENTOR = "mentor"
    ORG_ADMIN = "org_admin"


ROLE_LENGTH = 20


class Organisation(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "organisations"

    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(50), unique=True)
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    leaderboards_enabled: Mapped[bool] = mapped_column(default=True)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Membership(UUIDPrimaryKey, TenantMixin, Base):
    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("organisation_id", "user_id"),
        Index("ix_memberships_user_id", "user_id"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(ROLE_LENGTH))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Invitation(UUIDPrimaryKey, TenantMixin, Base):
    """An e-mail invitation is single-use and bound to its address; a link invitation is reusable."""

    __tablename__ = "invitations"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str | None] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(ROLE_LENGTH))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    accepted_count: Mapped[int] = mapped_column(default=0)
    revoked_at: Mapped[datetime | None]


class OrgAuditEvent(UUIDPrimaryKey, TenantMixin, Base):
    """Who did what to whom, when: kept for organisation admins and for support."""

    __tablename__ = "org_audit_events"
    __table_args__ = (Index("ix_org_audit_events_org_created", "organisation_id", "created_at"),)

    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(60))
    target_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
