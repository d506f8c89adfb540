"""How many items each list field of the API may return, and why that bound holds.

The cost limit (schema.extensions.CostBudget) multiplies by these bounds, so each one must hold
whatever the data holds: it is either enforced in SQL (the relation loaders answer at most
``MAX_RELATED`` rows per parent, catalogue searches and the admin lists have a LIMIT) or fixed
by the data model (an enum, the checks of a write). Every list field of every output type has an
entry here; tests/privacy/test_cost_limits.py walks the schema and fails on one without.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    IntValueNode,
    ListValueNode,
    VariableNode,
    get_nullable_type,
    is_list_type,
)

from auth import scopes
from auth.admin import MAX_REDIRECT_URIS
from auth.server import GRANT_TYPES
from models.organisations import OrganisationKind
from resolvers.admin import MAX_ADMIN_LIST
from resolvers.batching import MAX_RELATED
from resolvers.catalogue import MAX_SEARCH_RESULTS
from resolvers.notices import NoticeKind
from resolvers.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from resolvers.positions import MAX_ACCEPTED_MAJORS, MAX_CERTIFICATES
from resolvers.regions import MAX_PARTNERS
from resolvers.statistics import MAX_KEY_COUNTIES


@dataclass(frozen=True)
class Fixed:
    """A bound known before the operation runs."""

    items: int
    why: str

    def size(self, _field: FieldNode, _variables: dict[str, Any], _page: int) -> int:
        return self.items


@dataclass(frozen=True)
class PageOfParent:
    """A connection's ``edges``: as many as the page its field asked for (``first``)."""

    why: str = "the connection's page: its first argument, at most MAX_PAGE_SIZE"

    def size(self, _field: FieldNode, _variables: dict[str, Any], page: int) -> int:
        return page


@dataclass(frozen=True)
class ListArgument:
    """One item per element of a list argument (``_entities(representations:)``)."""

    argument: str
    why: str

    def size(self, field: FieldNode, variables: dict[str, Any], _page: int) -> int:
        value = argument_node(field, self.argument)
        if isinstance(value, ListValueNode):
            return len(value.values)
        if isinstance(value, VariableNode) and isinstance(variables.get(value.name.value), list):
            return len(variables[value.name.value])
        return 0  # absent or not a list: the executor refuses the operation before any resolver


Bound = Fixed | PageOfParent | ListArgument

RELATED = Fixed(
    MAX_RELATED,
    "a relation loader answers at most MAX_RELATED rows per parent (resolvers.batching)",
)
USER_ERRORS = Fixed(
    50, "Checks reports at most one error per rule of a mutation's input; none has 50"
)
MATCH_TEXTS = Fixed(
    10, "five requirements and five priorities, one text each (resolvers.matching.explain)"
)

