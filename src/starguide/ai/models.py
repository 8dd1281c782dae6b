"""Tables of the AI domain: usage records, spend counters for budgets, organisation keys and settings."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from starguide.kit.models import Base, Timestamps, UUIDPrimaryKey
from starguide.kit.tenancy import TenantMixin
from starguide.kit.time import utcnow


class AIOrgSettings(UUIDPrimaryKey, TenantMixin, Timestamps, Base):
    """An organisation's AI choices; no row means the server defaults."""

    __tablename__ = "ai_org_settings"
    __table_args__ = (UniqueConstraint("organisation_id"),)

    # False: learners' data never leaves for an outside provider (only self-hosted or offline).
    allow_external: Mapped[bool] = mapped_column(default=True)
    monthly_budget_micros: Mapped[int | None] = mapped_column(BigInteger)
    learner_daily_budget_micros: Mapped[int | None] = mapped_column(BigInteger)
    aliases: Mapped[dict[str, Any]] = mapped_column(default=dict)  # alias -> [deployment names]


class AIProviderKey(UUIDPrimaryKey, TenantMixin, Timestamps, Base):
    """An organisation's own key for one provider, encrypted (Fernet); only its last 4 characters show."""

    __tablename__ = "ai_provider_keys"
    __table_args__ = (UniqueConstraint("organisation_id", "provider"),)

    provider: Mapped[str] = mapped_column(String(20))
    ciphertext: Mapped[str] = mapped_column(Text)
    last4: Mapped[str] = mapped_column(String(4))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class AISpend(UUIDPrimaryKey, TenantMixin, Base):
    """Money spent and held in one budget period: an organisation's month or a learner's day.

    Calls hold their worst-case cost in `reserved_micros` while they run and move the real cost to
    `spent_micros` when they end, each with one UPDATE, so concurrent calls cannot overspend.
    """

    __tablename__ = "ai_spend"
    __table_args__ = (UniqueConstraint("organisation_id", "scope", "subject_id", "period"),)

    scope: Mapped[str] = mapped_column(String(20))  # org_month | user_day
    subject_id: Mapped[uuid.UUID]  # the organisation (org_month) or the user (user_day)
    period: Mapped[str] = mapped_column(String(10))  # 2026-11 | 2026-11-25 (UTC)
    spent_micros: Mapped[int] = mapped_column(BigInteger, default=0)
    reserved_micros: Mapped[int] = mapped_column(BigInteger, default=0)


class AIUsage(UUIDPrimaryKey, TenantMixin, Base):
    """One AI call: who, which alias and deployment, tokens, cost, timings and outcome."""

    __tablename__ = "ai_usage"
    __table_args__ = (Index("ix_ai_usage_org_created", "organisation_id", "created_at"),)

    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    alias: Mapped[str] = mapped_column(String(60))
    deployment: Mapped[str | None] = mapped_column(String(200))
    provider: Mapped[str | None] = mapped_column(String(20))
    model: Mapped[str | None] = mapped_column(String(200))
    input_tokens: Mapped[int] = mapped_column(default=0)
    cached_input_tokens: Mapped[int] = mapped_column(default=0)
    output_tokens: Mapped[int] = mapped_column(default=0)
    cost_micros: Mapped[int] = mapped_column(BigInteger, default=0)
    reserved_micros: Mapped[int] = mapped_column(BigInteger, default=0)  # held until settled
    estimated: Mapped[bool] = mapped_column(default=False)  # tokens counted by us, not the provider
    latency_ms: Mapped[int | None]
    ttft_ms: Mapped[int | None]
    outcome: Mapped[str] = mapped_column(String(20), default="pending")  # pending|ok|error|cancelled
    error_kind: Mapped[str | None] = mapped_column(String(30))
    finish_reason: Mapped[str | None] = mapped_column(String(20))
    spend_ids: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"ids": [spend row ids]}
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
