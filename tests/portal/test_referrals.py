"""The referral lifecycle end to end (issue 14, item 1): an agency's referral waits for the
graduate; the graduate (or their school on their behalf) accepts or declines it; the enterprise
sees it move on and acts only from 已投递; the agency sees its referral's fate. And the rule
behind every button: no page offers a step the viewer's role cannot take."""

from __future__ import annotations

import re
from dataclasses import dataclass

from playwright.async_api import Page, expect
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from auth.masking import mask_name
from models.applications import Application, ApplicationEvent, ApplicationSource, Stage
from models.db import create_engine
from resolvers.ids import to_global_id
from tests.portal.conftest import assert_accessible_basics, save_screenshot, sign_in


@dataclass(frozen=True)
class Referral:
    application_id: int
    person_name: str
    position_id: int
    position_title: str
    agency_name: str
    note: str

    def name_before_acceptance(self) -> re.Pattern:
        """The name an enterprise or agency sees before this referral is accepted: masked, unless
        the person consented or accepted another of its referrals or applied to it before."""
        return re.compile(
            f"^({re.escape(mask_name(self.person_name))}|{re.escape(self.person_name)})$"
        )


async def _organisation_of(session: AsyncSession, username: str) -> int:
    return await session.scalar(
        text("SELECT organisation_id FROM users WHERE username = :u"), {"u": username}
    )


async def refer(
    seeded_url: str, person_sql: str, note: str, enterprise: str | None = None
) -> Referral:
    """The demo agency's referral (已推荐, with its event) of the first person ``person_sql``
    selects, to an open position with a place left that the person has no application to (of the
    demo ``enterprise`` when given)."""
    engine = create_engine(seeded_url)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
            agency = await _organisation_of(session, "agency")
            person_id = await session.scalar(
                text(person_sql), {"school": await _organisation_of(session, "school")}
            )
            conditions = (
                "p.state = 'open' AND p.headcount > p.filled AND NOT EXISTS (SELECT 1 FROM applications a "
                "WHERE a.person_id = :person AND a.position_id = p.id)"
            )
            if enterprise:
                conditions += (
                    f" AND p.enterprise_id = {await _organisation_of(session, enterprise)}"
                )
            position_id, title = (
                await session.execute(
                    text(f"SELECT p.id, p.title FROM positions p WHERE {conditions} ORDER BY p.id"),
                    {"person": person_id},
                )
            ).first()
            application = Application(
                person_id=person_id,
                position_id=position_id,
                source=ApplicationSource.AGENCY,
                referrer_id=agency,
                stage=Stage.RECOMMENDED,
                note=note,
            )
            session.add(application)
            await session.flush()
            session.add(
                ApplicationEvent(
                    application_id=application.id, from_stage=None, to_stage=Stage.RECOMMENDED
                )
            )
            name = await session.scalar(
                text("SELECT name FROM persons WHERE id = :p"), {"p": person_id}
            )
            agency_name = await session.scalar(
                text("SELECT name FROM organisations WHERE id = :a"), {"a": agency}
            )
            return Referral(application.id, name, position_id, title, agency_name, note)
    finally:
        await engine.dispose()


async def stage_of(seeded_url: str, application_id: int) -> Stage:
    engine = create_engine(seeded_url)
    try:
        async with AsyncSession(engine) as session:
            return await session.scalar(
                select(Application.stage).where(Application.id == application_id)
            )
    finally:
        await engine.dispose()


DEMO_GRADUATE = "SELECT person_id FROM users WHERE username = 'graduate'"
A_GRADUATE_OF_THE_DEMO_SCHOOL = (
    "SELECT s.person_id FROM student_records s WHERE s.school_id = :school "
    "AND s.status = 'graduated' ORDER BY s.person_id"
)


