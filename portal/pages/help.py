"""One-to-one help (一人一档、一人一策), the same for every office that runs it — an agency, a
school (its own students) and a county bureau (its county): the persons the office may help,
each person's help file (cases open first, the plan and goals, typed actions with a due date and
an outcome), opening a case, recording a step and its outcome, closing with an outcome.

Who may open, see and act on which case is the API's answer (auth.rules): the pages only offer
the forms on cases the office owns, and every refusal comes back as the payload's message."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from portal import operations, pickers
from portal.forms import FormSpec
from portal.labels import options
from portal.web import post, redirect, render, require_role, submit
from resolvers.outcomes import today as china_today

OPEN_CASE_FORM = FormSpec(texts=("reason", "goals", "plan"), required=("reason",))
ACTION_FORM = FormSpec(
    texts=("kind", "action", "positionId"),
    dates=("onDate", "dueOn"),
    required=("kind", "onDate", "dueOn", "action"),
)
OUTCOME_FORM = FormSpec(texts=("outcome",), dates=("doneOn",), required=("outcome", "doneOn"))
CLOSE_FORM = FormSpec(
    texts=("outcomeKind", "outcome"),
    dates=("closedOn",),
    required=("outcomeKind", "outcome", "closedOn"),
)
# step name in the URL → (operation, form, the id variable, notice when done)
STEPS = {
    "actions": ("AddAssistanceAction", ACTION_FORM, "caseId", "帮扶措施已记录。"),
    "outcome": ("RecordActionOutcome", OUTCOME_FORM, "actionId", "措施结果已记录。"),
    "close": ("CloseAssistanceCase", CLOSE_FORM, "caseId", "已结案。"),
}


@dataclass(frozen=True)
class HelpDesk:
    """One office's help pages: its role (an API enum name) and the base path of its pages."""

    role: str
    base: str
    candidates_title: str
    export: str  # the name its export button posts (portal.ledgers.LISTS)
    ledger: str = "GRADUATES"
    default_seeking: str = "true"

    def variables(self, params: Mapping[str, str], user: dict) -> dict:
        """HelpCandidates' variables for the page's query string (an export runs the same)."""
        query = pickers.person_query(params, seeking=self.default_seeking)
        offered = pickers.filters_offered(user, pickers.SEEKING)
        return {
            "ledger": self.ledger,
            "filter": pickers.person_filter(query, offered),
            "after": query.get("after"),
        }

    async def candidates(self, request: Request) -> Response:
        """The persons the office may help, found by name or ID number with the filters the
        rules allow it (household filters only where it sees households)."""
        user = await require_role(request, self.role)
        query = pickers.person_query(request.query_params, seeking=self.default_seeking)
        offered = pickers.filters_offered(user, pickers.SEEKING)
        variables = self.variables(request.query_params, user)
        data = await operations.run(request, "HelpCandidates", variables)
        return await render(
            request,
            "help/people.html",
            persons=data["persons"],
            query=query,
            filters=offered,
            base=self.base,
            title=self.candidates_title,
            export=self.export,
        )

    async def _file(self, request: Request, forms: dict, status: int = 200) -> Response:
        """``forms``: per form key ("open", or "<step>-<id>"), its values and errors."""
        user = await require_role(request, self.role)
        data = await operations.run(request, "HelpPerson", {"id": request.path_params["id"]})
        person = data["node"]
        if not person:
            raise HTTPException(404)
        cases = [edge["node"] for edge in data["assistanceCases"]["edges"]]
        return await render(
            request,
            "help/person.html",
            status,
            person=person,
            cases=cases,
            more_cases=data["assistanceCases"]["totalCount"] - len(cases),
            mine=user["organisation"]["id"],
            forms=forms,
            today=china_today().isoformat(),
            base=self.base,
            action_kinds=options("action_kind"),
            case_outcomes=options("case_outcome"),
        )

    async def person(self, request: Request) -> Response:
        return await self._file(request, {})

    async def open_case(self, request: Request, form: FormData) -> Response:
        await require_role(request, self.role)
        person_id = request.path_params["id"]
        result, shown, errors = await submit(
            request,
            form,
            OPEN_CASE_FORM,
            "OpenAssistanceCase",
            lambda values: {"personId": person_id, **values},
        )
        if result:
            return redirect(
                f"{self.base}/{person_id}", "已建立帮扶档案，请按计划记录每一次帮扶。", request
            )
        return await self._file(request, {"open": (shown, errors)}, status=400)

    async def step(self, request: Request, form: FormData) -> Response:
        """Add an action to a case, record an action's outcome, or close a case (the owner only:
        the API checks)."""
        await require_role(request, self.role)
        person_id, target, step = (request.path_params[name] for name in ("id", "target", "step"))
        if step not in STEPS:
            raise HTTPException(404)
        operation, spec, id_name, done = STEPS[step]
        result, shown, errors = await submit(
            request, form, spec, operation, lambda values: {id_name: target, **values}
        )
        if result:
            return redirect(f"{self.base}/{person_id}", done, request)
        return await self._file(request, {f"{step}-{target}": (shown, errors)}, status=400)

    def routes(self) -> list[BaseRoute]:
        return [
            Route(self.base, self.candidates),
            Route(self.base + "/{id}", self.person),
            post(self.base + "/{id}/cases", self.open_case),
            post(self.base + "/{id}/steps/{target}/{step}", self.step),
        ]
