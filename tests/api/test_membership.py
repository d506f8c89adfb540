"""The membership state gate: only approved members call member mutations (pending, rejected and
suspended organisations are FORBIDDEN with a message saying why); suspendMembership by a bureau in
its region or an admin, and approval lifts the suspension."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from auth import rules
from auth.viewer import Viewer
from models.audit import AuditRecord
from models.organisations import Membership, Organisation, OrganisationKind, Role
from models.regions import Region
from resolvers.ids import to_global_id
from tests.api.conftest import ADMIN, ALL_SCOPES, member

MISSING_POSITION = to_global_id("Position", 999_999)
CLOSE = (
    f'mutation {{ closePosition(id: "{MISSING_POSITION}", version: 1) {{ errors {{ code }} }} }}'
)
SUSPEND = """mutation($id: ID!, $reason: String!) { suspendMembership(id: $id, reason: $reason) {
  result { membership } errors { field code message } } }"""
DECIDE = """mutation($id: ID!, $decision: Membership!) { decideMembership(id: $id, decision: $decision) {
  result { membership } errors { field code } } }"""


async def _approved(session, kind: OrganisationKind) -> Organisation:
    statement = select(Organisation).where(
        Organisation.kind == kind, Organisation.membership == Membership.APPROVED
    )
    return (await session.scalars(statement.order_by(Organisation.id))).first()


async def _county_bureau_over(session, organisation: Organisation) -> Viewer:
    county = organisation.region_code[:6]
    bureaus = select(Organisation).where(Organisation.kind == OrganisationKind.BUREAU)
    for bureau in await session.scalars(bureaus.order_by(Organisation.id)):
        region = await session.get(Region, bureau.region_code)
        if county.startswith(bureau.region_code.rstrip("0")) or bureau.region_code == county:
            return Viewer(
                role=Role.BUREAU,
                organisation_id=bureau.id,
                region_code=region.code,
                region_level=region.level,
                scopes=ALL_SCOPES,
            )
    pytest.skip("no bureau over the enterprise's region in the seeds")


def test_the_gate_is_data():
    assert {"requestMembership"} == rules.MEMBERSHIP_FREE_MUTATIONS
    assert {Membership.APPROVED} == rules.WORKING_MEMBERSHIP
    assert set(rules.MEMBERSHIP_REFUSALS) >= {
        Membership.PENDING,
        Membership.REJECTED,
        Membership.SUSPENDED,
    }
    enterprise = member(Role.ENTERPRISE, 1)
    assert rules.needs_approved_membership(enterprise, "createPosition")
    assert not rules.needs_approved_membership(enterprise, "requestMembership")
    # Graduates and admins belong to no member organisation.
    assert not rules.needs_approved_membership(
        Viewer(role=Role.GRADUATE, person_id=1, scopes=ALL_SCOPES), "setConsent"
    )
    assert not rules.needs_approved_membership(ADMIN, "decideMembership")


async def test_an_approved_member_reaches_the_resolver(run, session):
    enterprise = await _approved(session, OrganisationKind.ENTERPRISE)
    data, errors, _ = await run(CLOSE, member(Role.ENTERPRISE, enterprise.id))
    assert errors is None
    assert data["closePosition"]["errors"] == [{"code": "NOT_FOUND"}]


@pytest.mark.parametrize(
    ("state", "words"),
    [
        (Membership.PENDING, "审核中"),
        (Membership.REJECTED, "未获批准"),
        (Membership.SUSPENDED, "暂停"),
    ],
)
async def test_a_member_not_approved_is_forbidden_with_a_reason(run, session, state, words):
    enterprise = await _approved(session, OrganisationKind.ENTERPRISE)
    enterprise.membership = state
    await session.flush()
    data, errors, context = await run(CLOSE, member(Role.ENTERPRISE, enterprise.id))
    assert data is None
    assert [e.extensions["code"] for e in errors] == ["FORBIDDEN"]
    assert words in errors[0].message
    assert not context.audit.mutations  # refused before the work, like the role gate


@pytest.mark.parametrize(
    "kind", [OrganisationKind.SCHOOL, OrganisationKind.AGENCY, OrganisationKind.BUREAU]
)
async def test_every_member_kind_is_gated(run, session, kind):
    organisation = await _approved(session, kind)
    organisation.membership = Membership.SUSPENDED
    await session.flush()
    role = Role(kind.value)
    mutation = {
        OrganisationKind.SCHOOL: f'createApplication(personId: "{to_global_id("Person", 999_999)}", positionId: "{MISSING_POSITION}")',
        OrganisationKind.AGENCY: f'createApplication(personId: "{to_global_id("Person", 999_999)}", positionId: "{MISSING_POSITION}")',
        OrganisationKind.BUREAU: f'decideMembership(id: "{to_global_id("Organisation", 999_999)}", decision: APPROVED)',
    }[kind]
    region = await session.get(Region, organisation.region_code)
    viewer = Viewer(
        role=role,
        organisation_id=organisation.id,
        region_code=region.code,
        region_level=region.level,
        scopes=ALL_SCOPES,
    )
    _, errors, _ = await run(f"mutation {{ {mutation} {{ errors {{ code }} }} }}", viewer)
    assert [e.extensions["code"] for e in errors] == ["FORBIDDEN"], errors


async def test_suspend_then_approve_again(run, session):
    enterprise = await _approved(session, OrganisationKind.ENTERPRISE)
    bureau = await _county_bureau_over(session, enterprise)
    organisation_id = to_global_id("Organisation", enterprise.id)
    data, errors, _ = await run(SUSPEND, bureau, id=organisation_id, reason="虚假岗位信息")
    assert errors is None
    assert data["suspendMembership"] == {"result": {"membership": "SUSPENDED"}, "errors": []}
    _, errors, _ = await run(CLOSE, member(Role.ENTERPRISE, enterprise.id))
    assert [e.extensions["code"] for e in errors] == ["FORBIDDEN"]
    again, _, _ = await run(SUSPEND, bureau, id=organisation_id, reason="再次")
    assert [(e["field"], e["code"]) for e in again["suspendMembership"]["errors"]] == [
        ("id", "NOT_APPROVED")
    ]
    data, errors, _ = await run(DECIDE, bureau, id=organisation_id, decision="APPROVED")
    assert data["decideMembership"] == {"result": {"membership": "APPROVED"}, "errors": []}
    data, errors, _ = await run(CLOSE, member(Role.ENTERPRISE, enterprise.id))
    assert errors is None and data["closePosition"]["errors"] == [{"code": "NOT_FOUND"}]
    audited = (
        await session.scalars(
            select(AuditRecord)
            .where(AuditRecord.operation == "suspendMembership")
            .order_by(AuditRecord.id.desc())
        )
    ).first()
    assert audited.detail["ok"] is False and audited.detail["reason"] == "再次"


async def test_suspension_rules(run, session):
    enterprise = await _approved(session, OrganisationKind.ENTERPRISE)
    organisation_id = to_global_id("Organisation", enterprise.id)
    data, _, _ = await run(SUSPEND, ADMIN, id=organisation_id, reason="  ")
    assert [(e["field"], e["code"]) for e in data["suspendMembership"]["errors"]] == [
        ("reason", "REQUIRED")
    ]
    data, _, _ = await run(SUSPEND, ADMIN, id=to_global_id("Organisation", 999_999), reason="x")
    assert [e["code"] for e in data["suspendMembership"]["errors"]] == ["NOT_FOUND"]
    data, errors, _ = await run(
        SUSPEND, member(Role.ENTERPRISE, enterprise.id), id=organisation_id, reason="x"
    )
    assert [e.extensions["code"] for e in errors] == ["FORBIDDEN"]
    data, _, _ = await run(SUSPEND, ADMIN, id=organisation_id, reason="管理员暂停")
    assert data["suspendMembership"] == {"result": {"membership": "SUSPENDED"}, "errors": []}


async def test_a_bureau_cannot_suspend_outside_its_region(run, session):
    bureaus = select(Organisation).where(Organisation.kind == OrganisationKind.BUREAU)
    for bureau in await session.scalars(bureaus.order_by(Organisation.id)):
        region = await session.get(Region, bureau.region_code)
        outside = (
            await session.scalars(
                select(Organisation).where(
                    Organisation.membership == Membership.APPROVED,
                    Organisation.kind != OrganisationKind.BUREAU,
                    ~Organisation.region_code.startswith(region.code.rstrip("0")),
                )
            )
        ).first()
        if outside is not None and region.code.rstrip("0"):
            viewer = Viewer(
                role=Role.BUREAU,
                organisation_id=bureau.id,
                region_code=region.code,
                region_level=region.level,
                scopes=ALL_SCOPES,
            )
            data, _, _ = await run(
                SUSPEND, viewer, id=to_global_id("Organisation", outside.id), reason="x"
            )
            assert [e["code"] for e in data["suspendMembership"]["errors"]] == ["NOT_FOUND"]
            return
    pytest.skip("every member is inside every bureau's region")
