"""Bureaus: the region dashboard and the yearly evaluation (成效评估) — the three ledgers, target
groups, open positions and places, hires, employment rate, income, stability, where people work
(in-county / in-province / cross-province), key counties, and drill-down into sub-regions.

Everything comes from one ``regionStatistics`` request: the region's own figures and the same
figures for each direct sub-region and key county (a sub-region's own children are not in the
answer; following its link asks again with its code)."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import evaluation_report, operations
from portal.forms import FormErrors, version_of
from portal.labels import LABELS
from portal.pages import enterprise
from portal.pages.help import HelpDesk
from portal.web import act, post, redirect, render, require_role, submit
from resolvers.outcomes import today as china_today

ROLE = "BUREAU"
YEARS_SHOWN = 6  # the selector offers this year and the five before it


def year_choices(today: date | None = None) -> list[tuple[str, str]]:
    this_year = (today or china_today()).year
    return [(str(year), f"{year} 年度") for year in range(this_year, this_year - YEARS_SHOWN, -1)]


def _year(request: Request) -> int | None:
    """The evaluation year asked for; anything but one of the offered years means all years."""
    text = request.query_params.get("year", "").strip()
    offered = {value for value, _ in year_choices()}
    return int(text) if text in offered else None


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _location(figures: dict) -> list[list]:
    split = figures["locationSplit"]
    if split is None:  # all years: no cohort, so no employment figures
        return []
    return [
        ["县内就业", split["inCounty"]],
        ["省内县外", split["inProvince"]],
        ["跨省就业", split["crossProvince"]],
    ]


def _county_figures(stats: dict) -> dict[str, str]:
    """The key-county bars: a year's cohort and its employed, or (all years) the graduates."""
    if stats["year"] is None:
        return {"graduates": "毕业生"}
    return {"cohort": "毕业生（届）", "employed": "已就业"}


def _chart_data(stats: dict) -> str:
    """What static/dashboard.js draws, embedded in the page as JSON (the tables hold the same)."""
    children, counties = stats["children"], stats["keyCounties"]
    return json.dumps(
        {
            "region": stats["region"]["name"],
            "location": _location(stats),
            "subregions": [child["region"]["name"] for child in children],
            "ledgers": {
                name: [child[name] for child in children]
                for name in ("intentions", "students", "graduates")
            },
            "keyCounties": [county["region"]["name"] for county in counties],
            "keyCountyFigures": {
                name: [county[name] for county in counties] for name in _county_figures(stats)
            },
            "keyCountyLabels": _county_figures(stats),
        },
        ensure_ascii=False,
    )


def _up(region: dict) -> dict | None:
    """The region to go back up to: the parent, or past a municipality's 市辖区 / 县 grouping."""
    parent = region["parent"]
    return parent["parent"] if parent and parent["isGrouping"] else parent


async def dashboard(request: Request) -> Response:
    user = await require_role(request, ROLE)
    home = user["region"]["code"]
    code = request.query_params.get("region") or home
    year = _year(request)
    data, tracking = await asyncio.gather(
        operations.run(request, "RegionDashboard", {"region": code, "year": year}),
        operations.run(request, "TrackingOverview", {"region": code}),
    )
    stats = data["regionStatistics"]
    if stats is None:
        raise HTTPException(404)
    region = stats["region"]
    return await render(
        request,
        "bureau/dashboard.html",
        stats=stats,
        region=region,
        year=year,
        years=year_choices(),
        year_query=f"&year={year}" if year else "",
        chart_data=_chart_data(stats),
        percent=percent,
        up=_up(region) if code != home else None,
        tracking=tracking["trackingOverview"],
    )


# --- the yearly evaluation (成效评估) ---------------------------------------------------------


def _evaluation_year(request: Request) -> int:
    """The year asked for, if offered; else this year."""
    text = request.query_params.get("year", "").strip()
    offered = {value for value, _ in year_choices()}
    return int(text) if text in offered else china_today().year


def _as_of(request: Request) -> str | None:
    """The date asked for (统计日), if it is one; none: the published version, else the default."""
    text = request.query_params.get("asOf", "").strip()
    try:
        return date.fromisoformat(text).isoformat() if text else None
    except ValueError:
        return None


async def _evaluation_data(request: Request) -> tuple[dict, str, int, str | None, dict]:
    user = await require_role(request, ROLE)
    code = request.query_params.get("region") or user["region"]["code"]
    year, as_of = _evaluation_year(request), _as_of(request)
    variables = {"region": code, "year": year, "asOf": as_of}
    data = await operations.run(request, "EvaluationFile", variables)
    if data["evaluation"] is None:
        raise HTTPException(404)
    return data, code, year, as_of, user


