"""A partner's own bounds on one request, whoever sent it: depth, aliases, tokens and a cost.

The gateway refuses expensive operations first (gateway.config.ts), but a partner does not take
the gateway's word for anything: every list field here has a hard cap in its resolver, and the
cost rule multiplies those caps, so the worst case of an accepted request is known before it runs
(an unbounded nest of postings → employer → postings once took a partner past 2 GB).
"""

from __future__ import annotations

import strawberry
from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLNamedType,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    get_named_type,
    get_nullable_type,
    is_list_type,
)
from strawberry.exceptions import StrawberryGraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)
from strawberry.federation.schema import FederationAny
from strawberry.types import Info

MAX_DEPTH = 8
MAX_ALIASES = 10
MAX_TOKENS = 2000
MAX_COST = 30_000
MAX_PAGE = 100
"""The most rows any list argument (``first``) returns."""
MAX_REPRESENTATIONS = 500
"""The most entities one ``_entities`` call resolves (the alliance's remit check takes as many)."""


class PartnerCostLimit(ValidationRule):
    """Every field costs 1 times the product of the list sizes above it. A list's size is its
    ``first`` (its default when absent, MAX_PAGE when a variable), the number of representations
    of ``_entities`` (MAX_REPRESENTATIONS when a variable); any other list counts MAX_PAGE."""

    def enter_operation_definition(self, node: OperationDefinitionNode, *_args) -> None:
        root = self.context.schema.get_root_type(node.operation)
        cost = self._cost(node.selection_set, root, 1, frozenset())
        if cost > MAX_COST:
            self.report_error(
                GraphQLError(f"该操作的开销可能达到 {cost}，上限为 {MAX_COST}。", node)
            )

    def _cost(
        self,
        selection_set: SelectionSetNode | None,
        parent: GraphQLNamedType | None,
        multiplier: int,
        fragments: frozenset[str],
    ) -> int:
        total = 0
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                field = getattr(parent, "fields", {}).get(selection.name.value)
                size = (
                    list_size(selection, field)
                    if field is not None and is_list_type(get_nullable_type(field.type))
                    else 1
                )
                child = get_named_type(field.type) if field is not None else None
                total += multiplier + self._cost(
                    selection.selection_set, child, multiplier * size, fragments
                )
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                total += self._cost(
                    selection.selection_set, self._type(condition, parent), multiplier, fragments
                )
            elif (
                isinstance(selection, FragmentSpreadNode) and selection.name.value not in fragments
            ):
                fragment = self.context.get_fragment(selection.name.value)
                if fragment is not None:
                    total += self._cost(
                        fragment.selection_set,
                        self._type(fragment.type_condition, parent),
                        multiplier,
                        fragments | {selection.name.value},
                    )
        return total

    def _type(self, condition, parent: GraphQLNamedType | None) -> GraphQLNamedType | None:
        return (
            self.context.schema.get_type(condition.name.value) if condition is not None else parent
        )


def list_size(node: FieldNode, field: GraphQLField) -> int:
    arguments = {argument.name.value: argument.value for argument in node.arguments or ()}
    if "representations" in field.args:
        given = arguments.get("representations")
        return len(given.values) if isinstance(given, ListValueNode) else MAX_REPRESENTATIONS
    if "first" in field.args:
        given = arguments.get("first")
        if given is None:
            default = field.args["first"].default_value
            return min(default, MAX_PAGE) if isinstance(default, int) else MAX_PAGE
        return min(int(given.value), MAX_PAGE) if isinstance(given, IntValueNode) else MAX_PAGE
    return MAX_PAGE


def page_size(first: int) -> int:
    """A ``first`` argument as the rows a resolver returns: never more than MAX_PAGE."""
    return max(0, min(first, MAX_PAGE))


LIMIT_RULES = [
    *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
    *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
    PartnerCostLimit,
]


class PartnerLimits(AddValidationRules):
    def __init__(self) -> None:
        super().__init__(LIMIT_RULES)


class PartnerSchema(strawberry.federation.Schema):
    """A Federation 2.9 subgraph with the bounds above: the limits as schema extensions, and
    ``_entities`` refusing more representations than the cost rule assumed."""

    def __init__(self, **options) -> None:
        extensions = [lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS), PartnerLimits]
        super().__init__(federation_version="2.9", extensions=extensions, **options)

    def entities_resolver(
        self, info: Info, representations: list[FederationAny]
    ) -> list[FederationAny]:
        if len(representations) > MAX_REPRESENTATIONS:
            raise StrawberryGraphQLError(
                f"representations 最多 {MAX_REPRESENTATIONS} 个，收到 {len(representations)} 个。",
                extensions={"code": "BAD_USER_INPUT"},
            )
        return super().entities_resolver(info, representations)
