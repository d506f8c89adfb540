"""What every resolver gets: the session, the viewer, per-request DataLoaders and the audit trail.

The portal builds one Context per HTTP request (portal/graphql_http.py); tests build one directly.
Loaders are created on first use and live as long as the request, so a batch never leaks data
from one viewer to another.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from auth.viewer import Viewer
from models.telemetry import current_request_id
from resolvers.audit import AuditTrail

BatchFunction = Callable[[Sequence[Any]], Awaitable[Sequence[Any]]]


class SerialSession:
    """The request's AsyncSession, shared by resolvers that graphql-core runs concurrently
    (sibling fields, loader batches). An AsyncSession allows one operation at a time, so each
    statement waits its turn; and it runs shielded, because graphql-core cancels the siblings
    of a failed non-null field, and a statement cancelled half-way breaks the connection.
    Mutations need nothing more: GraphQL runs them one after another."""

    def __init__(self, session: AsyncSession) -> None:
        if session.bind is None:
            raise ValueError("the request's session must be bound to the engine")
        self.session = session
        self.bind = session.bind
        self._turn = asyncio.Lock()

    async def _in_turn(self, operation: Awaitable[Any]) -> Any:
        async with self._turn:
            return await operation

    def _serial(self, operation: Awaitable[Any]) -> Awaitable[Any]:
        return asyncio.shield(self._in_turn(operation))

    def execute(self, *args: Any, **kwargs: Any) -> Awaitable[Any]:
        return self._serial(self.session.execute(*args, **kwargs))

    def scalars(self, *args: Any, **kwargs: Any) -> Awaitable[Any]:
        return self._serial(self.session.scalars(*args, **kwargs))

    def scalar(self, *args: Any, **kwargs: Any) -> Awaitable[Any]:
        return self._serial(self.session.scalar(*args, **kwargs))

    def get(self, *args: Any, **kwargs: Any) -> Awaitable[Any]:
        return self._serial(self.session.get(*args, **kwargs))

    def flush(self) -> Awaitable[None]:
        return self._serial(self.session.flush())

    def commit(self) -> Awaitable[None]:
        return self._serial(self.session.commit())

    async def settled(self) -> None:
        """Returns once no statement is running or queued. A field that graphql-core cancelled
        (a sibling failed) leaves its shielded statement running; closing or committing the
        session under it fails with IllegalStateChangeError (seen when the database went away)."""
        async with self._turn:
            pass

    def add(self, instance: Any) -> None:
        self.session.add(instance)

    def add_all(self, instances: Any) -> None:
        self.session.add_all(instances)

    def run_sync(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Awaitable[Any]:
        """A synchronous function over the session (auth.admin's), in its turn."""
        return self._serial(self.session.run_sync(function, *args, **kwargs))

    def begin_nested(self) -> Any:
        return self.session.begin_nested()

    def lock_for_writing(self) -> Awaitable[None]:
        return self._serial(self._begin_immediate_on_sqlite())

    async def _begin_immediate_on_sqlite(self) -> None:
        """SQLite only: take the write lock before a mutation reads anything. In WAL mode a
        transaction that read first fails at once ("database is locked") when another writer
        commits meanwhile; one that starts with the lock waits its turn (the busy timeout), so
        concurrent mutations queue instead of failing. PostgreSQL locks rows and needs nothing."""
        if self.bind.dialect.name != "sqlite":
            return
        connection = await self.session.connection()
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection  # aiosqlite's connection
        if driver is not None and not driver.in_transaction:
            await connection.exec_driver_sql("BEGIN IMMEDIATE")


# What helpers that only read and write rows take: the request's SerialSession, or the bare
# AsyncSession of a command or a test.
AnySession = AsyncSession | SerialSession


@dataclass
class Context:
    session: AnySession  # a SerialSession once constructed (__post_init__ wraps a bare one)
    viewer: Viewer
    # The HTTP request's id (models.telemetry): the same in its log lines, its audit records
    # and the error a client is shown.
    request_id: str = field(default_factory=current_request_id)
    # The request carries the federation gateway's signature (auth.gateway_signature): a subgraph
    # fetch of the gateway's query plan, not a client's request.
    from_gateway: bool = False
    audit: AuditTrail = field(default_factory=AuditTrail)
    _loaders: dict[Hashable, DataLoader] = field(default_factory=dict)
    _once: dict[Hashable, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.session, AsyncSession):
            self.session = SerialSession(self.session)

    def loader(self, key: Hashable, batch: BatchFunction) -> DataLoader:
        """The request's loader for ``key``, created from ``batch`` on first use."""
        found = self._loaders.get(key)
        if found is None:
            found = self._loaders[key] = DataLoader(load_fn=batch)
        return found

    def once(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """``compute()``, computed on first use and kept for the request (a fact about the
        viewer that fields of every row ask for)."""
        if key not in self._once:
            self._once[key] = compute()
        return self._once[key]

    def forget_loaded(self) -> None:
        """Drop every ORM object and loader cache of this context: a long job (a 100,000-row
        import) calls it between batches so that it never holds more than one batch. Pending
        changes must have been flushed."""
        assert isinstance(self.session, SerialSession)  # what __post_init__ makes of any session
        self.session.session.expunge_all()
        self._loaders.clear()

    @property
    def on_postgresql(self) -> bool:
        bind = self.session.bind
        return bind is not None and bind.dialect.name == "postgresql"
