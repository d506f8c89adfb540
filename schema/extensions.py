"""Execution policy: abuse limits, error codes and masking, and the audit flush.

Limits are validation rules built once (the depth and alias limiters' rule classes are created
in their constructors, and the validation cache keys on the rule classes: built per request they
would never hit the cache). Extensions that keep per-request state are passed as classes, so
strawberry makes one per operation.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    ValidationRule,
)
from strawberry.extensions import AddValidationRules, MaskErrors, MaxAliasesLimiter, QueryDepthLimiter, SchemaExtension

from auth.rules import AccessDenied
from resolvers import audit
from resolvers.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, InvalidArgument

log = logging.getLogger("yulu.graphql")

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 5000
MAX_COST = 25_000


class CostLimit(ValidationRule):
    """Rejects operations whose worst case is too big: every field costs 1 times the product of
    the page sizes (``first``; a variable counts as the maximum) of the lists above it."""

    def enter_operation_definition(self, node: OperationDefinitionNode, *_args) -> None:
        cost = self._cost(node.selection_set, 1, frozenset())
        if cost > MAX_COST:
            self.report_error(GraphQLError(f"该操作的开销可能达到 {cost}，上限为 {MAX_COST}。", node))

    def _cost(self, selection_set: SelectionSetNode | None, multiplier: int, fragments: frozenset[str]) -> int:
        total = 0
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                total += multiplier + self._cost(selection.selection_set, multiplier * _page_size(selection), fragments)
            elif isinstance(selection, InlineFragmentNode):
                total += self._cost(selection.selection_set, multiplier, fragments)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in fragments:
                fragment = self.context.get_fragment(selection.name.value)
                if fragment is not None:
                    total += self._cost(fragment.selection_set, multiplier, fragments | {selection.name.value})
        return total


def _page_size(field: FieldNode) -> int:
    """How many rows a field may return: its ``first``, a connection's default, else one."""
    for argument in field.arguments or ():
        if argument.name.value == "first":
            value = argument.value
            return int(value.value) if isinstance(value, IntValueNode) else MAX_PAGE_SIZE
    selections = field.selection_set.selections if field.selection_set else ()
    is_connection = any(isinstance(s, FieldNode) and s.name.value == "edges" for s in selections)
    return DEFAULT_PAGE_SIZE if is_connection else 1


# PostgreSQL text cannot hold U+0000: refused up front, or the write would fail in the driver.
NUL_MESSAGE = "字符串中不能包含 NUL 字符（U+0000）。"


def contains_nul(value: Any) -> bool:
    """Whether a string anywhere in a variables value holds U+0000."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(contains_nul(item) for item in value.values())
    if isinstance(value, list):
        return any(contains_nul(item) for item in value)
    return False


class NoNulCharacters(ValidationRule):
    """String literals in the document (variables are checked by portal.graphql_http)."""

    def enter_string_value(self, node: StringValueNode, *_args) -> None:
        if contains_nul(node.value):
            self.report_error(GraphQLError(NUL_MESSAGE, node))


LIMIT_RULES = [
    *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
    *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
    CostLimit,
    NoNulCharacters,
]


class Limits(AddValidationRules):
    def __init__(self) -> None:
        super().__init__(LIMIT_RULES)


EXPECTED_ERRORS = (AccessDenied, InvalidArgument)


class ErrorPolicy(MaskErrors):
    """Expected errors keep their message and get ``extensions.code``; anything else is logged
    with the request id and answered with that id only (no stack, no SQL, no data)."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda error: not _is_expected(error))

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        for error in errors:
            if isinstance(error.original_error, EXPECTED_ERRORS):
                error.extensions = {**(error.extensions or {}), "code": error.original_error.code}
        return super()._process_errors(errors)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        request_id = getattr(self.execution_context.context, "request_id", "-")
        log.error("unexpected error in request %s at %s", request_id, error.path, exc_info=error.original_error)
        return GraphQLError(
            f"服务器内部错误（请求编号 {request_id}）。", nodes=error.nodes, source=error.source,
            positions=error.positions, path=error.path,
            extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        )


def _is_expected(error: GraphQLError) -> bool:
    # Errors without an original exception are the document's own (syntax, validation, variables).
    return error.original_error is None or isinstance(error.original_error, (*EXPECTED_ERRORS, GraphQLError))


class AuditFlush(SchemaExtension):
    """Writes the operation's audit notes once, after execution, in the request's transaction."""

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        context.audit.operation = self.execution_context.operation_name or self.execution_context.operation_type.value
        yield
        await audit.flush(context)
