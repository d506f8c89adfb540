"""The yearly evaluation (成效评估) as files: an ``.xlsx`` workbook (resolvers.workbooks) and a
printable A4 PDF with its charts (reportlab: its built-in CID font STSong-Light sets the Chinese
text, reportlab.graphics draws the charts; no browser involved). The page shows the same charts
as inline SVG.

Both take a ``Report``: the figures of one version (the latest published one, or the live
figures when none is published) as the ``EvaluationFile`` operation answers them, with what the
reader must know about them (which version, by whom, whether live figures differ).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from reportlab.graphics import renderSVG
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from auth import scopes
from auth.acting import UnknownUser, portal_viewer
from auth.viewer import Viewer
from models.db import create_engine, session_factory
from models.organisations import Role
from models.settings import get_settings
from portal.labels import LABELS
from portal.operations import operations
from resolvers.context import Context
from resolvers.evaluation import DEFINITIONS
from resolvers.workbooks import Cell, Column, Sheet, write_workbook
from schema.api import build_schema

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

OUTCOME_WORDS = {**LABELS["case_outcome"], "UNKNOWN": "未分类"}
MAX_CHART_HEIGHT = 460  # points: the chart fits an A4 landscape page, however many sub-regions
PALETTE = [colors.HexColor(c) for c in ("#1f6f5c", "#d08c2f", "#4a78b5", "#9a9a9a")]


@dataclass(frozen=True)
class Report:
    figures: dict[str, Any]  # an EvaluationReport as the API answers it
    version: int | None  # None: not published, live figures
    published_at: str | None = None
    publisher: str | None = None
    live_differs: bool = False

    @classmethod
    def of(cls, evaluation: dict[str, Any], live: bool = False) -> Report:
        """The latest published version, else (or when ``live``: a date was asked for) the live
        figures (``EvaluationFile``'s answer)."""
        published = evaluation["published"]
        if published is None or live:
            return cls(evaluation["live"], None)
        return cls(
            published["report"],
            published["version"],
            published["publishedAt"][:16].replace("T", " "),
            published["publisher"],
            published["liveDiffers"],
        )

    @property
    def title(self) -> str:
        region, year = self.figures["regionName"], self.figures["year"]
        return f"{region} {year} 年度雨露计划+ 就业促进行动成效评估"

    @property
    def status(self) -> str:
        as_of = self.figures["asOf"]
        if self.version is None:
            return f"实时数据（未发布），截至 {as_of}"
        text = f"第 {self.version} 版，{self.publisher or '—'} 发布于 {self.published_at}，数据截至 {as_of}"
        if self.live_differs:
            text += "；发布后数据有更正，实时数据与本版不同，如需上报请发布新版本"
        return text

    @property
    def rows(self) -> list[dict[str, Any]]:
        return [self.figures["total"], *self.figures["subRegions"]]


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _outcomes(row: dict[str, Any]) -> str:
    return (
        "、".join(
            f"{OUTCOME_WORDS[item['outcome'] or 'UNKNOWN']} {item['count']}"
            for item in row["closedByOutcome"]
        )
        or "—"
    )


Field = tuple[str, float, Callable[[dict[str, Any]], Cell]]
COLUMNS: tuple[Field, ...] = (
    ("地区", 14, lambda r: r["regionName"]),
    ("代码", 9, lambda r: r["regionCode"]),
    ("毕业生", 8, lambda r: r["cohort"]),
    ("已就业", 8, lambda r: r["employed"]),
    ("就业率", 8, lambda r: percent(r["employmentRate"])),
    ("稳定就业", 8, lambda r: r["stable"]),
    ("稳定就业率", 10, lambda r: percent(r["stability"])),
    ("月均收入（元）", 12, lambda r: r["averageMonthlyIncome"]),
    ("县内", 6, lambda r: r["inCounty"]),
    ("省内县外", 8, lambda r: r["inProvince"]),
    ("跨省", 6, lambda r: r["crossProvince"]),
    ("地点未登记", 10, lambda r: r["locationUnknown"]),
    ("新入学", 8, lambda r: r["enrolled"]),
    ("上年入学", 8, lambda r: r["enrolledPreviousYear"]),
    ("入学增长", 8, lambda r: percent(r["enrolmentGrowth"])),
    ("新建帮扶", 8, lambda r: r["casesOpened"]),
    ("结案", 6, lambda r: r["casesClosed"]),
    ("结案结果", 24, _outcomes),
    ("预警触发", 8, lambda r: r["alertsRaised"]),
    ("预警建档", 8, lambda r: r["alertsHandled"]),
    ("预警排除", 8, lambda r: r["alertsDismissed"]),
)


def _cells(row: dict[str, Any]) -> list[Cell]:
    return [cell(row) for _, _, cell in COLUMNS]


def workbook(report: Report) -> bytes:
    """Sheet 成效评估: the region, then each sub-region; sheet 指标说明: the version and the
    definitions."""
    figures = Sheet(
        "成效评估",
        [Column(header, width) for header, width, _ in COLUMNS],
        [_cells(row) for row in report.rows],
    )
    about = Sheet(
        "指标说明",
        [Column("项目", 18), Column("说明", 100)],
        [["报告", report.title], ["版本", report.status], *[list(d) for d in DEFINITIONS]],
    )
    return write_workbook([figures, about])


# --- charts (the PDF draws them; the page shows them as SVG) ------------------------------------


def _label(drawing: Drawing, text: str, width: float, height: float) -> None:
    drawing.add(
        String(width / 2, height - 14, text, fontName=FONT, fontSize=11, textAnchor="middle")
    )


def employment_chart(
    report: Report, width: float = 480, max_height: float = MAX_CHART_HEIGHT
) -> Drawing:
    """Employment rate and stability by sub-region (the region itself when it has none)."""
    rows = report.figures["subRegions"] or [report.figures["total"]]
    height = min(max_height, 60 + len(rows) * 22)
    drawing = Drawing(width, height)
    _label(drawing, "就业率（绿）与稳定就业率（橙），%", width, height)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 90, 20, width - 120, height - 50
    chart.data = [
        [round((row["employmentRate"] or 0) * 100, 1) for row in rows],
        [round((row["stability"] or 0) * 100, 1) for row in rows],
    ]
    chart.categoryAxis.categoryNames = [row["regionName"] for row in rows]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 8
    chart.categoryAxis.reverseDirection = True
    chart.valueAxis.valueMin, chart.valueAxis.valueMax = 0, 100
    chart.valueAxis.labels.fontSize = 8
    for index, color in enumerate(PALETTE[:2]):
        chart.bars[index].fillColor = color
    drawing.add(chart)
    return drawing


def location_chart(report: Report, width: float = 300) -> Drawing:
    total = report.figures["total"]
    split = [
        ("县内", total["inCounty"]),
        ("省内县外", total["inProvince"]),
        ("跨省", total["crossProvince"]),
        ("未登记", total["locationUnknown"]),
    ]
    height = 200
    drawing = Drawing(width, height)
    _label(drawing, "就业地点（人）", width, height)
    shown = [(name, count) for name, count in split if count] or [("无已就业人员", 1)]
    pie = Pie()
    pie.x, pie.y, pie.width, pie.height = 70, 20, 150, 150
    pie.data = [count for _, count in shown]
    pie.labels = [f"{name} {count}" if name != "无已就业人员" else name for name, count in shown]
    pie.simpleLabels = True
    pie.slices.fontName = FONT
    pie.slices.fontSize = 8
    for index in range(len(shown)):
        pie.slices[index].fillColor = PALETTE[index % len(PALETTE)]
    drawing.add(pie)
    return drawing


def svg(drawing: Drawing, name: str) -> str:
    """The chart as inline SVG for the page (no XML declaration); ``name`` prefixes its ids,
    which must be unique on the page."""
    text = renderSVG.drawToString(drawing)
    text = text[text.index("<svg") :]
    return text.replace('id="', f'id="{name}-').replace("url(#", f"url(#{name}-")


# --- the PDF -----------------------------------------------------------------------------------

PDF_COLUMNS = (0, 2, 3, 4, 6, 7, 8, 9, 10, 12, 14, 15, 16, 18, 19, 20)
"""The columns the A4 landscape table shows (the workbook has them all)."""


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT, fontSize=9, leading=13)
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=16, leading=22, spaceAfter=6),
        "heading": ParagraphStyle("heading", parent=base, fontSize=12, leading=18, spaceBefore=8),
        "body": base,
    }


