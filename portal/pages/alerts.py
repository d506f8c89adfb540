"""The follow-up schedule (跟踪回访计划) and the relapse-risk work queue (就业风险预警), for the
offices that work them: a school and an agency have their due and overdue follow-ups and their
alerts; a county bureau its county's alerts, each turned into a help case (建档帮扶, the
existing openAssistanceCase with the alert) or dismissed with a reason. What each office sees is
the API's row rules (auth.rules), never chosen here."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import operations
from portal.labels import LABELS
from portal.web import act, post, redirect, render, require_role

DUE_STATES = [("OVERDUE", "已逾期"), ("DUE", "30 天内到期")]
ALERT_STATES = [("OPEN", "待处置"), ("HANDLED", "已建档帮扶"), ("DISMISSED", "已忽略")]
PERSON_PAGES = {"SCHOOL": "/school/people/", "AGENCY": "/agency/people/"}
"""Where a person's name links, by role (a bureau has no person page: the name alone)."""
PREFIX = {"SCHOOL": "/school", "AGENCY": "/agency", "BUREAU": "/bureau"}


def describe(alert: dict) -> str:
    """What triggered the alert, in words (the API's ``detail`` and the rule's threshold)."""
    detail, threshold = alert["detail"] or {}, alert["threshold"]
    kind = alert["kind"]
    if kind == "JOB_LOST":
        reason = LABELS["end_reason"].get((detail.get("reason") or "").upper(), "")
        return (
            f"{detail.get('ended_on')} 离开{detail.get('employer') or '原单位'}"
            + (f"（{reason}）" if reason else "")
            + "，此后未再就业"
        )
    if kind == "INCOME_BELOW_FLOOR":
        return f"月收入 {detail.get('income')} 元，低于 {threshold} 元"
    if kind == "INCOME_DROP":
        return f"月收入由 {detail.get('before')} 元降至 {detail.get('income')} 元（降幅达 {threshold}%）"
    if kind == "NO_FOLLOW_UP":
        return f"自 {detail.get('last_contact')} 起超过 {threshold} 个月未回访"
    return f"{detail.get('cohort')} 届毕业超过 {threshold} 天仍未落实就业"


def _role(user: dict) -> str:
    return user["role"]


async def _worker(request: Request) -> dict:
    """A school, an agency or a bureau (the offices with a queue)."""
    prefix = "/" + request.url.path.strip("/").split("/")[0]
    role = next(role for role, path in PREFIX.items() if path == prefix)
    return await require_role(request, role)


def due_variables(params: Mapping[str, str], _user: dict) -> dict:
    """FollowUpDueList's variables for the page's query string (its export runs the same)."""
    state = params.get("state") if params.get("state") in dict(DUE_STATES) else None
    return {"state": state, "after": params.get("after")}


def queue_variables(params: Mapping[str, str], _user: dict) -> dict:
    """AlertQueue's variables for the page's query string (its export runs the same)."""
    state = params.get("state") if params.get("state") in dict(ALERT_STATES) else "OPEN"
    return {"state": state, "after": params.get("after")}


async def due_list(request: Request) -> Response:
    user = await _worker(request)
    params = request.query_params
    variables = due_variables(params, user)
    data = await operations.run(request, "FollowUpDueList", variables)
    return await render(
        request,
        "alerts/due.html",
        dues=data["followUpDues"],
        state=variables["state"],
        states=DUE_STATES,
        query=dict(params),
        person_page=PERSON_PAGES.get(_role(user)),
        prefix=PREFIX[_role(user)],
        export=f"{_role(user).lower()}-follow-up-dues",
    )


async def queue(request: Request) -> Response:
    user = await _worker(request)
    params = request.query_params
    variables = queue_variables(params, user)
    state = variables["state"]
    data = await operations.run(request, "AlertQueue", variables)
    works_cases = _role(user) == "BUREAU" and user["region"]["level"] == "COUNTY"
    agencies = []
    if works_cases:
        options = await operations.run(request, "AlertCaseOptions")
        agencies = [(e["node"]["id"], e["node"]["name"]) for e in options["organisations"]["edges"]]
    alerts = [dict(edge["node"], said=describe(edge["node"])) for edge in data["alerts"]["edges"]]
    return await render(
        request,
        "alerts/queue.html",
        alerts=alerts,
        page=data["alerts"],
        rules=data["alertRules"],
        state=state,
        states=ALERT_STATES,
        query=dict(params),
        person_page=PERSON_PAGES.get(_role(user)),
        prefix=PREFIX[_role(user)],
        export=f"{_role(user).lower()}-alerts",
        works_cases=works_cases,
        may_dismiss=_role(user) != "BUREAU" or user["region"]["level"] == "COUNTY",
        agencies=agencies,
    )


async def open_case(request: Request, form: FormData) -> Response:
    """建档帮扶: a county bureau's help case for the alert's person, handling the alert; its
    own, or assigned to an agency."""
    await require_role(request, "BUREAU")
    variables = {
        "alertId": request.path_params["id"],
        "personId": form.get("personId", ""),
        "reason": form.get("reason", ""),
        "plan": form.get("plan") or None,
        "assignTo": form.get("assignTo") or None,
    }
    return await act(
        request, "OpenCaseFromAlert", variables, "/bureau/alerts", "已建立帮扶档案，预警已处置。"
    )


async def dismiss(request: Request, form: FormData) -> Response:
    user = await _worker(request)
    back = f"{PREFIX[_role(user)]}/alerts"
    reason = str(form.get("reason") or "").strip()
    if not reason:
        return redirect(back, "请填写忽略预警的原因。", request, failed=True)
    variables = {"id": request.path_params["id"], "reason": reason}
    return await act(request, "DismissAlert", variables, back, "预警已忽略，原因已记录。")


ROUTES = [
    Route("/school/follow-ups", due_list),
    Route("/agency/follow-ups", due_list),
    Route("/school/alerts", queue),
    Route("/agency/alerts", queue),
    Route("/bureau/alerts", queue),
    post("/bureau/alerts/{id}/case", open_case),
    post("/school/alerts/{id}/dismiss", dismiss),
    post("/agency/alerts/{id}/dismiss", dismiss),
    post("/bureau/alerts/{id}/dismiss", dismiss),
]
