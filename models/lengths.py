"""String lengths checked before the database sees them.

PostgreSQL refuses a value longer than its VARCHAR with an error that names no column; SQLite
stores it whole. Checking every ORM write against the column's length makes both databases
answer alike, and lets the API name the field and its limit (resolvers.outcomes.attempt).
"""

from __future__ import annotations

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session


class ValueTooLong(ValueError):
    def __init__(self, attribute: str, limit: int) -> None:
        super().__init__(f"{attribute} is longer than {limit} characters")
        self.attribute = attribute
        self.limit = limit


@event.listens_for(Session, "before_flush")
def _check_lengths(session: Session, _flush_context, _instances) -> None:
    for instance in (*session.new, *session.dirty):
        state = inspect(instance)
        for attribute in state.mapper.column_attrs:
            limit = getattr(attribute.columns[0].type, "length", None)
            value = state.dict.get(attribute.key)  # loaded values only: never a lazy load here
            if limit and isinstance(value, str) and len(value) > limit:
                raise ValueTooLong(attribute.key, limit)
