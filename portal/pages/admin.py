"""The alliance's system administrator: organisations asking to join, approve or reject each."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import operations
from portal.web import act, post, redirect, render, require_role

ROLE = "ADMIN"
DECISIONS = {"APPROVED": "已批准{name}加入联盟。", "REJECTED": "已驳回{name}的入盟申请。"}


async def pending_members(request: Request) -> Response:
    await require_role(request, ROLE)
    data = await operations.run(request, "PendingMembers")
    organisations = data["organisations"]
    return await render(request, "admin/members.html", total=organisations["totalCount"],
                        pending=[edge["node"] for edge in organisations["edges"]])


async def decide(request: Request, form: FormData) -> Response:
    await require_role(request, ROLE)
    decision = str(form.get("decision", ""))
    if decision not in DECISIONS:
        return redirect("/admin", "请选择批准或驳回。", request, failed=True)
    name = str(form.get("name", "")) or "该单位"
    variables = {"id": request.path_params["id"], "decision": decision}
    return await act(request, "DecideMembership", variables, "/admin", DECISIONS[decision].format(name=name))


ROUTES = [
    Route("/admin", pending_members),
    post("/admin/members/{id}/decision", decide),
]

