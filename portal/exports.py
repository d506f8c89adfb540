"""Excel exports of the list pages: exactly what the viewer sees on the page, to a file.

An export runs the page's own named operation (portal/operations) — the same query, with the
same variables the page ran — through the API's schema in-process, page after page, as the
viewer the job runs under (auth.acting). So the rows are the page's rows under the same row
rules, every personal field is masked exactly as on the page, and every value read in clear is
written to the audit log like any other read, its operation marked ``export`` (the data leaves
the system in a file). The columns are the page's table columns, with the portal's words.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from portal.labels import LABELS
from portal.operations import operations
from portal.pages.alerts import describe
from resolvers import jobs
from resolvers.context import Context
from resolvers.workbooks import Cell, Column, Sheet, write_workbook
from schema.api import build_schema

Node = dict[str, Any]


def _word(table: str) -> Callable[[str | None], str]:
    return lambda value: LABELS[table].get(value or "", "—") if value else "—"


def _get(node: Node | None, *path: str) -> Any:
    for step in path:
        if node is None:
            return None
        node = node.get(step)
    return node


def _yes(value: Any) -> str:
    return "是" if value else "否"


def _household(node: Node) -> str:
    household = node.get("household")
    if household is None:
        return "—"  # masked for this viewer, as on the page
    return LABELS["household_category"].get(household["category"], household["category"])


@dataclass(frozen=True)
class ListExport:
    """One list page's export: its operation, where the rows are in the answer, the columns."""

    name: str
    title: str
    operation: str
    rows_at: tuple[str, ...]  # path to the connection (edges/pageInfo) or to a plain list
    columns: tuple[tuple[Column, Callable[[Node], Cell]], ...]


def _connection(data: dict[str, Any], path: Sequence[str]) -> Any:
    return _get(data, *path)


def _school_and_major(node: Node) -> str:
    record = node.get("studentRecord")
    return f"{record['school']['name']} · {record['major']['name']}" if record else "—"


POSITION_COLUMNS: tuple[tuple[Column, Callable[[Node], Cell]], ...] = (
    (Column("岗位", 24), lambda n: n["title"]),
    (Column("企业", 28), lambda n: _get(n, "enterprise", "name")),
    (Column("类型", 10), lambda n: _word("position_kind")(n["kind"])),
    (Column("状态", 8), lambda n: _word("position_state")(n["state"])),
    (Column("职业", 20), lambda n: _get(n, "occupation", "name")),
    (Column("招聘人数", 8), lambda n: n["headcount"]),
    (Column("已录用", 8), lambda n: n["filled"]),
    (Column("月薪下限（元）", 12), lambda n: n["salaryMin"]),
    (Column("月薪上限（元）", 12), lambda n: n["salaryMax"]),
    (Column("工作地", 14), lambda n: _get(n, "region", "name")),
    (Column("有效期至", 12), lambda n: n["validUntil"]),
    (Column("雨露计划优先", 10), lambda n: _yes(n["yuluPriority"])),
)

