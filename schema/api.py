"""The alliance's GraphQL schema: an Apollo Federation 2.9 subgraph built from the domain modules."""

from __future__ import annotations

from functools import cache
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    DisableIntrospection,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import Info

from resolvers.nodes import node
from schema.admin import AdminMutations, AdminQueries
from schema.alerts import AlertMutations, AlertQueries, TrackingOverviewQueries
from schema.applications import ApplicationMutations, ApplicationQueries
from schema.audit import AuditQueries
from schema.base import Node, ctx
from schema.catalogue import CatalogueQueries
from schema.classes import ClassMutations, ClassQueries
from schema.destinations import DestinationMutations
from schema.evaluation import EvaluationMutations, EvaluationQueries
from schema.execution import resolve_directly
from schema.extensions import MAX_TOKENS, AuditFlush, CostBudget, ErrorPolicy, Limits
from schema.fairs import FairMutations, FairQueries
from schema.households import HouseholdMutations, HouseholdQueries
from schema.list_bounds import unbounded_lists
from schema.matching import MatchingMutations
from schema.organisations import OrganisationMutations, OrganisationQueries
from schema.partner_remit import PartnerRemitQueries
from schema.people import PersonMutations, PersonQueries
from schema.positions import PositionMutations, PositionQueries
from schema.regions import RegionQueries
from schema.service_sdl import ServiceSdlNeedsToken
from schema.statistics import StatisticsQueries
from schema.tracking import TrackingMutations, TrackingQueries
from schema.transfers import TransferMutations, TransferQueries
from schema.viewer import ViewerQueries


@strawberry.type
class NodeQueries:
    @strawberry.field(
        description="Any object by its global ID; null when unknown or not visible to you."
    )
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await node(ctx(info), id)


Query = merge_types(
    "Query",
    (
        NodeQueries,
        ViewerQueries,
        StatisticsQueries,
        EvaluationQueries,
        RegionQueries,
        CatalogueQueries,
        OrganisationQueries,
        PersonQueries,
        HouseholdQueries,
        PositionQueries,
        ClassQueries,
        ApplicationQueries,
        TrackingQueries,
        AlertQueries,
        TrackingOverviewQueries,
        FairQueries,
        AuditQueries,
        TransferQueries,
        AdminQueries,
        PartnerRemitQueries,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        OrganisationMutations,
        PersonMutations,
        HouseholdMutations,
        PositionMutations,
        ClassMutations,
        ApplicationMutations,
        FairMutations,
        MatchingMutations,
        TrackingMutations,
        DestinationMutations,
        AlertMutations,
        EvaluationMutations,
        TransferMutations,
        AdminMutations,
    ),
)


def _extensions(production: bool) -> list[Any]:
    extensions = [
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        Limits,
        CostBudget,
        ErrorPolicy,
        AuditFlush,
    ]
    return [*extensions, DisableIntrospection, ServiceSdlNeedsToken] if production else extensions


class AllianceSchema(strawberry.federation.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Strawberry logs every error with its traceback; ours are user-facing (FORBIDDEN,
        bad input) or already logged once with the request id by ErrorPolicy."""


@cache
def build_schema(production: bool = False) -> AllianceSchema:
    """Production mode turns introspection and field suggestions off; the SDL is the same.
    A list field without a declared bound (schema.list_bounds) stops the service from starting:
    the cost limit could not count it. Its resolvers are then rebound for speed (schema.execution)."""
    schema = AllianceSchema(
        query=Query,
        mutation=Mutation,
        federation_version="2.9",
        config=StrawberryConfig(disable_field_suggestions=production),
        extensions=_extensions(production),
    )
    if unbounded := unbounded_lists(schema._schema):
        raise RuntimeError(
            f"list fields without a bound in schema/list_bounds.py: {', '.join(unbounded)}"
        )
    resolve_directly(schema._schema, schema.config.info_class)
    return schema