def _table(report: Report) -> Table:
    header = [COLUMNS[i][0] for i in PDF_COLUMNS]
    body = [
        [("" if (v := _cells(row)[i]) is None else str(v)) for i in PDF_COLUMNS]
        for row in report.rows
    ]
    table = Table([header, *body], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 7.5),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8f1ee")),
                ("BACKGROUND", (0, 1), (-1, 1), colors.HexColor("#f6f6f6")),
                ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
            ]
        )
    )
    return table


def pdf(report: Report) -> bytes:
    styles = _styles()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=report.title,
    )
    story: list[Any] = [
        Paragraph(report.title, styles["title"]),
        Paragraph(report.status, styles["body"]),
        Paragraph("按户籍地统计；只含汇总数字，不含个人信息。", styles["body"]),
        Paragraph("主要指标", styles["heading"]),
        _table(report),
        Paragraph("图表", styles["heading"]),
        employment_chart(report, 700),
        location_chart(report, 300),
        Paragraph("指标定义", styles["heading"]),
        *[Paragraph(f"<b>{name}</b>：{text}", styles["body"]) for name, text in DEFINITIONS],
        Spacer(1, 6),
    ]
    document.build(story)
    return buffer.getvalue()


def file_name(report: Report, suffix: str) -> str:
    region, year = report.figures["regionCode"], report.figures["year"]
    version = f"v{report.version}" if report.version else "live"
    return f"evaluation-{region}-{year}-{version}.{suffix}"


