"""Item 7 of issue 11: every list counts in the cost limit at its real bound, and anonymous callers
get a much smaller budget. Over real HTTP with real tokens, on the database under test.

Expected costs are computed here by hand from the documented rule (a field counts once per object
it is asked on, a list its bound times everything below it), never by calling the estimator.
"""

from __future__ import annotations

import base64
import time
from pathlib import Path

import graphql
import pytest
from sqlalchemy import insert, select

from models.db import create_engine, session_factory
from models.organisations import Organisation
from models.positions import Position
from portal.operations import operations
from resolvers.batching import MAX_RELATED
from resolvers.pagination import MAX_PAGE_SIZE
from schema.api import build_schema
from schema.extensions import ANONYMOUS_BUDGET, COST_BUDGETS, MEMBER_BUDGET, CostEstimate
from schema.list_bounds import BOUNDS, bound_of, unbounded_lists
from tests.authz.alliance import ANONYMOUS, running_alliance

SDL = Path(__file__).resolve().parents[2] / "schema" / "alliance.graphql"
GRAPHQL_RESPONSE = "application/graphql-response+json"
pytestmark = (
    pytest.mark.db
)  # the HTTP tests run on both databases; the schema walk is cheap to repeat


@pytest.fixture(scope="module")
async def cost_alliance(tmp_path_factory):
    async with running_alliance(tmp_path_factory.mktemp("costs")) as running:
        yield running


# --- the schema walk: every list field has a declared bound ----------------------------------


def _sdl_list_fields() -> list[str]:
    """Read from the committed SDL with graphql-core alone, not from schema.list_bounds' walk."""
    schema = graphql.build_ast_schema(
        graphql.parse(SDL.read_text(encoding="utf-8")), assume_valid_sdl=True
    )
    found = []
    for type_ in schema.type_map.values():
        if isinstance(
            type_, (graphql.GraphQLObjectType, graphql.GraphQLInterfaceType)
        ) and not type_.name.startswith("__"):
            found += [
                f"{type_.name}.{name}"
                for name, field in type_.fields.items()
                if graphql.is_list_type(graphql.get_nullable_type(field.type))
            ]
    return sorted(found)


SDL_LIST_FIELDS = _sdl_list_fields()


def test_the_walk_finds_the_plain_lists_of_the_issue():
    for field in (
        "Organisation.positions",
        "Position.majors",
        "Person.applications",
        "Fair.registrations",
    ):
        assert field in SDL_LIST_FIELDS


@pytest.mark.parametrize("field", SDL_LIST_FIELDS)
def test_every_list_field_has_a_declared_bound(field):
    type_name, field_name = field.split(".")
    served = build_schema()._schema.get_type(type_name)
    assert isinstance(served, graphql.GraphQLObjectType | graphql.GraphQLInterfaceType), field
    bound = bound_of(served, field_name)
    assert bound is not None, f"{field}: declare its bound in schema/list_bounds.py"
    assert getattr(bound, "why", ""), f"{field}: say why the bound holds"


def test_no_bound_is_declared_for_a_field_that_does_not_exist():
    assert sorted(BOUNDS) == sorted(set(BOUNDS) & set(SDL_LIST_FIELDS))


def test_a_new_list_field_without_a_bound_is_found():
    import strawberry

    @strawberry.type
    class Query:
        @strawberry.field
        def everything(self) -> list[str]:
            return []

    assert unbounded_lists(strawberry.Schema(query=Query)._schema) == ["Query.everything"]


# --- over HTTP: the flood of the issue is refused before it runs ------------------------------

FLOOD = """{ organisations(first: 100) { edges { node { name positions {
  title enterprise { name positions { title description } } } } } } }"""
# organisations 1; edges 100 x (1 + node: 1 + name 1 + positions: R x (1 + title 1 + enterprise:
# 1 + name 1 + positions: R x (1 + title 1 + description 1)))
FLOOD_COST = 1 + 100 * (1 + 1 + 1 + MAX_RELATED * (1 + 1 + 1 + 1 + MAX_RELATED * 3))