async def test_the_graduate_accepts_a_referral_and_the_enterprise_sees_it_move_on(
    page: Page, second: Page, seeded_url: str
) -> None:
    referral = await refer(
        seeded_url, DEMO_GRADUATE, "与您的专业对口，离家近。", enterprise="enterprise"
    )
    pipeline = f"/enterprise/positions/{to_global_id('Position', referral.position_id)}"

    # The enterprise sees the referral waiting for the graduate, masked, with nothing to click.
    await sign_in(page, "enterprise", "/enterprise")
    await page.goto(pipeline)
    card = page.get_by_role("region", name="已推荐", exact=True).get_by_role(
        "article", name=referral.name_before_acceptance()
    )
    await expect(card).to_contain_text("待毕业生确认")
    await expect(card.get_by_role("button")).to_have_count(0)
    await save_screenshot(page, "enterprise-referral-waiting")

    # The graduate sees who referred them, to what and why, and accepts.
    await sign_in(second, "graduate", "/me")
    received = second.get_by_role("region", name="收到的推荐")
    item = received.get_by_role("listitem", name=f"推荐 {referral.position_title}")
    await expect(item).to_contain_text(referral.agency_name)
    await expect(item).to_contain_text("推荐说明：与您的专业对口，离家近。")
    await assert_accessible_basics(second)
    await save_screenshot(second, "graduate-referral-received")
    await item.get_by_role("button", name=f"接受推荐：{referral.position_title}").click()
    await expect(second.get_by_role("status")).to_contain_text("已接受推荐")
    await expect(
        received.get_by_role("listitem", name=f"推荐 {referral.position_title}")
    ).to_have_count(0)
    row = (
        second.get_by_role("region", name="应聘记录")
        .get_by_role("row")
        .filter(has_text=referral.position_title)
    )
    await expect(row).to_contain_text("已投递")
    await expect(
        row.get_by_role("button", name=f"撤回申请：{referral.position_title}")
    ).to_be_visible()
    assert await stage_of(seeded_url, referral.application_id) == Stage.APPLIED

    # Accepting cleared the graduate for the enterprise: the name in clear, and the next step.
    await page.reload()
    applied = page.get_by_role("region", name="已投递", exact=True).get_by_role(
        "article", name=referral.person_name, exact=True
    )
    await expect(applied.get_by_role("button", name=re.compile("^推进到「面试」"))).to_be_visible()
    await expect(
        page.get_by_role("region", name="已推荐", exact=True).get_by_role(
            "article", name=referral.name_before_acceptance()
        )
    ).to_have_count(0)


async def test_the_graduate_declines_a_referral_and_withdraws_an_application(
    page: Page, seeded_url: str
) -> None:
    declined = await refer(seeded_url, DEMO_GRADUATE, "试试这个岗位。")
    await sign_in(page, "graduate", "/me")
    item = page.get_by_role("region", name="收到的推荐").get_by_role(
        "listitem", name=f"推荐 {declined.position_title}"
    )
    page.once("dialog", lambda dialog: dialog.accept())
    await item.get_by_role("button", name=f"谢绝推荐：{declined.position_title}").click()
    await expect(page.get_by_role("status")).to_contain_text("已谢绝推荐")
    row = (
        page.get_by_role("region", name="应聘记录")
        .get_by_role("row")
        .filter(has_text=declined.position_title)
    )
    await expect(row).to_contain_text("已撤回")
    await expect(row.get_by_role("button")).to_have_count(0)  # a final stage: nothing left to do
    assert await stage_of(seeded_url, declined.application_id) == Stage.WITHDRAWN

    accepted = await refer(seeded_url, DEMO_GRADUATE, "先接受，再撤回。")
    await page.reload()
    await page.get_by_role("button", name=f"接受推荐：{accepted.position_title}").click()
    await expect(page.get_by_role("status")).to_contain_text("已接受推荐")
    page.once("dialog", lambda dialog: dialog.accept())
    await page.get_by_role("button", name=f"撤回申请：{accepted.position_title}").click()
    await expect(page.get_by_role("status")).to_contain_text("已撤回申请")
    assert await stage_of(seeded_url, accepted.application_id) == Stage.WITHDRAWN


