"""Members of the alliance, from zero: the admin sets up bureaus for regions; a bureau (or the
admin) approves the join requests of its region, and approving offers the member's first
sign-in account, whose one-time password is shown on that response only."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import operations, pickers
from portal.forms import FormErrors, FormSpec
from portal.labels import LABELS
from portal.web import post, redirect, render, require_role, submit

NATIONAL = "000000"
LEVELS = [("NATIONAL", "国家级"), ("PROVINCE", "省级"), ("CITY", "市级"), ("COUNTY", "县级")]
BUREAU_FORM = FormSpec(
    texts=("name", "creditCode", "regionCode", "level", "contactPhone"),
    required=("name", "creditCode", "level"),
)
ACCOUNT_FORM = FormSpec(texts=("username", "displayName"), required=("username",))
DECISIONS = {"APPROVED": "已批准{name}加入联盟。", "REJECTED": "已驳回{name}的入盟申请。"}
PREFIXES = {"BUREAU": "/bureau/members", "ADMIN": "/admin/members"}
"""Where each role's approval pages live (the admin's list of requests is /admin itself)."""


# --- bureaus (admin) ---------------------------------------------------------------------------


async def _bureaus_page(
    request: Request, user: dict, values: dict, errors: FormErrors, status: int = 200
) -> Response:
    data = await operations.run(request, "Bureaus")
    return await render(
        request,
        "admin/bureaus.html",
        status,
        bureaus=[edge["node"] for edge in data["organisations"]["edges"]],
        values=values,
        errors=errors,
        levels=LEVELS,
        region_groups=await pickers.region_groups(request, user),
    )


async def bureaus(request: Request) -> Response:
    user = await require_role(request, "ADMIN")
    return await _bureaus_page(request, user, {"level": "COUNTY"}, FormErrors())


def _bureau_input(values: dict) -> dict:
    """The region picker never offers the national root: a blank region with the national level
    means the whole country."""
    if not values.get("regionCode") and values.get("level") == "NATIONAL":
        values = {**values, "regionCode": NATIONAL}
    return {"input": values}


async def create_bureau(request: Request, form: FormData) -> Response:
    user = await require_role(request, "ADMIN")
    result, shown, errors = await submit(request, form, BUREAU_FORM, "CreateBureau", _bureau_input)
    if result:
        notice = (
            f"已设立{result['name']}（{result['region']['name']}）。可在「用户账号」为其开设账号。"
        )
        return redirect("/admin/bureaus", notice, request)
    return await _bureaus_page(request, user, shown, errors, status=400)


# --- join requests of the bureau's region --------------------------------------------------------


async def join_requests(request: Request) -> Response:
    await require_role(request, "BUREAU")
    data = await operations.run(request, "RegionJoinRequests")
    organisations = data["organisations"]
    return await render(
        request,
        "bureau/members.html",
        total=organisations["totalCount"],
        pending=[edge["node"] for edge in organisations["edges"]],
    )


async def decide(request: Request, form: FormData, role: str, back: str) -> Response:
    """Approve (then offer the first account) or reject, as the bureau or the admin."""
    await require_role(request, role)
    decision = str(form.get("decision", ""))
    if decision not in DECISIONS:
        return redirect(back, "请选择批准或驳回。", request, failed=True)
    name = str(form.get("name", "")) or "该单位"
    organisation_id = request.path_params["id"]
    result, errors = await operations.mutate(
        request, "DecideMembership", {"id": organisation_id, "decision": decision}
    )
    if not result:
        message = "；".join(FormErrors.from_payload(errors, set()).general)
        return redirect(back, message, request, failed=True)
    done = DECISIONS[decision].format(name=name)
    if decision == "APPROVED":
        return redirect(f"{PREFIXES[role]}/{organisation_id}/account", done, request)
    return redirect(back, done, request)


async def bureau_decide(request: Request, form: FormData) -> Response:
    return await decide(request, form, "BUREAU", "/bureau/members")


# --- a member's first account --------------------------------------------------------------------


async def _account_page(
    request: Request,
    values: dict,
    errors: FormErrors,
    created: dict | None = None,
    status: int = 200,
) -> Response:
    data = await operations.run(request, "MemberForAccount", {"id": request.path_params["id"]})
    member = data["node"]
    if not member:
        raise HTTPException(404)
    response = await render(
        request,
        "organisations/account.html",
        status,
        member=member,
        values=values,
        errors=errors,
        created=created,
        action=request.url.path,
        kinds=LABELS["organisation_kind"],
    )
    response.headers["Cache-Control"] = "no-store"  # the one-time password is on this page
    return response


async def account_form(request: Request) -> Response:
    await require_role(request, ROLE_OF[request.url.path.split("/")[1]])
    return await _account_page(request, {}, FormErrors())


async def create_account(request: Request, form: FormData) -> Response:
    """The password is in this response only: rendered here, never put in a redirect or session."""
    await require_role(request, ROLE_OF[request.url.path.split("/")[1]])
    organisation_id = request.path_params["id"]
    result, shown, errors = await submit(
        request,
        form,
        ACCOUNT_FORM,
        "CreateMemberAccount",
        lambda values: {"id": organisation_id, **values},
    )
    return await _account_page(
        request, shown, errors, created=result, status=200 if result else 400
    )


ROLE_OF = {"bureau": "BUREAU", "admin": "ADMIN"}

ROUTES = [
    Route("/admin/bureaus", bureaus),
    post("/admin/bureaus", create_bureau),
    Route("/bureau/members", join_requests),
    post("/bureau/members/{id}/decision", bureau_decide),
    *(
        route
        for prefix in PREFIXES.values()
        for route in (
            Route(f"{prefix}/{{id}}/account", account_form),
            post(f"{prefix}/{{id}}/account", create_account),
        )
    ),
]
