"""Mounting the portal on the app: page routes, static files (ECharts from node_modules), error
pages and template filters. ``create_app`` calls :func:`install_portal` once."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from auth import rules
from models.organisations import Role
from portal.forms import read_integer
from portal.labels import LABELS, label_filter, named_field
from portal.pages import (
    admin,
    agency,
    alerts,
    applications,
    bureau,
    enterprise,
    graduate,
    households,
    ledgers,
    organisations,
    public,
    school,
)
from portal.web import EXCEPTION_HANDLERS, templates

HERE = Path(__file__).parent
# Installed by `npm ci` in portal/ (the Makefile does it); served by us, never from a CDN.
ECHARTS = HERE / "node_modules" / "echarts" / "dist" / "echarts.min.js"


async def echarts(_request: Request) -> FileResponse:
    if not ECHARTS.exists():
        raise HTTPException(404)
    return FileResponse(
        ECHARTS, media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"}
    )


async def favicon(_request: Request) -> FileResponse:
    """Browsers ask for /favicon.ico on every page, the sign-in page included."""
    return FileResponse(
        HERE / "static" / "favicon.svg",
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=86400"},
    )


# Blank values stay in the address: a blank choice can mean "all" where the page's default filters
# (portal.pickers.person_query: job seekers unless 正在求职 is set to 全部).
def _without(query: dict, *names: str) -> str:
    return urlencode(
        {key: value for key, value in query.items() if key not in names and value is not None}
    )


def page_number(query: dict) -> int:
    """The page a list shows (``page`` in its address, kept beside the cursor for the count)."""
    # A counter shown beside the cursor, which does the paging: a page number that is not a
    # positive integer is shown as the first.
    page = read_integer(query.get("page"), 1).value
    return page if page and query.get("after") else 1


def _with_cursor(query: dict, cursor: str) -> str:
    """The next page's address: the cursor, and the page number one on."""
    return urlencode(
        {
            **{key: value for key, value in query.items() if value is not None},
            "after": cursor,
            "page": page_number(query) + 1,
        }
    )


def _consent_clears(role: str | None) -> bool:
    """For the hint beside a masked phone: would the graduate's consent show it to this role?"""
    return role is not None and rules.consent_clears(Role(role.lower()))


# The filters and globals depend on no app: registered on import, so templates render outside a
# request too.
templates.env.globals["consent_clears"] = _consent_clears
templates.env.filters.update(
    without=_without, with_cursor=_with_cursor, page_number=page_number, named_field=named_field
)
templates.env.filters.update({name: label_filter(table) for name, table in LABELS.items()})


def install_portal(app: Starlette) -> None:
    app.router.routes.extend(
        [
            *public.ROUTES,
            *enterprise.ROUTES,
            *school.ROUTES,
            *graduate.ROUTES,
            *agency.ROUTES,
            *bureau.ROUTES,
            *households.ROUTES,
            *organisations.ROUTES,
            *admin.ROUTES,
            *applications.ROUTES,
            *ledgers.ROUTES,
            *alerts.ROUTES,
            Route("/static/vendor/echarts.min.js", echarts),
            Route("/favicon.ico", favicon),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ]
    )
    for key, handler in EXCEPTION_HANDLERS.items():
        app.add_exception_handler(key, handler)
