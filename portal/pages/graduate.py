"""The graduate, acting for themself: my file, my intentions, the consent switch, my matched
positions (applied to in one click), referrals received (accepted or declined), my applications
(withdrawn)."""

from __future__ import annotations

import asyncio

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import operations, pickers
from portal.actions import actions_by_id, move
from portal.forms import FormErrors
from portal.intentions import INTENTION_FORM, intention_input, intention_values
from portal.labels import code_choices, options
from portal.notices import home_notices
from portal.web import act, post, redirect, render, require_role, submit
from resolvers.outcomes import today as china_today

ROLE = "GRADUATE"
ACTIONS_URL = "/me/applications/move"


async def _my_file(request: Request) -> dict:
    user = await require_role(request, ROLE)
    data = await operations.run(request, "PersonFile", {"id": user["person"]["id"]})
    return data["node"]


async def _home(
    request: Request,
    intention: dict | None = None,
    errors: FormErrors | None = None,
    status: int = 200,
) -> Response:
    user = await require_role(request, ROLE)
    after = request.query_params.get("after")
    person, matched, choices, regions, fairs, notices = await asyncio.gather(
        _my_file(request),
        operations.run(request, "MatchedPositions", {"id": user["person"]["id"], "after": after}),
        operations.run(request, "IntentionChoices"),
        pickers.region_groups(request, user),
        operations.run(
            request,
            "UpcomingFairs",
            {"today": china_today().isoformat(), "after": request.query_params.get("fairs_after")},
        ),
        home_notices(request, user),
    )
    connection = matched["node"]["matchedPositions"]
    applied = {application["position"]["id"] for application in person["applications"]}
    # Referrals waiting for an answer get their own section (who referred, why); the file's
    # applications table offers the actions on every other application.
    referrals = [
        application
        for application in person["applications"]
        if application["stage"] == "RECOMMENDED"
    ]
    others = [
        application
        for application in person["applications"]
        if application["stage"] != "RECOMMENDED"
    ]
    return await render(
        request,
        "graduate/home.html",
        status,
        person=person,
        referrals=referrals,
        referral_actions=actions_by_id(user, referrals),
        actions=actions_by_id(user, others),
        actions_url=ACTIONS_URL,
        intention=intention
        or intention_values(person["employmentIntention"], person["certificates"]),
        occupations=code_choices(choices["occupations"]),
        region_groups=regions,
        fairs=fairs["fairs"],
        notices=notices,
        errors=errors or FormErrors(),
        tiers=options("location_tier"),
        matches=[edge["node"] for edge in connection["edges"]],
        page_info=connection["pageInfo"],
        query={"after": after},
        applied=applied,
    )


async def apply(request: Request, form: FormData) -> Response:
    """Apply to one of my matched positions in one click."""
    user = await require_role(request, ROLE)
    variables = {"personId": user["person"]["id"], "positionId": str(form.get("positionId", ""))}
    return await act(request, "Apply", variables, "/me", "已投递，可在下方「应聘记录」查看进度。")


async def register_for_fair(request: Request, form: FormData) -> Response:
    """报名: register myself at an upcoming fair (its organiser then sees me, see the privacy model)."""
    user = await require_role(request, ROLE)
    variables = {"fairId": str(form.get("fairId", "")), "personId": user["person"]["id"]}
    return await act(
        request, "RegisterForFair", variables, "/me", "已报名招聘会，主办方将通知您参会安排。"
    )


async def home(request: Request) -> Response:
    return await _home(request)


async def move_application(request: Request, form: FormData) -> Response:
    """Accept or decline a referral, withdraw an application: the buttons portal.actions offers."""
    user = await require_role(request, ROLE)
    return await move(request, form, user, "/me")


async def set_consent(request: Request, form: FormData) -> Response:
    person = await _my_file(request)
    consent = form.get("consent") == "on"
    done = (
        "已授权：用工企业和人力资源服务机构可以看到您的完整信息。"
        if consent
        else "已撤回授权：您的信息将对企业和服务机构脱敏显示。"
    )
    return await act(
        request, "SetConsent", {"consent": consent, "version": person["version"]}, "/me", done
    )


async def save_intention(request: Request, form: FormData) -> Response:
    person = await _my_file(request)
    result, shown, errors = await submit(
        request,
        form,
        INTENTION_FORM,
        "SaveIntention",
        lambda values: {"personId": person["id"], "input": intention_input(values)},
    )
    if result:
        return redirect("/me", "求职意向已保存。", request)
    return await _home(request, shown, errors, status=400)


ROUTES = [
    Route("/me", home),
    post("/me/consent", set_consent),
    post("/me/intention", save_intention),
    post("/me/applications", apply),
    post(ACTIONS_URL, move_application),
    post("/me/fairs", register_for_fair),
]
