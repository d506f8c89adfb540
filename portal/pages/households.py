"""The county bureau's census (摸底台账, ledger a) and households: record a child (a new household,
or a sibling's found by its registration number or a member's ID number), correct them, add a
survey year, take them off the census; change a household's category with a date and a reason.

Everything goes through the same mutations as the API and the Excel import (upsertEnrolment-
Intention, closeCensusEntry, changeHouseholdCategory), so the rules of auth.rules apply alike."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import operations
from portal.forms import FormErrors, FormSpec
from portal.labels import code_choices, options
from portal.web import act, post, redirect, render, require_role, submit
from resolvers.outcomes import today as china_today

ROLE = "BUREAU"
IDENTITY = ("name", "idNumber", "phone", "householdCategory", "registrationNumber", "householdId")
SURVEY = ("surveyYear", "wantsVocational", "preferredMajorCode", "note")
CENSUS_FORM = FormSpec(
    texts=(*IDENTITY, "preferredMajorCode", "note"),
    integers=("surveyYear",),
    flags=("relocated", "wantsVocational"),
    required=("name", "idNumber", "surveyYear"),
)
CATEGORY_FORM = FormSpec(
    texts=("category", "reason"), dates=("changedOn",), required=("category", "changedOn", "reason")
)
CLOSE_FORM = FormSpec(texts=("reason",), dates=("closedOn",), required=("closedOn", "reason"))


def _census_variables(values: dict, county: str) -> dict:
    """The form as upsertEnrolmentIntention's arguments: a child of the bureau's own county; one
    joining a household (householdId) takes that household's county and category."""
    person = {name: values[name] for name in IDENTITY if values.get(name)}
    person["relocated"] = values.get("relocated", False)
    if "householdId" not in person:
        person["householdRegion"] = county
    else:
        person.pop("householdCategory", None)
    survey = {name: values[name] for name in SURVEY if name in values}
    return {"person": person, "input": survey}


def census_variables(params: Mapping[str, str], _user: dict) -> dict:
    """CensusLedger's variables for the page's query string (its export runs the same)."""
    person_filter = {"search": params["search"]} if params.get("search") else {}
    return {"filter": person_filter, "after": params.get("after")}


async def ledger(request: Request) -> Response:
    user = await require_role(request, ROLE)
    params = request.query_params
    data = await operations.run(request, "CensusLedger", census_variables(params, user))
    return await render(request, "bureau/census.html", persons=data["persons"], query=dict(params))


async def _form(request: Request, values: dict, errors: FormErrors, status: int = 200) -> Response:
    choices = await operations.run(request, "CensusFormOptions")
    return await render(
        request,
        "bureau/census_form.html",
        status,
        values=values,
        errors=errors,
        categories=options("household_category"),
        majors=code_choices(choices["majors"]),
    )


async def new_child(request: Request) -> Response:
    """A blank census row; ``?household=&number=`` adds the child to a household found first."""
    await require_role(request, ROLE)
    params = request.query_params
    values = {
        "surveyYear": china_today().year,
        "wantsVocational": True,
        "householdCategory": "LIFTED",
        "householdId": params.get("household", ""),
        "registrationNumber": params.get("number", ""),
    }
    return await _form(request, values, FormErrors())


async def record_child(request: Request, form: FormData) -> Response:
    user = await require_role(request, ROLE)
    result, shown, errors = await submit(
        request,
        form,
        CENSUS_FORM,
        "RecordCensus",
        lambda values: _census_variables(values, user["region"]["code"]),
    )
    if result:
        search = urlencode({"search": str(form.get("idNumber", "")).strip().upper()})
        notice = f"已记入 {result['surveyYear']} 年摸底台账。"
        return redirect(f"/bureau/people?{search}", notice, request)
    return await _form(request, shown, errors, status=400)


