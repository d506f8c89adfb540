"""Ledger imports and exports against the seeded test database: real .xlsx files (written with
xlsxwriter, read back with python-calamine), viewers built from the demo accounts exactly as a
portal sign-in builds them (auth.acting)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from stdnum.cn import ric

from auth.acting import granted_scope, user_named, viewer_of
from auth.portal_signin import PORTAL_SCOPES
from auth.viewer import Viewer
from resolvers.workbooks import Column, Sheet, write_workbook


async def acting_as(session: AsyncSession, username: str) -> Viewer:
    user = await user_named(session, username)
    return await viewer_of(session, user, granted_scope(user, PORTAL_SCOPES))


def workbook(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    """An upload: the 数据 sheet with these headers and rows."""
    return write_workbook([Sheet("数据", [Column(header) for header in headers], rows)])


def valid_id(region: str, born: str, sequence: int) -> str:
    """A resident ID number valid under GB 11643: region, birth date (yyyymmdd), a 3-digit
    sequence number, and its check character."""
    base = f"{region}{born}{sequence:03d}"
    return base + ric.calc_check_digit(base + "0")  # it takes the number with a placeholder