def render(report: Report, suffix: str) -> tuple[bytes, str]:
    """The file's bytes and its media type, for ``suffix`` xlsx or pdf."""
    if suffix == "pdf":
        return pdf(report), "application/pdf"
    if suffix == "xlsx":
        return workbook(report), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    raise ValueError(f"不支持的文件类型：{suffix}（只能是 .xlsx 或 .pdf）")


SUFFIXES: Sequence[str] = ("xlsx", "pdf")


# --- reading the figures and the command line ------------------------------------------------


class ReportRefused(Exception):
    """The viewer may not read the region's evaluation, or the region is unknown."""


async def fetch(ctx: Context, region: str, year: int, as_of: date | None = None) -> Report:
    """``EvaluationFile`` run in-process as the viewer of ``ctx`` (its rules apply): the latest
    published version, or the live figures as of ``as_of`` when a date is given."""
    variables = {"region": region, "year": year, "asOf": as_of.isoformat() if as_of else None}
    result = await build_schema().execute(
        operations()["EvaluationFile"].source,
        variable_values=variables,
        context_value=ctx,
        operation_name="EvaluationFile",
    )
    if result.errors or result.data is None:
        raise ReportRefused("；".join(error.message for error in result.errors or ()))
    if result.data["evaluation"] is None:
        raise ReportRefused(f"没有行政区划代码 {region}")
    return Report.of(result.data["evaluation"], live=as_of is not None)


async def _write(
    region: str, year: int, as_of: date | None, out: Path, username: str | None
) -> str:
    engine = create_engine(get_settings().database_url)
    try:
        async with session_factory(engine)() as session:
            viewer = await portal_viewer(session, username) if username else OPERATOR
            report = await fetch(Context(session=session, viewer=viewer), region, year, as_of)
            await session.commit()  # the audit of what was read
    finally:
        await engine.dispose()
    data, _ = render(report, out.suffix.lstrip(".").lower())
    with out.open("xb") as file:  # never overwrite a report already written
        file.write(data)
    return f"wrote {out} ({len(data)} bytes): {report.title}，{report.status}"


OPERATOR = Viewer(role=Role.ADMIN, scopes=frozenset({scopes.READ}))
"""The command line's reader by default: an operator reading aggregates of any region."""


def _run(args: argparse.Namespace) -> None:
    if args.out.suffix.lstrip(".").lower() not in SUFFIXES:
        sys.exit("yulu: --out 须以 .xlsx 或 .pdf 结尾")
    try:
        print(asyncio.run(_write(args.region, args.year, args.as_of, args.out, args.acting)))
    except (ReportRefused, UnknownUser, FileExistsError) as error:
        sys.exit(f"yulu: {error}")


def add_report_commands(commands: Any) -> None:
    report = commands.add_parser("report", help="write reports")
    kinds = report.add_subparsers(dest="report", required=True)
    evaluation = kinds.add_parser(
        "evaluation",
        help="the yearly evaluation (成效评估) of a region: the latest published version, "
        "else (or with --as-of) the live figures, as .xlsx or .pdf",
    )
    evaluation.add_argument("--region", required=True, help="6-digit region code")
    evaluation.add_argument("--year", required=True, type=int)
    evaluation.add_argument("--out", required=True, type=Path, help="FILE.xlsx or FILE.pdf")
    evaluation.add_argument(
        "--as-of",
        type=date.fromisoformat,
        help="YYYY-MM-DD: the live figures as of this date instead of the published version",
    )
    evaluation.add_argument(
        "--as", dest="acting", help="read as this user (their remit applies); default: operator"
    )
    evaluation.set_defaults(handler=_run)
