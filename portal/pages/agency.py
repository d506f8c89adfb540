"""HR / labour service agencies: the position demand list, one-click referrals, job fairs, and
one-to-one help (一对一帮扶): open a case for a graduate, record each action, close it."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import operations, pickers
from portal.forms import FormErrors, FormSpec
from portal.labels import options
from portal.notices import home_notices
from portal.pages.help import HelpDesk
from portal.web import act, post, redirect, render, require_role, submit

ROLE = "AGENCY"
FAIR_FORM = FormSpec(
    texts=("name", "kind", "mode", "regionCode"),
    dates=("startsOn", "endsOn"),
    required=("name", "kind", "mode", "regionCode", "startsOn", "endsOn"),
)


def demand_variables(params: Mapping[str, str], _user: dict) -> dict:
    """DemandList's variables for the page's query string (its export runs the same)."""
    position_filter: dict = {"state": "OPEN"}
    if params.get("search"):
        position_filter["search"] = params["search"]
    if params.get("yuluPriority") == "true":
        position_filter["yuluPriority"] = True
    return {"filter": position_filter, "after": params.get("after")}


async def demand_list(request: Request) -> Response:
    user = await require_role(request, ROLE)
    params = request.query_params
    data = await operations.run(request, "DemandList", demand_variables(params, user))
    return await render(
        request,
        "agency/positions.html",
        positions=data["positions"],
        query=dict(params),
        notices=await home_notices(request, user),
    )


async def position_candidates(request: Request) -> Response:
    """The position's matched graduates, best first, each with why (为什么推荐) and what is missing
    (缺少什么); referred ones are marked, the rest are one click away from a referral."""
    await require_role(request, ROLE)
    position_id = request.path_params["id"]
    after = request.query_params.get("after")
    position, matches = await asyncio.gather(
        operations.run(request, "ReferralPosition", {"id": position_id}),
        operations.run(
            request, "MatchedGraduates", {"id": position_id, "first": 10, "after": after}
        ),
    )
    position = position["node"]
    if not position:
        raise HTTPException(404)
    applied = {application["person"]["id"] for application in position["applications"]}
    connection = matches["node"]["matchedGraduates"]
    return await render(
        request,
        "agency/position.html",
        position=position,
        matches=[edge["node"] for edge in connection["edges"]],
        page_info=connection["pageInfo"],
        query={"after": after},
        applied=applied,
    )


async def refer(request: Request, form: FormData) -> Response:
    await require_role(request, ROLE)
    position_id = request.path_params["id"]
    variables = {"personId": form.get("personId", ""), "positionId": position_id}
    return await act(
        request,
        "ReferCandidate",
        variables,
        f"/agency/positions/{position_id}",
        "已推荐，企业将在应聘进度中看到这位毕业生。",
    )


# --- fairs -------------------------------------------------------------------------------------


async def _fairs_page(
    request: Request, user: dict, values: dict, errors: FormErrors, status: int = 200
) -> Response:
    fairs = await operations.run(request, "MyFairs", {"organiser": user["organisation"]["id"]})
    return await render(
        request,
        "agency/fairs.html",
        status,
        fairs=[e["node"] for e in fairs["fairs"]["edges"]],
        values=values,
        errors=errors,
        kinds=options("fair_kind"),
        modes=options("fair_mode"),
        regions=await pickers.region_groups(request, user),
    )


async def fairs(request: Request) -> Response:
    user = await require_role(request, ROLE)
    blank = {"kind": "REGIONAL", "mode": "OFFLINE", "regionCode": user["region"]["code"]}
    return await _fairs_page(request, user, blank, FormErrors())


async def create_fair(request: Request, form: FormData) -> Response:
    user = await require_role(request, ROLE)
    result, shown, errors = await submit(
        request, form, FAIR_FORM, "CreateFair", lambda values: {"input": values}
    )
    if result:
        return redirect(
            f"/agency/fairs/{result['id']}", "招聘会已创建，请添加岗位并登记毕业生。", request
        )
    return await _fairs_page(request, user, shown, errors, status=400)


async def fair_detail(request: Request) -> Response:
    """The fair, its positions, and the picker that finds the graduates to register (name or ID
    number where the agency sees it, job seekers by default, 20 a page with their count)."""
    user = await require_role(request, ROLE)
    query = pickers.person_query(request.query_params, seeking="true")
    offered = pickers.filters_offered(user, pickers.SEEKING)
    data, graduates = await asyncio.gather(
        operations.run(request, "FairDetail", {"id": request.path_params["id"]}),
        pickers.person_choices(request, "GRADUATES", query, offered),
    )
    fair = data["node"]
    if not fair:
        raise HTTPException(404)
    added = {position["id"] for position in fair["positions"]}
    position_choices = [
        (p["id"], f"{p['title']}（{p['enterprise']['name']}）")
        for p in (e["node"] for e in data["positions"]["edges"])
        if p["id"] not in added
    ]
    shortlist = None
    if request.query_params.get("shortlist"):  # 生成推荐名单: a read, so a GET the page links to
        shortlist = (await operations.run(request, "FairShortlist", {"id": fair["id"]}))["node"][
            "shortlist"
        ]
    return await render(
        request,
        "agency/fair.html",
        fair=fair,
        position_choices=position_choices,
        graduates=graduates,
        query=query,
        filters=offered,
        registered={person["id"] for person in fair["registrations"]},
        shortlist=shortlist,
    )


async def add_fair_position(request: Request, form: FormData) -> Response:
    """Invites the position's enterprise (if it is not taking part yet), then adds the position."""
    await require_role(request, ROLE)
    fair_id, back = request.path_params["id"], f"/agency/fairs/{request.path_params['id']}"
    position = (
        await operations.run(request, "PositionEnterprise", {"id": form.get("positionId", "")})
    )["node"]
    if not position:
        return redirect(back, "请选择一个在招岗位。", request, failed=True)
    invited, errors = await operations.mutate(
        request,
        "AddFairEnterprise",
        {"fairId": fair_id, "enterpriseIds": [position["enterprise"]["id"]]},
    )
    if not invited:
        return redirect(
            back, "；".join(FormErrors.from_payload(errors, set()).general), request, failed=True
        )
    variables = {"fairId": fair_id, "positionIds": [position["id"]]}
    return await act(request, "AddFairPosition", variables, back, "岗位及其企业已加入招聘会。")


async def register_graduate(request: Request, form: FormData) -> Response:
    await require_role(request, ROLE)
    fair_id = request.path_params["id"]
    variables = {"fairId": fair_id, "personId": form.get("personId", "")}
    back = pickers.back_to_picker(request, f"/agency/fairs/{fair_id}", "register")
    return await act(request, "RegisterForFair", variables, back, "毕业生已登记参会。")


# --- one-to-one help (一对一帮扶): the same pages as schools' and county bureaus' ---------------

HELP = HelpDesk(ROLE, "/agency/people", "一对一帮扶：符合条件的雨露计划毕业生", "help-cases")


ROUTES = [
    Route("/agency", demand_list),
    Route("/agency/positions/{id}", position_candidates),
    post("/agency/positions/{id}/refer", refer),
    Route("/agency/fairs", fairs),
    post("/agency/fairs", create_fair),
    Route("/agency/fairs/{id}", fair_detail),
    post("/agency/fairs/{id}/positions", add_fair_position),
    post("/agency/fairs/{id}/registrations", register_graduate),
    *HELP.routes(),
]
