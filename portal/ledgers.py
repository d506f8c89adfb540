"""Excel in and out, shared by the portal's pages and the ``yulu ledger`` command.

``LISTS`` names each exportable list page: its export (portal.exports) and the function that
turns the page's query string into its operation's variables — the page itself calls the same
function, so an export is the page's own query. The command line acts as a user through the
viewer a portal sign-in would give them (auth.acting), imports through resolvers.ledgers and
exports through portal.exports, exactly as the pages' background jobs do.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auth.acting import UnknownUser, portal_viewer
from auth.rules import AccessDenied
from auth.viewer import Viewer
from models.db import create_engine, session_factory
from models.settings import get_settings
from portal.exports import ExportRefused, export_workbook
from portal.pages import agency, alerts, applications, bureau, enterprise, households, school
from resolvers import ledgers
from resolvers.context import Context
from resolvers.ids import to_global_id
from resolvers.workbooks import UnreadableWorkbook

Variables = Callable[[Mapping[str, str], dict], dict]


@dataclass(frozen=True)
class ListPage:
    export: str  # portal.exports.EXPORTS (or "follow-ups")
    variables: Variables
    back: str  # the page, for the job page's link back
    role: str  # the role whose page it is (the API's rules decide the rows in any case)


def _fair(params: Mapping[str, str], _user: dict) -> dict:
    return {"id": params.get("id", "")}


def _none(_params: Mapping[str, str], _user: dict) -> dict:
    return {}


LISTS: dict[str, ListPage] = {
    "students": ListPage("students", school.ledger_variables, "/school", "SCHOOL"),
    "positions": ListPage("positions", enterprise.positions_variables, "/enterprise", "ENTERPRISE"),
    "demand": ListPage("demand", agency.demand_variables, "/agency", "AGENCY"),
    "school-applications": ListPage(
        "applications", applications.applications_variables, "/school/referrals", "SCHOOL"
    ),
    "agency-applications": ListPage(
        "applications", applications.applications_variables, "/agency/referrals", "AGENCY"
    ),
    "help-cases": ListPage("help-cases", agency.HELP.variables, "/agency/people", "AGENCY"),
    "school-help-cases": ListPage("help-cases", school.HELP.variables, "/school/help", "SCHOOL"),
    "bureau-help-cases": ListPage("help-cases", bureau.HELP.variables, "/bureau/help", "BUREAU"),
    "school-follow-up-dues": ListPage(
        "follow-up-dues", alerts.due_variables, "/school/follow-ups", "SCHOOL"
    ),
    "agency-follow-up-dues": ListPage(
        "follow-up-dues", alerts.due_variables, "/agency/follow-ups", "AGENCY"
    ),
    "school-alerts": ListPage("alerts", alerts.queue_variables, "/school/alerts", "SCHOOL"),
    "agency-alerts": ListPage("alerts", alerts.queue_variables, "/agency/alerts", "AGENCY"),
    "bureau-alerts": ListPage("alerts", alerts.queue_variables, "/bureau/alerts", "BUREAU"),
    "fair-registrations": ListPage("fair-registrations", _fair, "/agency/fairs", "AGENCY"),
    "census": ListPage("census", households.census_variables, "/bureau/people", "BUREAU"),
    "intentions": ListPage("intentions", _none, "/ledgers", "SCHOOL"),
    "follow-ups": ListPage("follow-ups", _none, "/ledgers", "SCHOOL"),
}
"""Every list a viewer can export, by the name its export button posts."""


def export_arguments(name: str, params: Mapping[str, str], user: dict) -> dict[str, Any]:
    """The operation variables of list ``name`` for the page's query string — all rows, from
    the first page on."""
    variables = LISTS[name].variables(params, user)
    variables.pop("after", None)
    return variables


def portal_user(viewer: Viewer) -> dict:
    """The part of the portal's signed-in user (PortalViewer) the pages' variables read."""
    organisation = viewer.organisation_id
    return {
        "role": viewer.role.name if viewer.role else None,
        "organisation": {"id": to_global_id("Organisation", organisation)}
        if organisation
        else None,
    }


LEDGER_LISTS = {
    "census": "census",
    "students": "students",
    "intentions": "intentions",
    "follow-ups": "follow-ups",
}
"""`yulu ledger export KIND`: the list each kind exports (positions: the enterprise's own, or
the demand list for anyone else)."""


def ledger_list(kind: str, viewer: Viewer) -> str:
    if kind == "positions":
        return "positions" if viewer.role and viewer.role.name == "ENTERPRISE" else "demand"
    return LEDGER_LISTS[kind]


# --- the command line ------------------------------------------------------------------------


async def _template(kind: str) -> bytes:
    engine = create_engine(get_settings().database_url)
    try:
        async with session_factory(engine)() as session:
            data = await ledgers.template(
                Context(session=session, viewer=Viewer()), ledgers.KINDS[kind]
            )
    finally:
        await engine.dispose()
    return data


def _print_report(report: ledgers.Report) -> None:
    if report.file_problem:
        print(f"文件问题：{report.file_problem}")
    for problem in report.problems:
        print(
            f"第 {problem.row} 行\t{problem.column}\t{ledgers.RULE_WORDS.get(problem.rule, problem.rule)}\t{problem.message}"
        )
    if report.problem_count > len(report.problems):
        print(f"……另有 {report.problem_count - len(report.problems)} 个问题未列出")
    counts = report.counts
    print(
        f"共 {report.rows} 行：新增 {counts['create']}，更新 {counts['update']}，"
        f"无变化 {counts['unchanged']}，提交申请 {counts['request']}；"
        f"有问题 {report.problem_rows} 行（{report.problem_count} 处）"
    )


async def _import(kind: str, file: Path, username: str, dry_run: bool) -> bool:
    engine = create_engine(get_settings().database_url)
    try:
        async with session_factory(engine)() as session:
            viewer = await portal_viewer(session, username)
            ctx = Context(session=session, viewer=viewer)
            report = await ledgers.run(ctx, ledgers.KINDS[kind], file, commit=not dry_run)
            _print_report(report)
            if report.ok and not dry_run:
                await session.commit()
                print("已导入。")
            else:
                await session.rollback()
                print("未写入任何数据。" if not report.ok else "试运行：未写入任何数据。")
            return report.ok
    finally:
        await engine.dispose()


async def _export(kind: str, username: str) -> tuple[bytes, int]:
    engine = create_engine(get_settings().database_url)
    try:
        async with session_factory(engine)() as session:
            viewer = await portal_viewer(session, username)
            name = ledger_list(kind, viewer)
            arguments = export_arguments(name, {}, portal_user(viewer))
            data, count = await export_workbook(
                Context(session=session, viewer=viewer), name, arguments
            )
            await session.commit()  # the audit records of what left in clear
    finally:
        await engine.dispose()
    return data, count


def _run(args: argparse.Namespace) -> None:
    try:
        if args.action == "template":
            args.out.write_bytes(asyncio.run(_template(args.kind)))
            print(f"模板已写入 {args.out}")
        elif args.action == "import":
            if not asyncio.run(_import(args.kind, args.file, args.username, args.dry_run)):
                sys.exit(1)
        else:
            data, count = asyncio.run(_export(args.kind, args.username))
            args.out.write_bytes(data)
            print(f"已导出 {count} 行到 {args.out}")
    except (UnknownUser, UnreadableWorkbook, ExportRefused) as error:
        sys.exit(f"yulu: {error}")
    except AccessDenied as denied:
        sys.exit(f"yulu: {args.username}: {denied}")


def add_ledger_commands(commands: Any) -> None:
    ledger = commands.add_parser(
        "ledger", help="Excel templates, imports and exports of the ledgers"
    )
    actions = ledger.add_subparsers(dest="action", required=True)
    kinds = sorted(ledgers.KINDS)
    template = actions.add_parser("template", help="write the .xlsx template of a ledger kind")
    template.add_argument("kind", choices=kinds)
    template.add_argument("out", type=Path)
    imports = actions.add_parser(
        "import", help="check an .xlsx file and import it (all or nothing) as a user"
    )
    imports.add_argument("kind", choices=kinds)
    imports.add_argument("file", type=Path)
    imports.add_argument("--as", dest="username", required=True, help="act under this user's rules")
    imports.add_argument("--dry-run", action="store_true", help="check only, write nothing")
    export = actions.add_parser("export", help="export a ledger as a user sees it")
    export.add_argument("kind", choices=kinds)
    export.add_argument("out", type=Path)
    export.add_argument("--as", dest="username", required=True, help="act under this user's rules")
    ledger.set_defaults(handler=_run)