async def test_the_school_declines_for_its_student_and_the_agency_sees_it(
    page: Page, second: Page, seeded_url: str
) -> None:
    referral = await refer(seeded_url, A_GRADUATE_OF_THE_DEMO_SCHOOL, "学校代为确认的推荐。")
    what = f"{referral.person_name} · {referral.position_title}"

    await sign_in(page, "school", "/school")
    await page.get_by_role("link", name="推荐与投递").click()
    await expect(page.get_by_role("heading", name="推荐与投递")).to_be_visible()
    await expect(page.get_by_label("阶段")).to_have_value("RECOMMENDED")
    await assert_accessible_basics(page)
    await save_screenshot(page, "school-referrals")
    row = (
        page.get_by_role("row")
        .filter(has_text=referral.position_title)
        .filter(has_text=referral.person_name)
    )
    await expect(row.get_by_role("button", name=f"接受推荐：{what}")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    await row.get_by_role("button", name=f"谢绝推荐：{what}").click()
    await expect(page.get_by_role("status")).to_contain_text("已谢绝推荐")
    await expect(row).to_have_count(0)
    await page.get_by_label("阶段").select_option(label="已撤回")  # applies at once
    await expect(
        page.get_by_role("row")
        .filter(has_text=referral.position_title)
        .filter(has_text=referral.person_name)
    ).to_contain_text("已撤回")
    assert await stage_of(seeded_url, referral.application_id) == Stage.WITHDRAWN

    # The agency sees its referral ended, the person still masked (never accepted), no action.
    await sign_in(second, "agency", "/agency")
    await second.get_by_role("link", name="我的推荐").click()
    await expect(second.get_by_role("button", name=re.compile("^接受推荐"))).to_have_count(0)
    await second.get_by_label("阶段").select_option(label="已撤回")
    ended = (
        second.get_by_role("row")
        .filter(has_text=referral.position_title)
        .filter(has_text=referral.note)
    )
    await expect(ended).to_contain_text("已撤回")
    await expect(ended.get_by_role("button")).to_have_count(0)


async def test_the_agency_withdraws_its_own_referral_but_cannot_accept_it(
    page: Page, seeded_url: str
) -> None:
    referral = await refer(seeded_url, DEMO_GRADUATE, "机构撤回的推荐。")
    await sign_in(page, "agency", "/agency")
    await page.goto("/agency/referrals")
    # Earlier referrals the graduate accepted cleared them for the agency: the name may be clear.
    row = page.get_by_role("row").filter(has_text=referral.note)
    await expect(row.get_by_role("button")).to_have_count(1)
    page.once("dialog", lambda dialog: dialog.accept())
    await row.get_by_role(
        "button", name=re.compile(f"^撤回推荐：.* · {re.escape(referral.position_title)}$")
    ).click()
    await expect(page.get_by_role("status")).to_contain_text("已撤回推荐")
    assert await stage_of(seeded_url, referral.application_id) == Stage.WITHDRAWN


# --- the rule behind every button: offered exactly when the API lets it through ---------------

TRANSITION = """mutation($input: TransitionInput!) { transitionApplication(input: $input) {
  result { stage } errors { code } } }"""
ACTIONS = (
    '{% from "_application_actions.html" import application_actions with context %}'
    '{{ application_actions(application, actions, "/somewhere", "测试", reasons, 5000) }}'
)


def rendered_stages(role: str, stage: Stage) -> list[str]:
    """The stages the action buttons of an application at ``stage`` post, as a page renders them
    for a user of ``role``."""
    from portal.actions import application_actions
    from portal.labels import options
    from portal.web import templates

    application = {"id": "QXBwbGljYXRpb246MQ==", "version": 1, "stage": stage.name}
    html = templates.env.from_string(ACTIONS).render(
        application=application,
        actions=application_actions({"role": role}, application),
        reasons=options("rejection_reason"),
        request=None,
        csrf_token=lambda _request: "token",
    )
    return re.findall(r'name="stage" value="(\w+)"', html)


async def _walk_cast(session: AsyncSession):
    """Every role related to one application: the demo graduate, their school, the demo agency
    (its referrer), an enterprise with an open position with a place left; a bureau and an admin."""
    from auth import scopes
    from auth.viewer import Viewer
    from models.organisations import Role

    every_scope = frozenset({scopes.READ, scopes.WRITE, scopes.PERSONAL})
    person = await session.scalar(text(DEMO_GRADUATE))
    school = await session.scalar(
        text("SELECT school_id FROM student_records WHERE person_id = :p"), {"p": person}
    )
    agency = await _organisation_of(session, "agency")
    position, enterprise = (
        await session.execute(
            text(
                "SELECT id, enterprise_id FROM positions p WHERE state = 'open' AND headcount > filled AND NOT EXISTS "
                "(SELECT 1 FROM applications a WHERE a.person_id = :p AND a.position_id = p.id) ORDER BY id"
            ),
            {"p": person},
        )
    ).first()
    bureau = await _organisation_of(session, "county")
    region = await session.scalar(
        text("SELECT region_code FROM organisations WHERE id = :b"), {"b": bureau}
    )
    viewers = {
        "GRADUATE": Viewer(user_id=None, role=Role.GRADUATE, person_id=person, scopes=every_scope),
        "SCHOOL": Viewer(role=Role.SCHOOL, organisation_id=school, scopes=every_scope),
        "AGENCY": Viewer(role=Role.AGENCY, organisation_id=agency, scopes=every_scope),
        "ENTERPRISE": Viewer(role=Role.ENTERPRISE, organisation_id=enterprise, scopes=every_scope),
        "BUREAU": Viewer(
            role=Role.BUREAU, organisation_id=bureau, region_code=region, scopes=every_scope
        ),
        "ADMIN": Viewer(role=Role.ADMIN, scopes=every_scope | {scopes.ADMIN}),
    }
    return person, position, agency, viewers


async def _succeeds(session: AsyncSession, viewer, application: Application, target: Stage) -> bool:
    from resolvers.context import Context
    from schema.api import build_schema

    transition = {
        "id": to_global_id("Application", application.id),
        "version": application.version,
        "stage": target.name,
        "reason": "OTHER" if target == Stage.REJECTED else None,
        "monthlyIncome": 5000 if target == Stage.HIRED else None,
    }
    result = await build_schema().execute(
        TRANSITION,
        variable_values={"input": transition},
        context_value=Context(session=session, viewer=viewer),
    )
    return not result.errors and result.data["transitionApplication"]["errors"] == []


async def test_every_offered_action_succeeds_and_nothing_else_does(
    session: AsyncSession, portal_url: str
) -> None:
    """Every stage × role × target: the rendered buttons post exactly the steps the API takes.
    (``portal_url``: the served app, whose set-up gives the templates their filters.)"""
    from models.applications import RejectionReason

    person, position, agency, viewers = await _walk_cast(session)
    walked = []
    for stage in Stage:
        for role, viewer in viewers.items():
            offered = rendered_stages(role, stage)
            for target in Stage:
                async with session.begin_nested() as savepoint:
                    application = Application(
                        person_id=person,
                        position_id=position,
                        source=ApplicationSource.AGENCY,
                        referrer_id=agency,
                        stage=stage,
                        rejection_reason=RejectionReason.OTHER if stage == Stage.REJECTED else None,
                    )
                    session.add(application)
                    await session.flush()
                    succeeded = await _succeeds(session, viewer, application, target)
                    await savepoint.rollback()
                assert succeeded == (target.name in offered), (role, stage, target, offered)
                walked.append((role, stage, target, succeeded))
    # The lifecycle as designed, read off the walk (so the rules cannot silently drift from it).
    steps = {(role, stage.name, target.name) for role, stage, target, ok in walked if ok}
    assert {(role, target) for role, stage, target in steps if stage == "RECOMMENDED"} == {
        ("GRADUATE", "APPLIED"),
        ("GRADUATE", "WITHDRAWN"),
        ("SCHOOL", "APPLIED"),
        ("SCHOOL", "WITHDRAWN"),
        ("AGENCY", "WITHDRAWN"),
    }
    assert {(stage, target) for role, stage, target in steps if role == "ENTERPRISE"} == {
        ("APPLIED", "INTERVIEW"),
        ("INTERVIEW", "OFFER"),
        ("OFFER", "HIRED"),
        ("APPLIED", "REJECTED"),
        ("INTERVIEW", "REJECTED"),
        ("OFFER", "REJECTED"),
    }
    assert not {role for role, _stage, _target in steps} & {"BUREAU", "ADMIN"}
