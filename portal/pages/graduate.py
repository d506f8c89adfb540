"""The graduate, acting for themself: my file, my intentions, the consent switch, my matched
positions (applied to in one click), my applications."""

from __future__ import annotations

import asyncio

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import operations
from portal.forms import FormErrors, FormSpec
from portal.labels import options
from portal.web import act, post, redirect, render, require_role, submit

ROLE = "GRADUATE"
INTENTION_FORM = FormSpec(texts=("preferredTier",), integers=("graduationYear", "expectedSalary"),
                          flags=("wantsFurtherStudy", "wantsOwnBusiness", "seeking"), required=("graduationYear",))


async def _my_file(request: Request) -> dict:
    user = await require_role(request, ROLE)
    data = await operations.run(request, "PersonFile", {"id": user["person"]["id"]})
    return data["node"]


async def _home(request: Request, intention: dict | None = None, errors: FormErrors | None = None,
                status: int = 200) -> Response:
    user = await require_role(request, ROLE)
    after = request.query_params.get("after")
    person, matched = await asyncio.gather(
        _my_file(request), operations.run(request, "MatchedPositions", {"id": user["person"]["id"], "after": after}))
    connection = matched["node"]["matchedPositions"]
    applied = {application["position"]["id"] for application in person["applications"]}
    return await render(request, "graduate/home.html", status, person=person,
                        intention=intention or person["employmentIntention"] or {"seeking": True},
                        errors=errors or FormErrors(), tiers=options("location_tier"),
                        matches=[edge["node"] for edge in connection["edges"]], page_info=connection["pageInfo"],
                        query={"after": after}, applied=applied)


async def apply(request: Request, form: FormData) -> Response:
    """Apply to one of my matched positions in one click."""
    user = await require_role(request, ROLE)
    variables = {"personId": user["person"]["id"], "positionId": str(form.get("positionId", ""))}
    return await act(request, "Apply", variables, "/me", "已投递，可在下方「应聘记录」查看进度。")


async def home(request: Request) -> Response:
    return await _home(request)


async def set_consent(request: Request, form: FormData) -> Response:
    person = await _my_file(request)
    consent = form.get("consent") == "on"
    done = "已授权：用工企业和人力资源服务机构可以看到您的完整信息。" if consent else "已撤回授权：您的信息将对企业和服务机构脱敏显示。"
    return await act(request, "SetConsent", {"consent": consent, "version": person["version"]}, "/me", done)


async def save_intention(request: Request, form: FormData) -> Response:
    person = await _my_file(request)
    result, shown, errors = await submit(request, form, INTENTION_FORM, "SaveIntention",
                                         lambda values: {"personId": person["id"], "input": values})
    if result:
        return redirect("/me", "求职意向已保存。", request)
    return await _home(request, shown, errors, status=400)


ROUTES = [
    Route("/me", home),
    post("/me/consent", set_consent),
    post("/me/intention", save_intention),
    post("/me/applications", apply),
]
