"""The audit log can be appended to, never rewritten or erased — by the database itself."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from models.audit import AuditAction, AuditRecord


async def _append(session: AsyncSession) -> int:
    result = await session.execute(
        insert(AuditRecord)
        .values(
            action=AuditAction.MUTATION, actor_role="admin", operation="test", fields=[], detail={}
        )
        .returning(AuditRecord.id)
    )
    return result.scalar_one()


@pytest.mark.parametrize("change", ["update", "delete"])
async def test_audit_records_cannot_be_changed(session: AsyncSession, change: str) -> None:
    record_id = await _append(session)
    statement = (
        update(AuditRecord).where(AuditRecord.id == record_id).values(operation="rewritten")
        if change == "update"
        else delete(AuditRecord).where(AuditRecord.id == record_id)
    )
    with pytest.raises(DBAPIError, match="append-only"):
        async with session.begin_nested():
            await session.execute(statement)
    kept = await session.execute(select(AuditRecord.operation).where(AuditRecord.id == record_id))
    assert kept.scalar_one() == "test"