async def evaluation(request: Request) -> Response:
    """The figures the files hold (the latest published version, else the live ones), with
    which version they are, whether live figures differ, the charts, drill-down links to each
    real sub-region, and what each indicator means."""
    data, code, year, as_of, user = await _evaluation_data(request)
    report = evaluation_report.Report.of(data["evaluation"], live=as_of is not None)
    figures = report.figures
    home = user["region"]["code"]
    return await render(
        request,
        "bureau/evaluation.html",
        report=report,
        figures=figures,
        live=data["evaluation"]["live"],
        published=data["evaluation"]["published"],
        definitions=data["evaluationDefinitions"],
        year=year,
        years=year_choices(),
        as_of=as_of,
        query=urlencode({"region": code, "year": year, **({"asOf": as_of} if as_of else {})}),
        code=code,
        own_region=code == home,
        is_home=code == home,
        percent=percent,
        outcomes=evaluation_report.OUTCOME_WORDS,
        charts=[
            (
                "就业率与稳定就业率（按下级地区）",
                evaluation_report.svg(
                    evaluation_report.employment_chart(report, 640, 900), "employment"
                ),
            ),
            (
                "就业地点（人）",
                evaluation_report.svg(evaluation_report.location_chart(report), "location"),
            ),
        ],
    )


async def evaluation_file(request: Request) -> Response:
    """The same figures as .xlsx or as a printable PDF with its charts."""
    data, _code, _year, as_of, _user = await _evaluation_data(request)
    suffix = request.query_params.get("format", "")
    if suffix not in evaluation_report.SUFFIXES:
        raise HTTPException(404)
    report = evaluation_report.Report.of(data["evaluation"], live=as_of is not None)
    content, media_type = evaluation_report.render(report, suffix)
    name = evaluation_report.file_name(report, suffix)
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def publish_evaluation(request: Request, form: FormData) -> Response:
    await require_role(request, ROLE)
    code, year = str(form.get("regionCode", "")), str(form.get("year", ""))
    as_of = str(form.get("asOf", "")).strip() or None
    back = "/bureau/evaluation?" + urlencode({"region": code, "year": year})
    if not year.isdigit():
        raise HTTPException(400)
    variables = {"regionCode": code, "year": int(year), "asOf": as_of}
    result, errors = await operations.mutate(request, "PublishEvaluation", variables)
    if result:
        return redirect(back, f"已发布 {year} 年度成效评估第 {result['version']} 版。", request)
    message = "；".join(FormErrors.from_payload(errors, set()).general) or "发布未成功。"
    return redirect(back, message, request, failed=True)


# --- public-welfare positions and internships (公益性岗位、见习岗位) --------------------------------

POSTED_KINDS = ("PUBLIC_WELFARE", "INTERNSHIP")  # auth.rules.POSTABLE_KINDS for bureaus


async def my_positions(request: Request) -> Response:
    """The positions the bureau posted: the places of last resort it offers (the API lets a
    bureau post these two kinds only)."""
    user = await require_role(request, ROLE)
    data = await operations.run(
        request,
        "EnterprisePositions",
        {"enterprise": user["organisation"]["id"], "after": request.query_params.get("after")},
    )
    return await render(
        request,
        "bureau/positions.html",
        positions=data["positions"],
        query={"after": request.query_params.get("after")},
    )


def _kinds() -> list[tuple[str, str]]:
    return [(kind, LABELS["position_kind"][kind]) for kind in POSTED_KINDS]


async def new_position(request: Request) -> Response:
    user = await require_role(request, ROLE)
    values = enterprise.blank_position(user, POSTED_KINDS[0])
    return await enterprise.position_form_page(
        request, user, values, FormErrors(), kinds=_kinds(), back="/bureau/positions"
    )


async def create_position(request: Request, form: FormData) -> Response:
    user = await require_role(request, ROLE)
    result, shown, errors = await submit(
        request,
        form,
        enterprise.NEW_POSITION_FORM,
        "CreatePosition",
        lambda values: {"input": values},
    )
    if result:
        return redirect("/bureau/positions", "岗位已保存为草稿，确认无误后请发布。", request)
    return await enterprise.position_form_page(
        request, user, shown, errors, status=400, kinds=_kinds(), back="/bureau/positions"
    )


async def open_position(request: Request, form: FormData) -> Response:
    await require_role(request, ROLE)
    variables = {"id": request.path_params["id"], "version": version_of(form)}
    return await act(
        request,
        "OpenPosition",
        variables,
        "/bureau/positions",
        "岗位已发布，求职者和服务机构现在可以看到它。",
    )


# One-to-one help by real name is the county's work (市县抓落实): a city or province bureau sees
# the page, and the API answers its attempts with COUNTY_ONLY.
HELP = HelpDesk(
    ROLE, "/bureau/help", "一对一帮扶：本县雨露计划毕业生", "bureau-help-cases", default_seeking=""
)

ROUTES = [
    Route("/bureau", dashboard),
    Route("/bureau/evaluation", evaluation),
    Route("/bureau/evaluation/file", evaluation_file),
    post("/bureau/evaluation/publish", publish_evaluation),
    Route("/bureau/positions", my_positions),
    Route("/bureau/positions/new", new_position),
    post("/bureau/positions/new", create_position),
    post("/bureau/positions/{id}/open", open_position),
    *HELP.routes(),
]
