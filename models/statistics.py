"""The version of the data the region statistics read (the bureau dashboard's figures).

The dashboard's figures are aggregates over whole regions (persons, households, student
records, intentions, destinations, follow-ups, hires, positions): a full scan each. They are
computed once per change instead of once per page view: every transaction that writes one of
the ``WATCHED`` tables gives the version a new random value as it commits, and a cache keyed by
the version (resolvers.statistics) recomputes only when it moved.

The version moves from session events, not from each write function, so that no write path
can forget it: any ORM object of a watched table flushed (added, changed, deleted) and any
INSERT / UPDATE / DELETE statement on one executed through a session marks the session, and
its commit writes the new version. The write comes last in the transaction, so the version's
row lock is held only while the transaction commits (never across an import's batches), and a
reader (READ COMMITTED or a snapshot) that reads the version before the figures sees figures at
least as new as the version: a figure can be cached under an older version, never the reverse.

A random value rather than a counter: a rolled-back transaction (a test's) or a database
restored from a copy would otherwise reach the same number again with other data. Writes that
bypass sessions (the seed's bulk load on a bare connection) execute ``bump_statement``."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import BigInteger, Integer, Table, event, select, update
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, SessionTransaction, mapped_column

from models.base import Base
from models.destinations import GraduateDestination
from models.people import EmploymentIntention, EnrolmentIntention, Household, Person, StudentRecord
from models.positions import Position
from models.regions import Region
from models.tracking import EmploymentRecord, FollowUp

ROW_ID = 1
_CHANGED = "statistics_changed"  # session.info key: the transaction wrote a watched table


class StatisticsVersion(Base):
    """One row: the version of the data the region statistics read."""

    __tablename__ = "statistics_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(BigInteger)


WATCHED: frozenset[Table] = frozenset(
    model.__table__
    for model in (
        Person,
        Household,
        Region,
        StudentRecord,
        EmploymentIntention,
        EnrolmentIntention,
        GraduateDestination,
        FollowUp,
        EmploymentRecord,
        Position,
    )
)
"""The tables the region statistics read (tests/api/test_dashboard_cache.py checks every
statement of the figures against this set)."""


def new_value() -> int:
    return secrets.randbits(62)


def bump_statement() -> Any:
    return update(StatisticsVersion).where(StatisticsVersion.id == ROW_ID).values(value=new_value())


def read_statement() -> Any:
    return select(StatisticsVersion.value).where(StatisticsVersion.id == ROW_ID)


def changed_uncommitted(session_info: dict) -> bool:
    """The session's transaction has written a watched table (``session_info``: its
    ``Session.info``): its own figures differ from everyone else's until it commits, so they
    must not be cached."""
    return bool(session_info.get(_CHANGED))


def _table_of(instance: object) -> Table | None:
    return getattr(type(instance), "__table__", None)


@event.listens_for(Session, "after_flush")
def _mark_flushed(session: Session, _flush_context: Any) -> None:
    for instance in (*session.new, *session.dirty, *session.deleted):
        if _table_of(instance) in WATCHED:
            session.info[_CHANGED] = True
            return


@event.listens_for(Session, "do_orm_execute")
def _mark_statement(state: ORMExecuteState) -> None:
    writes = state.is_insert or state.is_update or state.is_delete
    if writes and getattr(state.statement, "table", None) in WATCHED:
        state.session.info[_CHANGED] = True


@event.listens_for(Session, "before_commit")
def _bump_on_commit(session: Session) -> None:
    session.flush()  # what the commit would flush next may mark the session
    if session.info.pop(_CHANGED, False):
        session.execute(bump_statement())


@event.listens_for(Session, "after_transaction_end")
def _forget_at_end(session: Session, transaction: SessionTransaction) -> None:
    # Only the outermost transaction's end: a savepoint rolled back leaves what the transaction
    # wrote before it (a spare bump at worst).
    if transaction.parent is None:
        session.info.pop(_CHANGED, None)
