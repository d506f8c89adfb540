"""Administrative regions (GB/T 2260) and east–west cooperation pairings.

A region's ancestry is carried by its code: GB/T 2260 codes are hierarchical (province ``50``,
city ``5001``, county ``500101``), so "everything inside this region" is one indexed range
predicate on any ``region_code`` column (see :func:`within`) — no join, no recursive query.
The ``path`` column spells the same ancestry out for display and for readers of the data.
"""

from __future__ import annotations

import enum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    String,
    and_,
    false,
    true,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column

from models.base import AnyColumn, Base, enum_column

NATION_CODE = "000000"


class RegionLevel(enum.StrEnum):
    NATIONAL = "national"
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"


GROUPING_NAMES = frozenset({"市辖区", "县"})
"""GB/T 2260 groups a municipality's districts (XX0100 市辖区) and counties (XX0200 县) under
city-level codes that are no place of their own (seeds.reference keeps them as the table names
them): a place is never chosen as one of these."""

PREFIX_LENGTH = {
    RegionLevel.NATIONAL: 0,
    RegionLevel.PROVINCE: 2,
    RegionLevel.CITY: 4,
    RegionLevel.COUNTY: 6,
}


class Region(Base):
    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[RegionLevel] = mapped_column(enum_column(RegionLevel))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    path: Mapped[str] = mapped_column(String(32), index=True)
    is_key_county: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (CheckConstraint("length(code) = 6", name="code_six_digits"),)

    @hybrid_property
    def is_grouping(self) -> bool:
        """A municipality's 市辖区 / 县 grouping (see GROUPING_NAMES), not a real region."""
        return self.level == RegionLevel.CITY and self.name in GROUPING_NAMES

    @is_grouping.inplace.expression
    @classmethod
    def _is_grouping_expression(cls) -> ColumnElement[bool]:
        return and_(cls.level == RegionLevel.CITY, cls.name.in_(GROUPING_NAMES))


class RegionPairing(Base):
    """East–west cooperation (东西部协作): an eastern province helps a western one."""

    __tablename__ = "region_pairings"

    west_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), primary_key=True)
    east_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), primary_key=True)


def subtree_bounds(code: str, level: RegionLevel) -> tuple[str, str] | None:
    """The inclusive code range of a region's subtree; None for the whole nation."""
    prefix = code[: PREFIX_LENGTH[level]]
    if not prefix:
        return None
    return prefix.ljust(6, "0"), prefix.ljust(6, "9")


def within(
    column: AnyColumn,
    code: str | None,
    level: RegionLevel | None,
) -> ColumnElement[bool]:
    """SQL predicate: ``column`` (a region code) lies inside the region ``code``; nothing lies
    inside no region (a viewer without one)."""
    if code is None or level is None:
        return false()
    bounds = subtree_bounds(code, level)
    if bounds is None:
        return true()
    low, high = bounds
    return and_(column >= low, column <= high)


def region_path(code: str, level: RegionLevel) -> str:
    """``/50/5001/500101`` — the ancestry prefixes down to this region."""
    lengths = [n for n in (2, 4, 6) if n <= PREFIX_LENGTH[level]]
    return "/" + "/".join(code[:n] for n in lengths) if lengths else "/"
