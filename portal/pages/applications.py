"""推荐与投递: one list of referrals and applications, at a chosen stage, for the two roles that
refer: a school (its students' referrals and applications; it answers a referral on a student's
behalf) and an agency (the referrals it made, seen moving on). The API's row rules decide whose
rows each sees; portal.actions offers the steps each may take."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import operations
from portal.actions import actions_by_id, move
from portal.labels import options
from portal.web import post, render, require_role

ALL_STAGES = "ALL"
STAGE_CHOICES = [(ALL_STAGES, "全部阶段"), *options("stage")]
WAITING = "RECOMMENDED"  # what waits for an answer is shown first


@dataclass(frozen=True)
class ListPage:
    role: str
    path: str
    lead: str


PAGES = (
    ListPage(
        "SCHOOL",
        "/school/referrals",
        "本校学生收到的推荐和投递的申请。学生本人不便办理时，您可以代为接受或谢绝推荐；接受后企业才能看到学生的完整信息。",
    ),
    ListPage(
        "AGENCY",
        "/agency/referrals",
        "本机构推荐的人选及其进展。推荐须由毕业生本人或其学校接受后才投递给企业；在此之前您可以撤回推荐。",
    ),
)


def _chosen_stage(params: Mapping[str, str]) -> str:
    chosen = params.get("stage")
    return chosen if chosen in dict(STAGE_CHOICES) else WAITING


def applications_variables(params: Mapping[str, str], _user: dict) -> dict:
    """ApplicationList's variables for the page's query string (its export runs the same)."""
    chosen = _chosen_stage(params)
    return {"stage": None if chosen == ALL_STAGES else chosen, "after": params.get("after")}


def _list_page(page: ListPage):
    async def listing(request: Request) -> Response:
        user = await require_role(request, page.role)
        chosen, after = _chosen_stage(request.query_params), request.query_params.get("after")
        variables = applications_variables(request.query_params, user)
        stage = variables["stage"]
        data = await operations.run(request, "ApplicationList", variables)
        applications = data["applications"]
        return await render(
            request,
            "applications.html",
            applications=applications,
            page=page,
            stage=stage,
            chosen=chosen,
            stages=STAGE_CHOICES,
            query={"stage": chosen, "after": after},
            actions=actions_by_id(user, [edge["node"] for edge in applications["edges"]]),
        )

    async def move_application(request: Request, form: FormData) -> Response:
        user = await require_role(request, page.role)
        return await move(
            request, form, user, f"{page.path}?stage={_chosen_stage(request.query_params)}"
        )

    listing.__name__ = move_application.__name__ = page.role.lower() + "_applications"
    move_application.__name__ += "_move"
    return [Route(page.path, listing), post(page.path, move_application)]


ROUTES = [route for page in PAGES for route in _list_page(page)]