# Affordable signed in, refused anonymously: 1 + 20 x (1 + 1 + 1 + R x (1 + 1)).
MIDDLE = "{ organisations(first: 20) { edges { node { name positions { title } } } } }"
MIDDLE_COST = 1 + 20 * (3 + MAX_RELATED * 2)


def _post(alliance, query: str, viewer: str = ANONYMOUS, variables: dict | None = None):
    token = alliance.token(viewer)
    headers = {
        "Accept": GRAPHQL_RESPONSE,
        **({"Authorization": f"Bearer {token}"} if token else {}),
    }
    started = time.perf_counter()
    response = alliance.http.post(
        f"{alliance.url}/graphql",
        json={"query": query, "variables": variables or {}},
        headers=headers,
    )
    return response, time.perf_counter() - started


def _refusal(response) -> dict:
    assert response.status_code == 400, response.text  # a request error: nothing ran
    body = response.json()
    assert "data" not in body
    (error,) = body["errors"]
    return error


def test_the_anonymous_flood_is_refused_before_execution_and_quickly(cost_alliance):
    _post(
        cost_alliance, "{ __typename }"
    )  # the connection is open: the time below is the refusal's
    response, seconds = _post(cost_alliance, FLOOD)
    error = _refusal(response)
    assert error["extensions"] == {
        "code": "COST_LIMIT",
        "cost": FLOOD_COST,
        "budget": ANONYMOUS_BUDGET,
    }
    assert (
        f"预估开销为 {FLOOD_COST}" in error["message"]
        and f"上限 {ANONYMOUS_BUDGET}" in error["message"]
    )
    assert "未登录" in error["message"]
    assert seconds < 0.5 and len(response.content) < 1000


def test_a_member_is_refused_the_flood_too(cost_alliance):
    response, _ = _post(cost_alliance, FLOOD, "agency")
    assert _refusal(response)["extensions"]["budget"] == MEMBER_BUDGET


def test_anonymous_callers_get_a_much_smaller_budget(cost_alliance):
    assert ANONYMOUS_BUDGET < MIDDLE_COST <= MEMBER_BUDGET
    anonymous, _ = _post(cost_alliance, MIDDLE)
    assert _refusal(anonymous)["extensions"]["cost"] == MIDDLE_COST
    member, _ = _post(cost_alliance, MIDDLE, "school")
    assert member.status_code == 200 and "errors" not in member.json()
    assert len(member.json()["data"]["organisations"]["edges"]) == 20


def test_the_page_asked_in_a_variable_is_what_counts(cost_alliance):
    query = "query($n: Int) { positions(first: $n) { edges { node { title description } } } }"
    cost = lambda rows: 1 + rows * (1 + 1 + 2)  # noqa: E731
    small, _ = _post(cost_alliance, query, variables={"n": 10})
    assert small.status_code == 200 and "errors" not in small.json()
    rows = ANONYMOUS_BUDGET // 4 + 1  # beyond MAX_PAGE_SIZE: counted at the most a page holds
    assert cost(MAX_PAGE_SIZE) <= ANONYMOUS_BUDGET < cost(rows)
    clamped, _ = _post(cost_alliance, query, variables={"n": rows})
    assert (
        clamped.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    )  # the resolver's own message