EXPORTS: dict[str, ListExport] = {
    export.name: export
    for export in (
        ListExport(
            "students",
            "学生台账",
            "SchoolLedger",
            ("persons",),
            (
                (Column("姓名", 10), lambda n: n["name"]),
                (Column("专业", 24), lambda n: _get(n, "studentRecord", "major", "name")),
                (Column("入学年份", 10), lambda n: _get(n, "studentRecord", "entryYear")),
                (
                    Column("预计毕业年份", 12),
                    lambda n: _get(n, "studentRecord", "expectedGraduationYear"),
                ),
                (
                    Column("学籍状态", 10),
                    lambda n: _word("student_status")(_get(n, "studentRecord", "status")),
                ),
                (Column("家庭类别", 14), _household),
                (Column("户籍地", 14), lambda n: _get(n, "household", "region", "name") or "—"),
                (Column("正在求职", 10), lambda n: _yes(_get(n, "employmentIntention", "seeking"))),
            ),
        ),
        ListExport(
            "positions",
            "我的岗位",
            "EnterprisePositions",
            ("positions",),
            POSITION_COLUMNS,
        ),
        ListExport(
            "demand",
            "岗位需求清单",
            "DemandList",
            ("positions",),
            POSITION_COLUMNS,
        ),
        ListExport(
            "applications",
            "推荐与投递",
            "ApplicationList",
            ("applications",),
            (
                (Column("学生", 10), lambda n: _get(n, "person", "name")),
                (Column("专业", 20), lambda n: _get(n, "person", "studentRecord", "major", "name")),
                (Column("岗位", 24), lambda n: _get(n, "position", "title")),
                (Column("企业", 28), lambda n: _get(n, "position", "enterprise", "name")),
                (Column("工作地", 14), lambda n: _get(n, "position", "region", "name")),
                (Column("阶段", 10), lambda n: _word("stage")(n["stage"])),
                (Column("来源", 10), lambda n: _word("source")(n["source"])),
                (Column("推荐机构", 24), lambda n: _get(n, "referrer", "name")),
                (
                    Column("提交时间", 18),
                    lambda n: (n.get("createdAt") or "")[:16].replace("T", " "),
                ),
            ),
        ),
        ListExport(
            "help-cases",
            "一对一帮扶",
            "HelpCandidates",
            ("persons",),
            (
                (Column("姓名", 10), lambda n: n["name"]),
                (Column("学历", 10), lambda n: _word("education")(n["education"])),
                (Column("学校 · 专业", 36), _school_and_major),
                (Column("帮扶", 14), lambda n: _cases(n["assistanceCases"])),
            ),
        ),
        ListExport(
            "fair-registrations",
            "招聘会报名",
            "FairDetail",
            ("node", "registrations"),
            (
                (Column("姓名", 10), lambda n: n["name"]),
                (Column("手机号", 14), lambda n: n["phone"]),
                (Column("学历", 10), lambda n: _word("education")(n["education"])),
                (Column("专业", 20), lambda n: _get(n, "studentRecord", "major", "name")),
            ),
        ),
        ListExport(
            "census",
            "摸底台账",
            "CensusExport",
            ("persons",),
            (
                (Column("姓名", 10), lambda n: n["name"]),
                (Column("身份证号", 22), lambda n: n["idNumber"]),
                (Column("出生日期", 12), lambda n: n["birthDate"]),
                (Column("手机号", 14), lambda n: n["phone"]),
                (Column("户籍地代码", 12), lambda n: _get(n, "household", "region", "code")),
                (Column("家庭类别", 14), _household),
                (Column("易地扶贫搬迁", 12), lambda n: _yes(_get(n, "household", "relocated"))),
                (Column("摸底年份", 10), lambda n: _get(n, "enrolmentIntention", "surveyYear")),
                (
                    Column("愿意就读职业院校", 16),
                    lambda n: _yes(_get(n, "enrolmentIntention", "wantsVocational")),
                ),
                (
                    Column("意向专业", 24),
                    lambda n: _major(_get(n, "enrolmentIntention", "preferredMajor")),
                ),
                (Column("备注", 24), lambda n: _get(n, "enrolmentIntention", "note")),
            ),
        ),
        ListExport(
            "follow-up-dues",
            "跟踪回访计划",
            "FollowUpDueList",
            ("followUpDues",),
            (
                (Column("姓名", 10), lambda n: _get(n, "person", "name")),
                (Column("工作单位", 28), lambda n: _get(n, "employmentRecord", "employerName")),
                (Column("入职日期", 12), lambda n: _get(n, "employmentRecord", "startDate")),
                (Column("回访节点", 14), lambda n: f"入职第 {n['months']} 个月"),
                (Column("应回访日期", 12), lambda n: n["dueOn"]),
                (Column("状态", 10), lambda n: "已逾期" if n["overdue"] else "待回访"),
            ),
        ),
        ListExport(
            "alerts",
            "就业风险预警",
            "AlertQueue",
            ("alerts",),
            (
                (Column("姓名", 10), lambda n: _get(n, "person", "name")),
                (Column("预警类型", 18), lambda n: _word("alert_kind")(n["kind"])),
                (Column("预警情况", 40), describe),
                (Column("预警日期", 12), lambda n: n["raisedOn"]),
                (Column("户籍地", 14), lambda n: _get(n, "county", "name")),
                (Column("学校", 24), lambda n: _get(n, "school", "name")),
                (Column("处置状态", 12), lambda n: _word("alert_state")(n["state"])),
                (Column("帮扶机构", 24), lambda n: _get(n, "case", "owner", "name")),
                (Column("忽略原因", 30), lambda n: n["dismissalReason"]),
            ),
        ),
        ListExport(
            "intentions",
            "毕业生就业意向",
            "IntentionLedger",
            ("persons",),
            (
                (Column("身份证号", 22), lambda n: n["idNumber"]),
                (Column("姓名", 10), lambda n: n["name"]),
                (
                    Column("毕业年份", 10),
                    lambda n: _get(n, "employmentIntention", "graduationYear"),
                ),
                (
                    Column("意向职业代码", 24),
                    lambda n: _codes(_get(n, "employmentIntention", "occupations")),
                ),
                (
                    Column("意向地区代码", 20),
                    lambda n: _codes(_get(n, "employmentIntention", "regions")),
                ),
                (
                    Column("就业地域", 10),
                    lambda n: _word("location_tier")(
                        _get(n, "employmentIntention", "preferredTier")
                    ),
                ),
                (
                    Column("期望月薪（元）", 14),
                    lambda n: _get(n, "employmentIntention", "expectedSalary"),
                ),
                (Column("正在求职", 10), lambda n: _yes(_get(n, "employmentIntention", "seeking"))),
                (
                    Column("打算升学", 10),
                    lambda n: _yes(_get(n, "employmentIntention", "wantsFurtherStudy")),
                ),
                (
                    Column("打算创业", 10),
                    lambda n: _yes(_get(n, "employmentIntention", "wantsOwnBusiness")),
                ),
            ),
        ),
    )
}


