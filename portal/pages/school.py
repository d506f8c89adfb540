"""School employment officers: the student and graduate ledger, a person's file (一人一档) with
its follow-ups (跟踪回访), classes with their partner enterprise and reserved positions, enrolment."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import date

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import operations, pickers
from portal.actions import actions_by_id, move
from portal.forms import FormErrors, FormSpec, integer_or_400
from portal.intentions import INTENTION_FORM, intention_input, intention_values
from portal.labels import code_choices, options
from portal.notices import home_notices
from portal.pages.help import HelpDesk
from portal.web import act, post, redirect, render, require_role, submit
from resolvers.outcomes import today as china_today

ROLE = "SCHOOL"
LEDGERS = [("STUDENTS", "在读学生"), ("GRADUATES", "毕业生")]
YES_NO = [("true", "是"), ("false", "否")]
CLASS_FORM = FormSpec(
    texts=("kind", "name", "enterpriseId", "majorCode", "trainingPlan"),
    integers=("cohortYear", "seats"),
    dates=("startsOn", "endsOn"),
    required=("kind", "name", "cohortYear", "seats", "startsOn", "endsOn"),
)
STUDENT_IDENTITY = (
    "name",
    "idNumber",
    "phone",
    "education",
    "householdRegion",
    "householdCategory",
    "registrationNumber",
    "householdId",
)
STUDENT_FORM = FormSpec(
    texts=(*STUDENT_IDENTITY, "majorCode"),
    integers=("entryYear", "expectedGraduationYear"),
    flags=("relocated",),
    required=("name", "idNumber", "majorCode", "entryYear", "expectedGraduationYear"),
)
GRADUATE_FORM = FormSpec(integers=("graduationYear",))
CLOSE_FORM = FormSpec(texts=("reason",), dates=("closedOn",), required=("closedOn", "reason"))
FOLLOW_UP_FORM = FormSpec(
    texts=("status", "note", "endReason"),
    integers=("monthlyIncome",),
    dates=("onDate",),
    required=("onDate", "status"),
)


DESTINATION_FORM = FormSpec(
    texts=("kind", "employerName", "employerCreditCode", "workRegionCode", "note", "endReason"),
    integers=("monthlyIncome",),
    dates=("since",),
    required=("kind", "since"),
)
DESTINATION_KINDS = [(v, t) for v, t in options("destination_kind") if v != "ALLIANCE_JOB"]
"""联盟内就业 is recorded by the hire itself; the school records the other kinds."""


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


def ledger_variables(params: Mapping[str, str], user: dict) -> dict:
    """SchoolLedger's variables for the page's query string (its export runs the same)."""
    which = params.get("ledger") if params.get("ledger") in dict(LEDGERS) else "STUDENTS"
    return {
        "ledger": which,
        "filter": _ledger_filter(params, user["organisation"]["id"]),
        "after": params.get("after"),
    }


async def ledger(request: Request) -> Response:
    user = await require_role(request, ROLE)
    params = request.query_params
    variables = ledger_variables(params, user)
    which = variables["ledger"]
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
    request: Request,
    values: dict,
    errors: FormErrors,
    status: int = 200,
    *,
    destination: dict | None = None,
    destination_errors: FormErrors | None = None,
    student_values: dict | None = None,
    student_errors: FormErrors | None = None,
    intention: dict | None = None,
    intention_errors: FormErrors | None = None,
) -> Response:
    user = await require_role(request, ROLE)
    data = await operations.run(request, "PersonFile", {"id": request.path_params["id"]})
    if not data["node"]:
        raise HTTPException(404)
    person = data["node"]
    choices, intention_choices, regions = await asyncio.gather(
        operations.run(request, "StudentFormOptions"),
        operations.run(request, "IntentionChoices"),
        pickers.region_groups(request, user),
    )
    return await render(
        request,
        "school/person.html",
        status,
        person=person,
        values=values,
        errors=errors,
        destination=destination or {"kind": "OTHER_JOB", "since": china_today().isoformat()},
        destination_errors=destination_errors or FormErrors(),
        destination_kinds=DESTINATION_KINDS,
        end_reasons=options("end_reason"),
        regions=regions,
        student=student_values or _student_values(person),
        student_errors=student_errors or FormErrors(),
        intention=intention
        or intention_values(person["employmentIntention"], person["certificates"]),
        intention_errors=intention_errors or FormErrors(),
        statuses=options("follow_up_status"),
        educations=options("education"),
        majors=code_choices(choices["majors"]),
        occupations=code_choices(intention_choices["occupations"]),
        region_groups=regions,
        tiers=options("location_tier"),
        today=china_today().isoformat(),
        actions=actions_by_id(user, person["applications"]),
        actions_url=f"/school/people/{person['id']}/applications",
    )


def _student_values(person: dict) -> dict:
    """The stored identity and record as the correction form's values (the ID number is the key
    the upsert matches on: shown, not editable)."""
    record = person["studentRecord"] or {}
    return {
        **{name: person.get(name) for name in ("name", "idNumber", "phone", "education")},
        "majorCode": (record.get("major") or {}).get("code"),
        "entryYear": record.get("entryYear"),
        "expectedGraduationYear": record.get("expectedGraduationYear"),
    }


async def move_person_application(request: Request, form: FormData) -> Response:
    """A student's referral answered, or an application withdrawn, on the student's behalf."""
    user = await require_role(request, ROLE)
    return await move(request, form, user, f"/school/people/{request.path_params['id']}")


async def person_file(request: Request) -> Response:
    await require_role(request, ROLE)
    return await _person_page(
        request, {"onDate": china_today().isoformat(), "status": "EMPLOYED"}, FormErrors()
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


async def record_destination(request: Request, form: FormData) -> Response:
    """毕业去向: the graduate's current destination; the API's rule errors land by their fields."""
    await require_role(request, ROLE)
    person_id = request.path_params["id"]
    result, shown, errors = await submit(
        request,
        form,
        DESTINATION_FORM,
        "RecordDestination",
        lambda values: {"personId": person_id, "input": values},
    )
    if result:
        return redirect(f"/school/people/{person_id}", "毕业去向已登记。", request)
    blank = {"onDate": china_today().isoformat(), "status": "EMPLOYED"}
    return await _person_page(
        request, blank, FormErrors(), 400, destination=shown, destination_errors=errors
    )


# --- enrolling, correcting, graduating, closing (ledger b → c) ----------------------------------


def _student_variables(values: dict) -> dict:
    identity = {name: values[name] for name in STUDENT_IDENTITY if values.get(name)}
    identity["relocated"] = values.get("relocated", False)
    record = {
        name: values[name]
        for name in ("majorCode", "entryYear", "expectedGraduationYear")
        if name in values
    }
    return {"person": identity, "input": record}


async def _student_form(
    request: Request, user: dict, values: dict, errors: FormErrors, status: int = 200
) -> Response:
    choices, regions = await asyncio.gather(
        operations.run(request, "StudentFormOptions"), pickers.region_groups(request, user)
    )
    return await render(
        request,
        "school/student_form.html",
        status,
        values=values,
        errors=errors,
        majors=code_choices(choices["majors"]),
        educations=options("education"),
        categories=options("household_category"),
        region_groups=regions,
    )


async def new_student(request: Request) -> Response:
    user = await require_role(request, ROLE)
    year = china_today().year
    blank = {
        "entryYear": year,
        "expectedGraduationYear": year + 3,
        "householdCategory": "LIFTED",
        "education": "JUNIOR_MIDDLE",
        "householdId": request.query_params.get("household", ""),
    }
    return await _student_form(request, user, blank, FormErrors())


def _recorded(result: dict) -> str:
    if result.get("transfer"):
        return (
            "已提交入学申请：此人尚不是本校学生，由其户籍地县级乡村振兴局（或现就读学校）审批，"
            "批准后进入本校台账。"
        )
    return "学籍已保存。"


async def enrol_student(request: Request, form: FormData) -> Response:
    """A new student: the school's own is updated; anyone else becomes a request (issue 11)."""
    user = await require_role(request, ROLE)
    values, errors = STUDENT_FORM.parse(form)
    if not errors:
        data, payload_errors = await operations.mutate_payload(
            request, "RecordStudent", _student_variables(values)
        )
        if not payload_errors:
            return redirect("/school", _recorded(data), request)
        errors = FormErrors.from_payload(payload_errors, STUDENT_FORM.names)
    return await _student_form(request, user, STUDENT_FORM.values(form), errors, status=400)


