"""School employment officers: the student and graduate ledger, a person's file (一人一档),
classes with their partner enterprise and reserved positions, enrolment."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import operations
from portal.web import act, post, render, require_role

ROLE = "SCHOOL"
LEDGERS = [("STUDENTS", "在读学生"), ("GRADUATES", "毕业生")]
YES_NO = [("true", "是"), ("false", "否")]


def _ledger_filter(params, school_id: str) -> dict:
    """The API's PersonFilter from the page's query string; blank choices filter nothing."""
    person_filter: dict = {"school": school_id}
    if params.get("search"):
        person_filter["search"] = params["search"]
    if params.get("cohortYear", "").isdigit():
        person_filter["cohortYear"] = int(params["cohortYear"])
    for flag in ("monitored", "keyCounty", "seeking"):
        if params.get(flag) in ("true", "false"):
            person_filter[flag] = params[flag] == "true"
    return person_filter


async def ledger(request: Request) -> Response:
    user = await require_role(request, ROLE)
    params = request.query_params
    which = params.get("ledger") if params.get("ledger") in dict(LEDGERS) else "STUDENTS"
    variables = {"ledger": which, "filter": _ledger_filter(params, user["organisation"]["id"]),
                 "after": params.get("after")}
    data = await operations.run(request, "SchoolLedger", variables)
    return await render(request, "school/ledger.html", persons=data["persons"], query=dict(params),
                        ledger=which, ledgers=LEDGERS, yes_no=YES_NO)


async def person_file(request: Request) -> Response:
    await require_role(request, ROLE)
    data = await operations.run(request, "PersonFile", {"id": request.path_params["id"]})
    if not data["node"]:
        raise HTTPException(404)
    return await render(request, "school/person.html", person=data["node"])


async def classes(request: Request) -> Response:
    user = await require_role(request, ROLE)
    data = await operations.run(request, "SchoolClasses", {"school": user["organisation"]["id"]})
    return await render(request, "school/classes.html", classes=[e["node"] for e in data["classes"]["edges"]])


async def class_detail(request: Request) -> Response:
    user = await require_role(request, ROLE)
    variables = {"id": request.path_params["id"], "school": user["organisation"]["id"]}
    data = await operations.run(request, "SchoolClass", variables)
    if not data["node"]:
        raise HTTPException(404)
    return await render(request, "school/class.html", training_class=data["node"],
                        candidates=_enrolment_choices(data["persons"]["edges"], data["node"]["students"]))


def _enrolment_choices(student_edges: list[dict], enrolled: list[dict]) -> list[tuple[str, str]]:
    """The school's students not yet in the class, as (id, "name（major）") options."""
    taken = {student["id"] for student in enrolled}
    choices = []
    for student in (edge["node"] for edge in student_edges):
        if student["id"] not in taken:
            major = (student["studentRecord"] or {}).get("major") or {"name": "—"}
            choices.append((student["id"], f"{student['name']}（{major['name']}）"))
    return choices


async def enrol(request: Request, form: FormData) -> Response:
    await require_role(request, ROLE)
    class_id = request.path_params["id"]
    variables = {"classId": class_id, "personId": form.get("personId", "")}
    return await act(request, "EnrolStudent", variables, f"/school/classes/{class_id}", "已将学生编入本班。")


ROUTES = [
    Route("/school", ledger),
    Route("/school/people/{id}", person_file),
    Route("/school/classes", classes),
    Route("/school/classes/{id}", class_detail),
    post("/school/classes/{id}/enrol", enrol),
]
