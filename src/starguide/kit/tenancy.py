"""Tenant scoping, written once: every table of organisation data has `organisation_id`,
and every query on it goes through `scoped()`, so another tenant's row is simply not found."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from sqlalchemy import ForeignKey, Select
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

S = TypeVar("S", bound=Select[Any])


class TenantMixin:
    """Adds `organisation_id` (indexed, deleted with its organisation)."""

    @declared_attr
    def organisation_id(cls) -> Mapped[uuid.UUID]:
        return mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)


def scoped(stmt: S, model: Any, organisation_id: uuid.UUID) -> S:
    """`stmt` restricted to rows of `model` that belong to `organisation_id`."""
    return stmt.where(model.organisation_id == organisation_id)