async def correct_student(request: Request, form: FormData) -> Response:
    await require_role(request, ROLE)
    person_id = request.path_params["id"]
    values, errors = STUDENT_FORM.parse(form)
    if not errors:
        _data, payload_errors = await operations.mutate_payload(
            request, "RecordStudent", _student_variables(values)
        )
        if not payload_errors:
            return redirect(f"/school/people/{person_id}", "学生信息已更正。", request)
        errors = FormErrors.from_payload(payload_errors, STUDENT_FORM.names)
    return await _person_page(
        request,
        {},
        FormErrors(),
        status=400,
        student_values=STUDENT_FORM.values(form),
        student_errors=errors,
    )


async def graduate_student(request: Request, form: FormData) -> Response:
    await require_role(request, ROLE)
    person_id = request.path_params["id"]
    values, errors = GRADUATE_FORM.parse(form)
    back = f"/school/people/{person_id}"
    if errors:
        return redirect(back, "毕业年份须填写整数。", request, failed=True)
    return await act(
        request,
        "GraduateStudent",
        {"personId": person_id, **values},
        back,
        "已办理毕业，转入毕业生求职意向清单（清单三）。",
    )


async def close_student(request: Request, form: FormData) -> Response:
    await require_role(request, ROLE)
    person_id = request.path_params["id"]
    values, errors = CLOSE_FORM.parse(form)
    back = f"/school/people/{person_id}"
    if errors:
        return redirect(back, "请填写注销日期和原因。", request, failed=True)
    return await act(
        request,
        "CloseStudentRecord",
        {"personId": person_id, "input": values},
        back,
        "学籍已注销（退学），记录保留。",
    )