def _cases(cases: list[Node]) -> str:
    if not cases:
        return "—"
    open_cases = sum(1 for case in cases if case["state"] == "OPEN")
    return f"帮扶中 {open_cases} 件" if open_cases else "已结案"


def _major(major: Node | None) -> str | None:
    return f"{major['code']} {major['name']}" if major else None


def _codes(items: list[Node] | None) -> str:
    return "、".join(item["code"] for item in items or [])


FOLLOW_UP_COLUMNS = (
    Column("身份证号", 22),
    Column("姓名", 10),
    Column("回访日期", 12),
    Column("就业状态", 10),
    Column("月收入（元）", 12),
    Column("备注", 30),
)
FOLLOW_UPS_TITLE = "跟踪回访记录"


FOLLOW_UPS_EXPORT = ListExport("follow-ups", FOLLOW_UPS_TITLE, "FollowUpLedger", ("persons",), ())
"""One row per follow-up (of each graduate in the viewer's remit), not one per person."""


class ExportRefused(Exception):
    """The operation answered errors (a role without the list, say); the message is the API's."""


async def _pages(ctx: Context, export: ListExport, variables: dict[str, Any]) -> list[Node]:
    """Every row of the list, page by page, as the page's operation answers them."""
    schema = build_schema()
    source = operations()[export.operation].source
    found: list[Node] = []
    after = None
    while True:
        result = await schema.execute(
            source,
            variable_values={**variables, "after": after} if after else variables,
            context_value=ctx,
            operation_name=export.operation,
        )
        if result.errors or result.data is None:
            raise ExportRefused("；".join(error.message for error in result.errors or []))
        connection = _connection(result.data, export.rows_at)
        if isinstance(connection, list) or connection is None:
            return found + list(connection or [])
        found.extend(edge["node"] for edge in connection["edges"])
        page = connection["pageInfo"]
        if not page["hasNextPage"]:
            return found
        after = page["endCursor"]


def _follow_up_rows(persons: list[Node]) -> Iterator[list[Cell]]:
    for person in persons:
        for follow_up in person["followUps"]:
            yield [
                person["idNumber"],
                person["name"],
                follow_up["onDate"],
                _word("follow_up_status")(follow_up["status"]),
                follow_up["monthlyIncome"],
                follow_up["note"],
            ]


async def export_workbook(ctx: Context, name: str, variables: dict[str, Any]) -> tuple[bytes, int]:
    """The list ``name`` as the viewer of ``ctx`` sees it, as .xlsx bytes, and its row count.
    The caller commits ``ctx``'s session (the audit records of what was read in clear)."""
    ctx.audit.exporting = True
    if name == "follow-ups":
        persons = await _pages(ctx, FOLLOW_UPS_EXPORT, variables)
        rows = list(_follow_up_rows(persons))
        return write_workbook([Sheet(FOLLOW_UPS_TITLE, FOLLOW_UP_COLUMNS, rows)]), len(rows)
    export = EXPORTS[name]
    nodes = await _pages(ctx, export, variables)
    columns = [column for column, _ in export.columns]
    rows = [[cell(node) for _, cell in export.columns] for node in nodes]
    return write_workbook([Sheet(export.title, columns, rows)]), len(nodes)


async def export_job(running: jobs.RunningJob) -> jobs.Outcome:
    """An export as a background job: its file is kept on the job for download."""
    job = running.job
    async with running.sessions() as session:
        ctx = Context(session=session, viewer=running.viewer)
        try:
            data, count = await export_workbook(ctx, job.kind, job.arguments["variables"])
        except ExportRefused as refused:
            await session.rollback()
            return jobs.Outcome({}, failed=f"无法导出：{refused}")
        await session.commit()
    await running.progress.advance(count, count)
    return jobs.Outcome({"rows": count}, output=data)


def export_title(name: str) -> str:
    return EXPORTS[name].title if name in EXPORTS else FOLLOW_UPS_TITLE
