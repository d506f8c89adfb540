"""National catalogues: vocational majors (职业教育专业目录 2021) and occupations (GB/T 6565)."""

from __future__ import annotations

import enum

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, enum_column


class MajorLevel(enum.StrEnum):
    SECONDARY = "secondary"  # 中等职业教育
    HIGHER = "higher"  # 高等职业教育专科
    BACHELOR = "bachelor"  # 高等职业教育本科


class Major(Base):
    __tablename__ = "majors"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[MajorLevel] = mapped_column(enum_column(MajorLevel))
    # The catalogue's own hierarchy: 2-digit category (大类) and 4-digit class (类).
    category_code: Mapped[str] = mapped_column(String(2), index=True)
    class_code: Mapped[str] = mapped_column(String(4), index=True)


class Occupation(Base):
    __tablename__ = "occupations"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
