"""School employment officers: the student and graduate ledger, a person's file (一人一档) with
its follow-ups (跟踪回访), classes with their partner enterprise and reserved positions, enrolment."""

from __future__ import annotations

import asyncio
from datetime import date

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import operations, pickers
from portal.actions import actions_by_id, move
from portal.forms import FormErrors, FormSpec, integer_or_400
from portal.labels import code_choices, options
from portal.notices import home_notices
from portal.web import act, post, redirect, render, require_role, submit

ROLE = "SCHOOL"
LEDGERS = [("STUDENTS", "在读学生"), ("GRADUATES", "毕业生")]
YES_NO = [("true", "是"), ("false", "否")]
CLASS_FORM = FormSpec(
    texts=("kind", "name", "enterpriseId", "majorCode", "trainingPlan"),
    integers=("cohortYear", "seats"),
    dates=("startsOn", "endsOn"),
    required=("kind", "name", "cohortYear", "seats", "startsOn", "endsOn"),
)
FOLLOW_UP_FORM = FormSpec(
    texts=("status", "note"),
    integers=("monthlyIncome",),
    dates=("onDate",),
    required=("onDate", "status"),
)


def _ledger_filter(params, school_id: str) -> dict:
    """The API's PersonFilter from the page's query string; blank choices filter nothing."""
    person_filter: dict = {"school": school_id}
    if params.get("search"):
        person_filter["search"] = params["search"]
    cohort_year = integer_or_400(params.get("cohortYear"), "毕业年份")
    if cohort_year is not None:
        person_filter["cohortYear"] = cohort_year
    for flag in ("monitored", "keyCounty", "seeking"):
        if params.get(flag) in ("true", "false"):
            person_filter[flag] = params[flag] == "true"
    return person_filter


async def ledger(request: Request) -> Response:
    user = await require_role(request, ROLE)
    params = request.query_params
    which = params.get("ledger") if params.get("ledger") in dict(LEDGERS) else "STUDENTS"
    variables = {
        "ledger": which,
        "filter": _ledger_filter(params, user["organisation"]["id"]),
        "after": params.get("after"),
    }
    data = await operations.run(request, "SchoolLedger", variables)
    return await render(
        request,
        "school/ledger.html",
        persons=data["persons"],
        query=dict(params),
        ledger=which,
        ledgers=LEDGERS,
        yes_no=YES_NO,
        notices=await home_notices(request, user),
    )


async def _person_page(
    request: Request, values: dict, errors: FormErrors, status: int = 200
) -> Response:
    user = await require_role(request, ROLE)
    data = await operations.run(request, "PersonFile", {"id": request.path_params["id"]})
    if not data["node"]:
        raise HTTPException(404)
    person = data["node"]
    return await render(
        request,
        "school/person.html",
        status,
        person=person,
        values=values,
        errors=errors,
        statuses=options("follow_up_status"),
        actions=actions_by_id(user, person["applications"]),
        actions_url=f"/school/people/{person['id']}/applications",
    )


async def move_person_application(request: Request, form: FormData) -> Response:
    """A student's referral answered, or an application withdrawn, on the student's behalf."""
    user = await require_role(request, ROLE)
    return await move(request, form, user, f"/school/people/{request.path_params['id']}")


async def person_file(request: Request) -> Response:
    await require_role(request, ROLE)
    return await _person_page(
        request, {"onDate": date.today().isoformat(), "status": "EMPLOYED"}, FormErrors()
    )


async def record_follow_up(request: Request, form: FormData) -> Response:
    """跟踪回访: the graduate's status on a date; the API's rule errors land next to their fields."""
    await require_role(request, ROLE)
    person_id = request.path_params["id"]
    result, shown, errors = await submit(
        request,
        form,
        FOLLOW_UP_FORM,
        "RecordFollowUp",
        lambda values: {"personId": person_id, **values},
    )
    if result:
        return redirect(f"/school/people/{person_id}", "回访已记录。", request)
    return await _person_page(request, shown, errors, status=400)


async def classes(request: Request) -> Response:
    user = await require_role(request, ROLE)
    data = await operations.run(request, "SchoolClasses", {"school": user["organisation"]["id"]})
    return await render(
        request, "school/classes.html", classes=[e["node"] for e in data["classes"]["edges"]]
    )


