"""Enterprise HR: my positions; create, edit, open and close one; each position's applicants."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import operations, pickers
from portal.actions import actions_by_id, move
from portal.forms import FormErrors, FormSpec, version_of
from portal.labels import code_choices, options
from portal.notices import home_notices
from portal.web import act, post, redirect, render, require_role, submit
from resolvers.outcomes import today as china_today

ROLE = "ENTERPRISE"
POSITION_FORM = FormSpec(
    texts=(
        "title",
        "occupationCode",
        "kind",
        "minEducation",
        "regionCode",
        "benefits",
        "description",
    ),
    integers=("headcount", "salaryMin", "salaryMax"),
    dates=("validFrom", "validUntil"),
    lists=("majorCodes",),
    flags=("yuluPriority",),
)
# A new position needs every field PositionInput requires; an edit sends only what changed.
NEW_POSITION_FORM = replace(
    POSITION_FORM,
    required=(
        "title",
        "occupationCode",
        "kind",
        "minEducation",
        "headcount",
        "salaryMin",
        "salaryMax",
        "regionCode",
        "validFrom",
        "validUntil",
    ),
)
PIPELINE = ("RECOMMENDED", "APPLIED", "INTERVIEW", "OFFER", "HIRED")


def positions_variables(params: Mapping[str, str], user: dict) -> dict:
    """EnterprisePositions' variables for the page (its export runs the same)."""
    return {"enterprise": user["organisation"]["id"], "after": params.get("after")}


async def my_positions(request: Request) -> Response:
    user = await require_role(request, ROLE)
    data = await operations.run(
        request, "EnterprisePositions", positions_variables(request.query_params, user)
    )
    positions = data["positions"]
    return await render(
        request,
        "enterprise/positions.html",
        positions=positions,
        query={"after": request.query_params.get("after")},
        notices=await home_notices(request, user),
    )


# --- the position form -----------------------------------------------------------------------


async def position_form_page(
    request: Request,
    user: dict,
    values: dict,
    errors: FormErrors,
    position: dict | None = None,
    status: int = 200,
    kinds: list[tuple[str, str]] | None = None,
    back: str | None = None,
) -> Response:
    """The position form; a bureau's page passes the kinds it may post and its list page."""
    choices = await operations.run(request, "PositionFormOptions")
    return await render(
        request,
        "enterprise/position_form.html",
        status,
        values=values,
        errors=errors,
        position=position,
        occupations=code_choices(choices["occupations"]),
        majors=code_choices(choices["majors"]),
        regions=await pickers.region_groups(request, user),
        kinds=kinds or options("position_kind"),
        educations=options("education"),
        back=back,
    )


def blank_position(user: dict, kind: str = "REGULAR") -> dict:
    today = china_today()
    return {
        "kind": kind,
        "minEducation": "SECONDARY_VOCATIONAL",
        "regionCode": user["region"]["code"],
        "headcount": 1,
        "majorCodes": [],
        "yuluPriority": True,
        "validFrom": today.isoformat(),
        "validUntil": (today + timedelta(days=180)).isoformat(),
    }


async def new_position(request: Request) -> Response:
    user = await require_role(request, ROLE)
    return await position_form_page(request, user, blank_position(user), FormErrors())


async def create_position(request: Request, form: FormData) -> Response:
    user = await require_role(request, ROLE)
    result, shown, errors = await submit(
        request, form, NEW_POSITION_FORM, "CreatePosition", lambda values: {"input": values}
    )
    if result:
        return redirect(
            f"/enterprise/positions/{result['id']}", "岗位已保存为草稿，确认无误后请发布。", request
        )
    return await position_form_page(request, user, shown, errors, status=400)


async def _position(request: Request, operation: str) -> dict:
    data = await operations.run(request, operation, {"id": request.path_params["id"]})
    if not data["node"]:
        raise HTTPException(404)
    return data["node"]


def _editable_values(position: dict) -> dict:
    values = {name: position.get(name) for name in POSITION_FORM.names}
    values.update(
        occupationCode=position["occupation"]["code"],
        regionCode=position["region"]["code"],
        majorCodes=[major["code"] for major in position["majors"]],
    )
    return values


async def edit_position(request: Request) -> Response:
    user = await require_role(request, ROLE)
    position = await _position(request, "PositionForEditing")
    return await position_form_page(
        request, user, _editable_values(position), FormErrors(), position
    )


async def update_position(request: Request, form: FormData) -> Response:
    user = await require_role(request, ROLE)
    position = await _position(request, "PositionForEditing")
    version = version_of(form)
    result, shown, errors = await submit(
        request,
        form,
        POSITION_FORM,
        "UpdatePosition",
        lambda changes: {"id": position["id"], "version": version, "changes": changes},
    )
    if result:
        return redirect(f"/enterprise/positions/{position['id']}", "岗位信息已更新。", request)
    return await position_form_page(request, user, shown, errors, position, status=400)


# --- one position: state and applicant pipeline -----------------------------------------------


def _pipeline(applications: list[dict]) -> tuple[dict[str, list[dict]], list[dict]]:
    """Applications by open stage (columns), and the ended ones (rejected / withdrawn)."""
    columns: dict[str, list[dict]] = {stage: [] for stage in PIPELINE}
    ended: list[dict] = []
    for application in applications:
        columns.get(application["stage"], ended).append(application)
    return columns, ended


MATCHES_SHOWN = 5


async def _matches(request: Request, position: dict) -> list[dict]:
    """Matched candidates of an open position (names masked unless the graduate consented)."""
    if position["state"] != "OPEN":
        return []
    data = await operations.run(
        request, "MatchedGraduates", {"id": position["id"], "first": MATCHES_SHOWN}
    )
    applied = {application["person"]["id"] for application in position["applications"]}
    return [
        edge["node"]
        for edge in data["node"]["matchedGraduates"]["edges"]
        if edge["node"]["graduate"]["id"] not in applied
    ]


async def position_detail(request: Request) -> Response:
    user = await require_role(request, ROLE)
    position = await _position(request, "PositionPipeline")
    columns, ended = _pipeline(position["applications"])
    return await render(
        request,
        "enterprise/position.html",
        position=position,
        columns=columns,
        ended=ended,
        actions=actions_by_id(user, position["applications"]),
        reasons=options("rejection_reason"),
        matches=await _matches(request, position),
    )


async def _set_state(request: Request, form: FormData, operation: str, done: str) -> Response:
    await require_role(request, ROLE)
    position_id = request.path_params["id"]
    variables = {"id": position_id, "version": version_of(form)}
    return await act(request, operation, variables, f"/enterprise/positions/{position_id}", done)


async def open_position(request: Request, form: FormData) -> Response:
    return await _set_state(
        request, form, "OpenPosition", "岗位已发布，求职者和服务机构现在可以看到它。"
    )


async def close_position(request: Request, form: FormData) -> Response:
    return await _set_state(request, form, "ClosePosition", "岗位已关闭。")


async def move_application(request: Request, form: FormData) -> Response:
    user = await require_role(request, ROLE)
    return await move(request, form, user, f"/enterprise/positions/{request.path_params['id']}")


ROUTES = [
    Route("/enterprise", my_positions),
    Route("/enterprise/positions/new", new_position),
    post("/enterprise/positions/new", create_position),
    Route("/enterprise/positions/{id}", position_detail),
    Route("/enterprise/positions/{id}/edit", edit_position),
    post("/enterprise/positions/{id}/edit", update_position),
    post("/enterprise/positions/{id}/open", open_position),
    post("/enterprise/positions/{id}/close", close_position),
    post("/enterprise/positions/{id}/applications", move_application),
]
