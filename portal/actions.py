"""The actions a page offers on an application: one function, read from the API's own rules.

No template decides who may move an application: every page asks :func:`application_actions`,
which offers a stage exactly when auth.rules lets the viewer's role call the mutation
(``may_call``), act at the application's current stage (``may_act_at``) and move it there
(``may_move_to``), and the stage machine allows the step (``resolvers.applications.may_transition``).
So a button the API would refuse cannot be shown (tests/portal/test_referrals.py walks every
stage × role). :func:`move` is the one POST handler behind those buttons.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from auth import rules
from auth.portal_signin import PORTAL_SCOPES
from auth.viewer import Viewer
from models.applications import Stage
from models.organisations import Role
from portal import operations
from portal.forms import FormErrors, FormSpec, version_of
from portal.labels import LABELS
from portal.web import redirect
from resolvers.applications import may_transition

MUTATION = "transitionApplication"
HIRE_FORM = FormSpec(texts=("startDate",), integers=("monthlyIncome",))


@dataclass(frozen=True)
class StageAction:
    stage: str  # the API's Stage enum name, posted as the form's ``stage``
    label: str
    danger: bool = False  # asks for confirmation before it is sent
    needs_reason: bool = False  # rejecting: a structured reason
    needs_hire: bool = False  # hiring: first working day and monthly income
    done: str = "已更新申请阶段。"


def portal_viewer(user: dict) -> Viewer:
    """The signed-in user as auth.rules sees them: the role, with the scopes the portal asks for."""
    return Viewer(role=Role[user["role"]], scopes=frozenset(PORTAL_SCOPES))


def _action(role: Role | None, current: Stage, target: Stage) -> StageAction:
    if target == Stage.APPLIED:
        who = "您" if role == Role.GRADUATE else "学生"
        return StageAction("APPLIED", "接受推荐", done=f"已接受推荐：{who}的应聘已投递给企业。")
    if target == Stage.WITHDRAWN:
        if current == Stage.RECOMMENDED:
            label = "撤回推荐" if role == Role.AGENCY else "谢绝推荐"
        else:
            label = "撤回申请"
        return StageAction("WITHDRAWN", label, danger=True, done=f"已{label}。")
    if target == Stage.REJECTED:
        return StageAction(
            "REJECTED", "标记未通过", danger=True, needs_reason=True, done="已标记为未通过。"
        )
    return StageAction(
        target.name, f"推进到「{LABELS['stage'][target.name]}」", needs_hire=target == Stage.HIRED
    )


def application_actions(user: dict, application: dict) -> list[StageAction]:
    """What the signed-in ``user`` may do with ``application`` (its ``stage``, an API enum name)."""
    viewer = portal_viewer(user)
    current = Stage[application["stage"]]
    if not rules.may_call(viewer, MUTATION) or not rules.may_act_at(viewer, current):
        return []
    return [
        _action(viewer.role, current, target)
        for target in Stage
        if may_transition(current, target) and rules.may_move_to(viewer, target)
    ]


def _transition(form: FormData) -> tuple[dict, FormErrors]:
    extra, errors = HIRE_FORM.parse(form)
    transition = {
        "id": str(form.get("application", "")),
        "version": version_of(form),
        "stage": str(form.get("stage", "")),
        "note": str(form.get("note", "")).strip() or None,
        "reason": form.get("reason") or None,
        **extra,
    }
    return transition, errors


def _done(user: dict, form: FormData) -> str:
    """The notice of the step just taken, worded as its button was (the form names both stages)."""
    current, target = str(form.get("current", "")), str(form.get("stage", ""))
    if current not in Stage.__members__ or target not in Stage.__members__:
        return "已更新申请阶段。"
    return _action(Role[user["role"]], Stage[current], Stage[target]).done


async def move(request: Request, form: FormData, user: dict, back: str) -> Response:
    """The POST behind every action button: the transition, then back to ``back`` with the
    outcome (or the API's reasons, each naming its rule) as the notice."""
    transition, errors = _transition(form)
    if not errors:
        _result, payload_errors = await operations.mutate(
            request, "MoveApplication", {"input": transition}
        )
        errors = FormErrors.from_payload(payload_errors, set())
    if errors:
        return redirect(
            back, "；".join([*errors.general, *errors.by_field.values()]), request, failed=True
        )
    return redirect(back, _done(user, form), request)


def actions_by_id(user: dict, applications: list[dict]) -> dict[str, list[StageAction]]:
    """:func:`application_actions` of each application, by its id, for a page's template."""
    return {
        application["id"]: application_actions(user, application) for application in applications
    }
