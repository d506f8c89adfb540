"""Run operations against the schema directly (no HTTP), as any viewer, counting SQL statements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from auth import scopes
from auth.viewer import Viewer
from models.organisations import Role
from resolvers.context import Context
from schema.api import build_schema

ALL_SCOPES = frozenset({scopes.READ, scopes.WRITE, scopes.PERSONAL})
ADMIN = Viewer(user_id=None, role=Role.ADMIN, scopes=ALL_SCOPES)


def member(role: Role, organisation_id: int) -> Viewer:
    """A signed-in member of an organisation, with every scope."""
    return Viewer(role=role, organisation_id=organisation_id, scopes=ALL_SCOPES)


class Statements:
    count = 0


@contextmanager
def counting(engine: AsyncEngine) -> Iterator[Statements]:
    counter = Statements()

    def count(*_args: Any) -> None:
        counter.count += 1

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield counter
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)


@pytest.fixture
def run(session: AsyncSession):
    """``await run(query, viewer, **variables)`` → (data, errors, context)."""

    async def execute(query: str, viewer: Viewer = ADMIN, **variables: Any):
        context = Context(session=session, viewer=viewer)
        result = await build_schema().execute(
            query, variable_values=variables, context_value=context
        )
        return result.data, result.errors, context

    return execute
