"""Bureaus: the region dashboard — the three ledgers, open positions, hires and where people
work (in-county / in-province / cross-province), key counties, drill-down into sub-regions."""

from __future__ import annotations

import asyncio
import json

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import operations
from portal.web import render, require_role

ROLE = "BUREAU"
COUNTS = ("intentions", "students", "graduates", "openPositions", "hires")
# One breakdown request per sub-region; a province has at most a few dozen.
MAX_SUBREGIONS = 60


def _totals(data: dict) -> dict[str, int]:
    return {name: value["totalCount"] for name, value in data.items() if isinstance(value, dict) and "totalCount" in value}


async def _breakdown(request: Request, children: list[dict]) -> list[dict]:
    """Each sub-region with its counts, fetched concurrently."""
    shown = children[:MAX_SUBREGIONS]
    results = await asyncio.gather(*(
        operations.run(request, "RegionBreakdown", {"region": child["code"]}) for child in shown
    ))
    return [{**child, **_totals(result)} for child, result in zip(shown, results)]


def _chart_data(region: dict, totals: dict, rows: list[dict]) -> str:
    """What static/dashboard.js draws, embedded in the page as JSON."""
    return json.dumps({
        "region": region["name"],
        "location": [["县内就业", totals["inCounty"]], ["省内县外", totals["inProvince"]],
                     ["跨省就业", totals["crossProvince"]]],
        "subregions": [row["name"] for row in rows],
        "ledgers": {name: [row[name] for row in rows] for name in ("intentions", "students", "graduates")},
    }, ensure_ascii=False)


async def dashboard(request: Request) -> Response:
    user = await require_role(request, ROLE)
    code = request.query_params.get("region") or user["region"]["code"]
    data = await operations.run(request, "RegionDashboard", {"region": code})
    region = data["region"]
    if region is None:
        raise HTTPException(404)
    totals = _totals(data)
    rows = await _breakdown(request, region["children"])
    home = user["region"]["code"]
    return await render(request, "bureau/dashboard.html", region=region, totals=totals, rows=rows,
                        chart_data=_chart_data(region, totals, rows),
                        can_go_up=region["parent"] is not None and code != home)


ROUTES = [Route("/bureau", dashboard)]