BOUNDS: dict[str, Bound] = {
    "AllianceSummary.members": Fixed(len(OrganisationKind), "one count per organisation kind"),
    "Application.events": RELATED,
    "AssistanceCase.actions": RELATED,
    "AuditRecord.fields": Fixed(
        20, "names of a person's fields read in clear; a Person has fewer than 20 personal fields"
    ),
    "EmploymentIntention.occupations": RELATED,
    "EmploymentIntention.regions": RELATED,
    "Fair.enterprises": RELATED,
    "Fair.positions": RELATED,
    "Fair.registrations": RELATED,
    "Match.missing": MATCH_TEXTS,
    "Match.reasons": MATCH_TEXTS,
    "OAuthClient.grantTypes": Fixed(len(GRANT_TYPES), "a subset of the server's grant types"),
    "OAuthClient.redirectUris": Fixed(
        MAX_REDIRECT_URIS, "createOAuthClient refuses more (auth.admin)"
    ),
    "Organisation.positions": RELATED,
    "Person.certificates": Fixed(
        MAX_CERTIFICATES, "the ledger import writes at most MAX_CERTIFICATES; no API write"
    ),
    "Person.applications": RELATED,
    "Person.employmentRecords": RELATED,
    "Person.followUps": RELATED,
    "Person.assistanceCases": RELATED,
    "Person.classes": RELATED,
    "Position.requiredCertificates": Fixed(
        MAX_CERTIFICATES, "createPosition and updatePosition refuse more"
    ),
    "Position.majors": Fixed(
        MAX_ACCEPTED_MAJORS, "createPosition and updatePosition refuse more; loader LIMIT"
    ),
    "Position.applications": RELATED,
    "Query._entities": ListArgument("representations", "one entity per representation sent"),
    "Query.regions": Fixed(
        MAX_RELATED, "the provinces (LIMIT in resolvers.regions) or a region's children (loader)"
    ),
    "Query.majors": Fixed(MAX_SEARCH_RESULTS, "catalogue search LIMIT (resolvers.catalogue)"),
    "Query.occupations": Fixed(MAX_SEARCH_RESULTS, "catalogue search LIMIT (resolvers.catalogue)"),
    "Query.personsWithVisibleEmployment": ListArgument(
        "ids", "a subset of the ids asked (at most MAX_PERSONS)"
    ),
    "Query.oauthClients": Fixed(MAX_ADMIN_LIST, "admin list LIMIT (resolvers.admin)"),
    "Query.userAccounts": Fixed(MAX_ADMIN_LIST, "admin list LIMIT (resolvers.admin)"),
    "Region.children": RELATED,
    "Region.partners": Fixed(
        MAX_PARTNERS, "east-west partners of a province (cut in resolvers.regions)"
    ),
    "RegionStatistics.children": Fixed(
        MAX_RELATED, "a region's direct children (LIMIT in resolvers.statistics)"
    ),
    "RegionStatistics.keyCounties": Fixed(
        MAX_KEY_COUNTIES, "key counties inside the region (LIMIT in resolvers.statistics)"
    ),
    "Shortlist.assignments": Fixed(
        MAX_RELATED, "the best MAX_RELATED pairs (cut in schema.matching)"
    ),
    "Shortlist.unassigned": Fixed(MAX_RELATED, "the first MAX_RELATED (cut in schema.matching)"),
    "TrainingClass.reservedPositions": RELATED,
    "TrainingClass.students": RELATED,
    "Viewer.scopes": Fixed(len(scopes.ALL), "a subset of the alliance's scopes"),
    "Viewer.notices": Fixed(len(NoticeKind), "at most one notice of each kind (resolvers.notices)"),
}


def is_connection(type_: Any) -> bool:
    """A Relay connection type: ``edges`` and ``pageInfo`` (its edges are bounded by the page)."""
    return isinstance(type_, GraphQLObjectType) and {"edges", "pageInfo"} <= type_.fields.keys()


def is_payload(type_: Any) -> bool:
    """A mutation payload: ``result`` and ``errors`` (schema.base.Payload)."""
    return isinstance(type_, GraphQLObjectType) and {"result", "errors"} <= type_.fields.keys()


def bound_of(parent: GraphQLObjectType | GraphQLInterfaceType, field_name: str) -> Bound | None:
    """The declared bound of list field ``parent.field_name``; None when there is none."""
    if field_name == "edges" and is_connection(parent):
        return PageOfParent()
    if field_name == "errors" and is_payload(parent):
        return USER_ERRORS
    return BOUNDS.get(f"{parent.name}.{field_name}")


def argument_node(field: FieldNode, name: str) -> Any:
    return next(
        (argument.value for argument in field.arguments or () if argument.name.value == name), None
    )


def page_size(field: FieldNode, variables: dict[str, Any], default: Any) -> int:
    """The rows a connection field asked for: its ``first`` (literal or variable), else the
    argument's default, else DEFAULT_PAGE_SIZE; clamped to what the resolvers accept (a value
    out of range is refused there with its own message)."""
    value = argument_node(field, "first")
    first: Any
    if isinstance(value, IntValueNode):
        first = int(value.value)  # validation already refused a literal beyond 32 bits
    elif isinstance(value, VariableNode):
        first = variables.get(value.name.value)
    else:
        first = default
    if not isinstance(first, int) or isinstance(
        first, bool
    ):  # null, absent, or a value the executor refuses
        first = default if isinstance(default, int) else DEFAULT_PAGE_SIZE
    return min(max(first, 0), MAX_PAGE_SIZE)


def list_fields(
    schema: GraphQLSchema,
) -> Iterator[tuple[GraphQLObjectType | GraphQLInterfaceType, str]]:
    """Every field of an output type whose value is a list (introspection's own types aside)."""
    for type_ in schema.type_map.values():
        if isinstance(
            type_, (GraphQLObjectType, GraphQLInterfaceType)
        ) and not type_.name.startswith("__"):
            for name, field in type_.fields.items():
                if is_list_type(get_nullable_type(field.type)):
                    yield type_, name


def unbounded_lists(schema: GraphQLSchema) -> list[str]:
    """``Type.field`` of each list field without a declared bound."""
    return [
        f"{type_.name}.{name}"
        for type_, name in list_fields(schema)
        if bound_of(type_, name) is None
    ]