def test_entities_count_each_representation(cost_alliance):
    query = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Region { name } } }"
    allowed = [{"__typename": "Region", "id": "UmVnaW9uOjUwMDIyOQ=="}] * 10
    response, _ = _post(cost_alliance, query, variables={"r": allowed})
    assert response.status_code == 200 and "errors" not in response.json()
    many = allowed * (ANONYMOUS_BUDGET // 20 + 1)  # each representation: the entity and its name
    assert _refusal(_post(cost_alliance, query, variables={"r": many})[0])["extensions"][
        "cost"
    ] == 2 * len(many)


def test_fragments_spread_many_times_are_costed_at_once(cost_alliance):
    # Each fragment spreads the one before twice: 2^24 names, costed without walking them all.
    fragments = ["fragment F0 on Region { name }"] + [
        f"fragment F{i} on Region {{ ...F{i - 1} ... on Region {{ ...F{i - 1} }} }}"
        for i in range(1, 25)
    ]
    query = '{ region(code: "500229") { ...F24 } }\n' + "\n".join(fragments)
    response, seconds = _post(cost_alliance, query)
    assert _refusal(response)["extensions"]["cost"] == 1 + 2**24
    assert seconds < 2


# --- the bound holds whatever the data holds -------------------------------------------------


async def test_a_relation_answers_at_most_its_bound(cost_alliance):
    engine = create_engine(cost_alliance.database_url)
    try:
        async with session_factory(engine)() as session:
            template = (
                await session.scalars(select(Position).where(Position.state == "open").limit(1))
            ).one()
            columns = {
                c.key: getattr(template, c.key) for c in Position.__table__.columns if c.key != "id"
            }
            await session.execute(insert(Position), [columns] * (MAX_RELATED + 5))
            enterprise = await session.get(Organisation, template.enterprise_id)
            await session.commit()
    finally:
        await engine.dispose()
    query = "query($id: ID!) { node(id: $id) { ... on Organisation { positions { id } } } }"
    result = cost_alliance.graphql(
        "admin", query, {"id": _global_id("Organisation", enterprise.id)}
    )
    assert result.errors == [] and len(result.data["node"]["positions"]) == MAX_RELATED


def _global_id(type_name: str, key: int) -> str:
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


# --- the portal's own operations fit their callers' budgets ---------------------------------

PUBLIC_OPERATIONS = {"Landing"}  # run with signed_in=False (portal/pages/public.py)


def _worst_variables(operation: graphql.OperationDefinitionNode) -> dict:
    """Every Int variable at the largest page: the page may pass any value up to it."""
    return {
        d.variable.name.value: MAX_PAGE_SIZE
        for d in operation.variable_definitions or ()
        if graphql.get_named_type(graphql.type_from_ast(build_schema()._schema, d.type)).name
        == "Int"
    }


@pytest.mark.parametrize("name", sorted(operations()))
def test_every_portal_operation_fits_its_callers_budget(name):
    document = graphql.parse(operations()[name].source)
    operation = graphql.get_operation_ast(document, name)
    budget = (
        ANONYMOUS_BUDGET
        if name in PUBLIC_OPERATIONS
        else min(COST_BUDGETS[role] for role in COST_BUDGETS if role)
    )
    cost = CostEstimate(build_schema()._schema, document, _worst_variables(operation)).of(operation)
    assert cost <= budget, f"{name} may cost {cost}, over {budget}"


@pytest.mark.parametrize(
    "viewer, name, variables",
    [
        (ANONYMOUS, "Landing", lambda cast: {"first": MAX_PAGE_SIZE}),
        (
            "school",
            "SchoolClasses",
            lambda cast: {"school": _global_id("Organisation", cast.org["school"])},
        ),
        ("graduate", "PersonFile", lambda cast: {"id": _global_id("Person", cast.graduate_person)}),
        (
            "agency",
            "MyFairs",
            lambda cast: {"organiser": _global_id("Organisation", cast.org["agency"])},
        ),
        ("county", "RegionDashboard", lambda cast: {"region": "500229"}),
    ],
)
def test_the_portal_pages_operations_pass_over_http(cost_alliance, viewer, name, variables):
    response, _ = _post(
        cost_alliance, operations()[name].source, viewer, variables(cost_alliance.cast)
    )
    assert response.status_code == 200 and "errors" not in response.json(), response.text
    assert all(value is not None for value in response.json()["data"].values())