async def save_intention(request: Request, form: FormData) -> Response:
    """The graduate's intention as their school records it: the same form and mutation as the
    graduate's own page (desired occupations and regions, certificates)."""
    await require_role(request, ROLE)
    person_id = request.path_params["id"]
    result, shown, errors = await submit(
        request,
        form,
        INTENTION_FORM,
        "SaveIntention",
        lambda values: {"personId": person_id, "input": intention_input(values)},
    )
    if result:
        return redirect(f"/school/people/{person_id}", "求职意向已保存。", request)
    return await _person_page(
        request, {}, FormErrors(), status=400, intention=shown, intention_errors=errors
    )


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
    today = china_today()
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


# One-to-one help (一人一档、一人一策) for the school's own students and graduates.
HELP = HelpDesk(
    ROLE, "/school/help", "一对一帮扶：本校学生和毕业生", "school-help-cases", default_seeking=""
)

ROUTES = [
    Route("/school", ledger),
    Route("/school/students/new", new_student),
    post("/school/students/new", enrol_student),
    Route("/school/people/{id}", person_file),
    post("/school/people/{id}/record", correct_student),
    post("/school/people/{id}/graduate", graduate_student),
    post("/school/people/{id}/close", close_student),
    post("/school/people/{id}/intention", save_intention),
    post("/school/people/{id}/follow-ups", record_follow_up),
    post("/school/people/{id}/destination", record_destination),
    post("/school/people/{id}/applications", move_person_application),
    Route("/school/classes", classes),
    Route("/school/classes/new", new_class),
    post("/school/classes/new", create_class),
    Route("/school/classes/{id}", class_detail),
    post("/school/classes/{id}/reserve", reserve),
    post("/school/classes/{id}/enrol", enrol),
    *HELP.routes(),
]
