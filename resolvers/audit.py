"""The audit log's write side: unmasked personal-data reads and mutations, appended per request.

Resolvers note what happened on the request's AuditTrail while the operation runs; ``flush``
turns the notes into AuditRecord rows once at the end, one row per person read (with every field
read in clear) and one per mutation — so auditing costs one statement per request, not per field.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import String, bindparam, func, insert, select

from auth import rules
from models.audit import AuditAction, AuditRecord
from models.people import Household, Person
from models.telemetry import current_trace_id
from resolvers.pagination import Page, paginate
from resolvers.regions import in_region

if TYPE_CHECKING:
    from resolvers.context import Context

# The client names its operation, at any length; the log keeps as much as its column holds (a
# longer name made the insert fail, and the error carried the INSERT with its person ids).
_OPERATION_TYPE = AuditRecord.__table__.c.operation.type
OPERATION_LENGTH = _OPERATION_TYPE.length if isinstance(_OPERATION_TYPE, String) else None


def _fitted(operation: str) -> str:
    return operation[:OPERATION_LENGTH]


@dataclass
class MutationNote:
    name: str
    ok: bool
    subject_person_id: int | None
    region_code: str | None
    detail: dict[str, Any]


@dataclass
class AuditTrail:
    operation: str = ""
    reads: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    mutations: list[MutationNote] = field(default_factory=list)
    # Detail the running mutation adds to its own record (e.g. identity before/after); kept only
    # if the mutation succeeds, as a failed write changes nothing (resolvers.outcomes.attempt).
    staged: dict[str, Any] = field(default_factory=dict)
    # Set while a list is exported to a file (portal.exports): what is read in clear leaves the
    # system, and the log says so in the operation ("export SchoolLedger").
    exporting: bool = False

    def read_in_clear(self, person_id: int, field_name: str) -> None:
        self.reads[person_id].add(field_name)

    def mutated(
        self,
        name: str,
        ok: bool,
        subject_person_id: int | None = None,
        region_code: str | None = None,
        **detail: Any,
    ) -> None:
        self.mutations.append(MutationNote(name, ok, subject_person_id, region_code, detail))

    def stage(self, **detail: Any) -> None:
        self.staged.update(detail)

    def take_staged(self) -> dict[str, Any]:
        staged, self.staged = self.staged, {}
        return staged

    def __bool__(self) -> bool:
        return bool(self.reads or self.mutations)


# The subject's household region is looked up by the insert itself (a subquery per row of the
# one executemany) unless the note gives it: no statement of its own before the insert.
_SUBJECT_REGION = (
    select(Household.region_code)
    .join(Person, Person.household_id == Household.id)
    .where(Person.id == bindparam("subject"))
    .scalar_subquery()
)
_INSERT = insert(AuditRecord.__table__).values(
    subject_person_id=bindparam("subject"),
    region_code=func.coalesce(bindparam("given_region", type_=String), _SUBJECT_REGION),
)


def _request_detail(ctx: Context) -> dict[str, str]:
    """Which request wrote the record: its id (as in the log lines and any error shown), and the
    caller's trace when it sent one (``traceparent``, passed on by the gateway)."""
    trace_id = current_trace_id()
    return {"request_id": ctx.request_id, **({"trace_id": trace_id} if trace_id else {})}


async def flush(ctx: Context) -> None:
    """Append the request's notes to the audit log (in the request's transaction)."""
    trail = ctx.audit
    if not trail:
        return
    viewer = ctx.viewer
    actor = {
        "actor_user_id": viewer.user_id,
        "actor_role": viewer.role.value if viewer.role else "anonymous",
        "actor_organisation_id": viewer.organisation_id,
    }
    records: list[dict[str, Any]] = [
        dict(
            action=AuditAction.READ_PERSONAL,
            operation=_fitted(("export " if trail.exporting else "") + trail.operation),
            subject=person_id,
            given_region=None,
            fields=sorted(fields),
            detail=_request_detail(ctx),
            **actor,
        )
        for person_id, fields in trail.reads.items()
    ] + [
        dict(
            action=AuditAction.MUTATION,
            operation=_fitted(note.name),
            subject=note.subject_person_id,
            given_region=note.region_code or None,
            fields=[],
            detail={**_request_detail(ctx), "ok": note.ok, **note.detail},
            **actor,
        )
        for note in trail.mutations
    ]
    trail.reads.clear()
    trail.mutations.clear()
    await ctx.session.flush()  # the request's pending changes first, as before
    # One executemany for the whole request: a page of 50 persons read in clear is one statement.
    await ctx.session.execute(_INSERT, records)


async def audit_records(
    ctx: Context,
    first: int | None,
    after: str | None,
    *,
    person_id: int | None = None,
    action: str | None = None,
    region: str | None = None,
) -> Page:
    """The log's read side: bureaus within their region subtree, admins everything."""
    conditions = [rules.rows(ctx.viewer, "audit_records")]
    if person_id is not None:
        conditions.append(AuditRecord.subject_person_id == person_id)
    if action:
        conditions.append(AuditRecord.action == action)
    if region:
        conditions.append(
            rules.argument(
                ctx.viewer,
                "auditLog",
                "region",
                in_region(AuditRecord.region_code, region),
                AuditRecord.subject_person_id,
            )
        )
    statement = (
        select(AuditRecord)
        .where(*conditions)
        .order_by(AuditRecord.at.desc(), AuditRecord.id.desc())
    )
    return await paginate(ctx, statement, first, after)