async def class_detail(request: Request) -> Response:
    """The class, and the picker that finds any student of the school (name or ID number, 20 a
    page) to enrol; those already in the class are marked instead of offered."""
    user = await require_role(request, ROLE)
    query = pickers.person_query(request.query_params)
    offered = pickers.filters_offered(user)
    data, candidates = await asyncio.gather(
        operations.run(request, "SchoolClass", {"id": request.path_params["id"]}),
        pickers.person_choices(
            request, "STUDENTS", query, offered, school=user["organisation"]["id"]
        ),
    )
    if not data["node"]:
        raise HTTPException(404)
    training_class = data["node"]
    reservable, full = _reservable(training_class)
    return await render(
        request,
        "school/class.html",
        training_class=training_class,
        candidates=candidates,
        enrolled={student["id"] for student in training_class["students"]},
        query=query,
        filters=offered,
        reservable=reservable,
        full_positions=full,
    )


def _reservable(training_class: dict) -> tuple[list[tuple[str, str]], int]:
    """The partner enterprise's positions not yet reserved for the class that still have places
    (filled < headcount), as options; and how many were left out for being full."""
    partner = training_class["enterprise"]
    if not partner:
        return [], 0
    reserved = {position["id"] for position in training_class["reservedPositions"]}
    candidates = [
        position
        for position in partner["positions"]
        if position["id"] not in reserved and position["state"] != "CLOSED"
    ]
    open_ones = [position for position in candidates if position["filled"] < position["headcount"]]
    options = [
        (
            p["id"],
            f"{p['title']}（{p['region']['name']}，剩余 {p['headcount'] - p['filled']} 个名额）",
        )
        for p in open_ones
    ]
    return options, len(candidates) - len(open_ones)


# --- a new class -------------------------------------------------------------------------------


async def _class_form(
    request: Request, values: dict, errors: FormErrors, status: int = 200
) -> Response:
    choices = await operations.run(request, "ClassFormOptions")
    enterprises = [
        (edge["node"]["id"], edge["node"]["name"]) for edge in choices["organisations"]["edges"]
    ]
    return await render(
        request,
        "school/class_form.html",
        status,
        values=values,
        errors=errors,
        kinds=options("class_kind"),
        enterprises=enterprises,
        majors=code_choices(choices["majors"]),
    )


async def new_class(request: Request) -> Response:
    await require_role(request, ROLE)
    today = date.today()
    blank = {
        "kind": "CUSTOMISED",
        "cohortYear": today.year,
        "seats": 40,
        "startsOn": date(today.year, 9, 1).isoformat(),
        "endsOn": date(today.year + 3, 6, 30).isoformat(),
    }
    return await _class_form(request, blank, FormErrors())


async def create_class(request: Request, form: FormData) -> Response:
    await require_role(request, ROLE)
    result, shown, errors = await submit(
        request, form, CLASS_FORM, "CreateClass", lambda values: {"input": values}
    )
    if result:
        notice = "班级已创建。合作企业的岗位可在下方预留给本班学生。"
        return redirect(f"/school/classes/{result['id']}", notice, request)
    return await _class_form(request, shown, errors, status=400)


async def enrol(request: Request, form: FormData) -> Response:
    await require_role(request, ROLE)
    class_id = request.path_params["id"]
    variables = {"classId": class_id, "personId": form.get("personId", "")}
    back = pickers.back_to_picker(request, f"/school/classes/{class_id}", "enrol")
    return await act(request, "EnrolStudent", variables, back, "已将学生编入本班。")


async def reserve(request: Request, form: FormData) -> Response:
    await require_role(request, ROLE)
    class_id = request.path_params["id"]
    position_ids = [value for value in form.getlist("positionIds") if value]
    back = f"/school/classes/{class_id}"
    if not position_ids:
        return redirect(back, "请至少选择一个要预留的岗位。", request, failed=True)
    variables = {"classId": class_id, "positionIds": position_ids}
    return await act(
        request,
        "ReserveClassPositions",
        variables,
        back,
        f"已为本班预留 {len(position_ids)} 个岗位。",
    )


ROUTES = [
    Route("/school", ledger),
    Route("/school/people/{id}", person_file),
    post("/school/people/{id}/follow-ups", record_follow_up),
    post("/school/people/{id}/applications", move_person_application),
    Route("/school/classes", classes),
    Route("/school/classes/new", new_class),
    post("/school/classes/new", create_class),
    Route("/school/classes/{id}", class_detail),
    post("/school/classes/{id}/reserve", reserve),
    post("/school/classes/{id}/enrol", enrol),
]
