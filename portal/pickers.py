"""The pickers every form shares: one region picker (province → city → county) wherever a place
is chosen, and the person picker's paging and filters wherever a person is chosen.

Both work without JavaScript — the region picker is a plain ``<select>`` grouped by city with
``<optgroup>``, the person picker a GET search with a page count — and ``static/picker.js`` adds
type-to-search to the region picker (macros.html, "Pickers").
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from auth import rules
from auth.portal_signin import PORTAL_SCOPES
from auth.viewer import Viewer
from models.organisations import Role
from models.regions import RegionLevel
from portal import operations

# --- regions -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegionGroup:
    """One <optgroup>: a province (with a municipality's districts and counties), or a city."""

    label: str
    options: list[tuple[str, str]]  # (code, text)


_regions: list[dict] | None = None


async def _all_regions(request: Request) -> list[dict]:
    """Every selectable region, by code. Read once per process, 100 a call as the API allows:
    the code table is public reference data (auth.rules: everyone reads regions) that only a
    migration changes, so every viewer gets the same list."""
    global _regions
    if _regions is None:
        regions: list[dict] = []
        after = None
        while True:
            page = (await operations.run(request, "RegionChoices", {"after": after}))[
                "regionSearch"
            ]
            regions.extend(edge["node"] for edge in page["edges"])
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        if not regions:  # a database not seeded yet: ask again next time
            return regions
        _regions = regions
    return _regions


def _option_text(region: dict) -> str:
    """城口县（500229） · 重点帮扶县; a province or city as a place of its own: 杭州市（全域，330100）."""
    whole = (
        "全域，" if region["level"] in (RegionLevel.PROVINCE.name, RegionLevel.CITY.name) else ""
    )
    key = " · 重点帮扶县" if region["isKeyCounty"] else ""
    return f"{region['name']}（{whole}{region['code']}）{key}"


def group_regions(regions: list[dict], first_province: str | None = None) -> list[RegionGroup]:
    """Province → city → county as optgroups: each city with its counties; a province alone, or
    with the districts and counties a municipality groups under 市辖区 / 县 (not offered: the API
    leaves them out). ``first_province`` (a code) comes first: most places chosen are nearby."""
    by_code = {region["code"]: region for region in regions}
    grouped: dict[str, list[dict]] = {}
    for region in regions:
        province, city = region["code"][:2] + "0000", region["code"][:4] + "00"
        if region["level"] == RegionLevel.CITY.name or (
            region["level"] == RegionLevel.COUNTY.name and city in by_code
        ):
            key = city
        else:
            key = province
        grouped.setdefault(key, []).append(region)

    def label(code: str) -> str:
        province = by_code.get(code[:2] + "0000", {"name": ""})["name"]
        return province if code.endswith("0000") else f"{province} · {by_code[code]['name']}"

    mine = (first_province or "")[:2]
    order = sorted(grouped, key=lambda code: (code[:2] != mine, code))
    return [
        RegionGroup(label(code), [(r["code"], _option_text(r)) for r in grouped[code]])
        for code in order
    ]


async def region_groups(request: Request, user: dict | None) -> list[RegionGroup]:
    """The region picker's choices, the signed-in user's province first."""
    home = ((user or {}).get("region") or {}).get("code")
    return group_regions(await _all_regions(request), home)


# --- persons -----------------------------------------------------------------------------------

PERSON_PAGE = 20


def viewer_of(user: dict) -> Viewer:
    """The rules' view of the signed-in user, enough to ask auth.rules what a page may offer
    (which filters): the role, the region's level and the scopes the portal signs in with."""
    level = (user.get("region") or {}).get("level")
    return Viewer(
        role=Role[user["role"]],
        region_level=RegionLevel[level] if level else None,
        scopes=frozenset(PORTAL_SCOPES),
    )


def may_filter_households(user: dict) -> bool:
    """The monitored-household and key-county filters read the household: offered only to a
    viewer who sees it in clear on some person (the API refuses them to anyone else)."""
    return not rules.never_clear(viewer_of(user), "household")


SEEKING = ("seeking", "正在求职")
HOUSEHOLD_FILTERS = (("keyCounty", "来自重点帮扶县"), ("monitored", "防止返贫监测对象"))


def filters_offered(user: dict, *always: tuple[str, str]) -> list[tuple[str, str]]:
    """A person list's yes/no filters: ``always`` and, where the rules allow, the household's."""
    return [*always, *(HOUSEHOLD_FILTERS if may_filter_households(user) else ())]


def person_query(params, **defaults: str) -> dict:
    """The picker's query string, with ``defaults`` for filters not in it (a blank one: all)."""
    return {**defaults, **dict(params)}


def person_filter(query: dict, offered: list[tuple[str, str]], **fixed) -> dict:
    """The API's PersonFilter from a picker's query: ``search`` (a name, or a whole ID number
    where the viewer sees it in clear) and the offered yes/no filters; ``fixed`` always holds."""
    person_filter = dict(fixed)
    if str(query.get("search", "")).strip():
        person_filter["search"] = str(query["search"]).strip()
    for name, _label in offered:
        if query.get(name) in ("true", "false"):
            person_filter[name] = query[name] == "true"
    return person_filter


async def person_choices(
    request: Request, ledger: str, query: dict, offered: list[tuple[str, str]], **fixed
) -> dict:
    """One page (20) of the persons matching the picker's query, with ``totalCount``."""
    variables = {
        "ledger": ledger,
        "filter": person_filter(query, offered, **fixed),
        "after": query.get("after"),
    }
    return (await operations.run(request, "PersonChoices", variables))["persons"]


def back_to_picker(request: Request, path: str, picker_id: str) -> str:
    """After acting on a person found with the picker: the same search and page again (the
    picker's form posts to an address carrying its query string)."""
    query = request.url.query
    return f"{path}?{query}#{picker_id}" if query else f"{path}#{picker_id}"
