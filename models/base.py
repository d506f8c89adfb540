"""Declarative base and the column conventions every table shares."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import ColumnElement, DateTime, Enum, Integer, MetaData, Table, func
from sqlalchemy.orm import DeclarativeBase, Mapped, QueryableAttribute, declared_attr, mapped_column

# Deterministic constraint names: Alembic can then compare and drop them on both databases.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# A column in a query: a Core column expression or a model's attribute (``Person.id``).
AnyColumn = ColumnElement[Any] | QueryableAttribute[Any]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    if TYPE_CHECKING:  # every model here maps a Table (none a join or a subquery)
        __table__: ClassVar[Table]


def enum_column(enum_cls: type[enum.Enum], name: str | None = None) -> Enum:
    """A portable enum: VARCHAR plus a CHECK constraint holding the lower-case values.

    Native PostgreSQL enum types would need their own migrations for every new member.
    ``name`` names the CHECK constraint when one table has two columns of the same enum.
    """
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        length=max(len(member.value) for member in enum_cls),
        values_callable=lambda members: [member.value for member in members],
        name=name or enum_cls.__name__.lower(),
        validate_strings=True,
    )


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class Versioned:
    """Optimistic concurrency for records several parties edit.

    SQLAlchemy adds ``WHERE version = :old`` to every ORM UPDATE and raises StaleDataError when
    another writer got there first; API mutations also compare the version the client read.
    """

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.version}
