"""What Alembic compares: everything but the full-text search tables that migrations create by hand."""

from __future__ import annotations

from typing import Any


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    return not (type_ == "table" and name is not None and "_fts" in name)
