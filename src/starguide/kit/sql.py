"""SQL helpers shared by the domains' hot paths."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, bindparam


def among(column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    """`column IN (values)` with the list bound as one expanding parameter.

    `column.in_(values)` checks and wraps every value while the statement is built, which costs more
    than the query itself for the hundreds of ids of an outbox batch; the expanding parameter is
    converted by the column's type when it is executed, and the statement's compiled form is cached.
    """
    return column.in_(bindparam(None, list(values), expanding=True, type_=column.type))  # type: ignore[no-any-return]