async def child(request: Request) -> Response:
    """The child's census file: identity, household with its members, one row per survey year;
    forms to correct them (or add a year) and to take them off the census."""
    await require_role(request, ROLE)
    data = await operations.run(request, "CensusPerson", {"id": request.path_params["id"]})
    person = data["node"]
    if not person:
        raise HTTPException(404)
    household = person["household"] or {}
    latest = (person["enrolmentIntentions"] or [{}])[0]
    values = {
        **{name: person.get(name) for name in ("name", "idNumber", "phone")},
        "householdCategory": household.get("category"),
        "registrationNumber": household.get("registrationNumber"),
        "relocated": household.get("relocated"),
        "surveyYear": china_today().year,
        "wantsVocational": latest.get("wantsVocational", True),
        "preferredMajorCode": (latest.get("preferredMajor") or {}).get("code"),
        "note": latest.get("note"),
    }
    choices = await operations.run(request, "CensusFormOptions")
    return await render(
        request,
        "bureau/census_person.html",
        person=person,
        values=values,
        errors=FormErrors(),
        categories=options("household_category"),
        majors=code_choices(choices["majors"]),
        today=china_today().isoformat(),
    )


async def close_child(request: Request, form: FormData) -> Response:
    await require_role(request, ROLE)
    person_id = request.path_params["id"]
    values, errors = CLOSE_FORM.parse(form)
    back = f"/bureau/people/{person_id}"
    if errors:
        return redirect(back, "请填写注销日期和原因。", request, failed=True)
    return await act(
        request,
        "CloseCensusEntry",
        {"personId": person_id, "input": values},
        back,
        "已从摸底台账注销，历年记录保留。",
    )


def _lookup_query(params) -> dict:
    return {
        name: params[name].strip()
        for name in ("registrationNumber", "idNumber")
        if params.get(name, "").strip()
    }


async def households(request: Request) -> Response:
    """Find a household of the county by its registration number (户号) or a member's ID number."""
    user = await require_role(request, ROLE)
    county = user["region"]["level"] == "COUNTY"  # named households are the county's work
    query = _lookup_query(request.query_params) if county else {}
    found = (await operations.run(request, "FindHouseholds", query))["households"] if query else []
    return await render(
        request,
        "bureau/households.html",
        county=county,
        query=query,
        households=found,
        categories=options("household_category"),
        today=china_today().isoformat(),
        back=f"/bureau/households?{urlencode(query)}",
    )


async def change_category(request: Request, form: FormData) -> Response:
    await require_role(request, ROLE)
    back = str(form.get("back", "/bureau/households"))
    if not back.startswith("/bureau/households"):
        back = "/bureau/households"
    values, errors = CATEGORY_FORM.parse(form)
    if errors:
        return redirect(back, "请选择新的家庭类别，并填写变更日期和原因。", request, failed=True)
    return await act(
        request,
        "ChangeHouseholdCategory",
        {"householdId": request.path_params["id"], "input": values},
        back,
        "家庭类别已变更，变更记录已保存。",
    )


async def transfers(request: Request) -> Response:
    """入学申请: schools' requests for persons of the county they do not hold yet."""
    await require_role(request, ROLE)
    data = await operations.run(request, "TransfersToDecide")
    return await render(
        request,
        "bureau/transfers.html",
        transfers=[edge["node"] for edge in data["studentTransfers"]["edges"]],
    )


async def decide_transfer(request: Request, form: FormData) -> Response:
    await require_role(request, ROLE)
    accept = form.get("decision") == "accept"
    reason = str(form.get("reason", "")).strip() or None
    return await act(
        request,
        "DecideTransfer",
        {"id": request.path_params["id"], "accept": accept, "reason": reason},
        "/bureau/transfers",
        "已同意，学生进入该校台账。" if accept else "已不同意，学校将看到理由。",
    )


ROUTES = [
    Route("/bureau/transfers", transfers),
    post("/bureau/transfers/{id}", decide_transfer),
    Route("/bureau/people", ledger),
    Route("/bureau/people/new", new_child),
    post("/bureau/people/new", record_child),
    Route("/bureau/people/{id}", child),
    post("/bureau/people/{id}/close", close_child),
    Route("/bureau/households", households),
    post("/bureau/households/{id}/category", change_category),
]
