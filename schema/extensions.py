"""Execution policy: abuse limits, error codes and masking, and the audit flush.

Limits are validation rules built once (the validation cache keys on the rule classes: built per
request they would never hit the cache), except the cost budget, which needs the variables and
the caller: it runs after validation, before execution. Extensions that keep per-request state
are passed as classes, so strawberry makes one per operation.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any, cast

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    ValidationRule,
    get_named_type,
    get_nullable_type,
    get_operation_ast,
    is_list_type,
    value_from_ast_untyped,
)
from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import AddValidationRules, MaskErrors, SchemaExtension

from auth.rules import AccessDenied
from models.db import database_unavailable
from models.organisations import Role
from models.telemetry import note_operation
from resolvers import audit
from resolvers.pagination import DEFAULT_PAGE_SIZE, InvalidArgument
from schema.list_bounds import bound_of, is_connection, page_size

log = logging.getLogger("yulu.graphql")

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 5000


# The most values an operation may return (CostEstimate), per role of the caller. An anonymous
# caller reads the public pages only (the landing page: 2,316 at a full page of 100 positions;
# the organisations→positions flood: 3 million); signed-in callers open files
# and ledgers whose relations nest (the portal's largest operation, a person's file with their
# cases and each case's actions, costs about 34,000: tests/privacy/test_cost_limits.py).
ANONYMOUS_BUDGET = 3_000
MEMBER_BUDGET = 50_000
COST_BUDGETS: dict[Role | None, int] = {
    None: ANONYMOUS_BUDGET,
    **{role: MEMBER_BUDGET for role in Role},
}
CALLERS = {None: "未登录访问", Role.GRADUATE: "毕业生账号", Role.ADMIN: "管理员账号"}


class CostEstimate:
    """The most values an operation may answer, computed from the document before it runs: a
    field counts once per object it is asked on; a list field counts its bound (schema.list_bounds:
    a connection's ``first``, a relation's cap, an enum's size) and multiplies everything below it.

    The cost of a selection is linear in how many objects it is asked on, so each fragment is
    costed once per (fragment, page) and reused: fragments spread many times stay cheap."""

    def __init__(
        self, schema: GraphQLSchema, document: DocumentNode, variables: dict[str, Any]
    ) -> None:
        self.schema = schema
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.variables = variables
        self.memo: dict[tuple[str, int], int] = {}

    def of(self, operation: OperationDefinitionNode) -> int:
        root = self.schema.get_root_type(operation.operation)
        return self._selections(operation.selection_set, root, DEFAULT_PAGE_SIZE)

    def _selections(self, selection_set: SelectionSetNode | None, parent: Any, page: int) -> int:
        total = 0
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                total += self._field(selection, parent, page)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                on = self.schema.get_type(condition.name.value) if condition else parent
                total += self._selections(selection.selection_set, on, page)
            elif isinstance(selection, FragmentSpreadNode):
                total += self._fragment(selection.name.value, page)
        return total

    def _fragment(self, name: str, page: int) -> int:
        if (name, page) not in self.memo:
            fragment = self.fragments[name]
            on = self.schema.get_type(fragment.type_condition.name.value)
            self.memo[(name, page)] = self._selections(fragment.selection_set, on, page)
        return self.memo[(name, page)]

    def _field(self, node: FieldNode, parent: Any, page: int) -> int:
        definition = getattr(parent, "fields", {}).get(node.name.value)
        if definition is None:  # __typename and introspection's meta fields
            return 1
        returned = get_named_type(definition.type)
        first = definition.args.get("first")
        child_page = (
            page_size(node, self.variables, first.default_value if first else None)
            if is_connection(returned)
            else DEFAULT_PAGE_SIZE
        )
        below = self._selections(node.selection_set, returned, child_page)
        if not is_list_type(get_nullable_type(definition.type)):
            return 1 + below
        bound = bound_of(parent, node.name.value)
        assert bound is not None  # build_schema refuses a list field without one
        return bound.size(node, self.variables, page) * (1 + below)


def _variables_with_defaults(
    operation: OperationDefinitionNode, given: dict[str, Any] | None
) -> dict[str, Any]:
    defaults = {
        definition.variable.name.value: value_from_ast_untyped(definition.default_value)
        for definition in operation.variable_definitions or ()
        if definition.default_value is not None
    }
    return {**defaults, **(given or {})}


def cost_error(cost: int, role: Role | None) -> GraphQLError:
    budget = COST_BUDGETS[role]
    caller = CALLERS.get(role, "成员账号")
    return GraphQLError(
        f"该操作的预估开销为 {cost}，超过{caller}的上限 {budget}：请减少嵌套的列表、每页条数或字段。",
        extensions={"code": "COST_LIMIT", "cost": cost, "budget": budget},
    )


class CostBudget(SchemaExtension):
    """Refuses, before any resolver runs, an operation whose estimated cost exceeds the caller's
    budget. It runs after validation (the document is sound) and reads the variables, so
    ``first: $first`` counts the page actually asked for."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        operation = get_operation_ast(document, context.operation_name) if document else None
        if document is not None and operation is not None:
            variables = _variables_with_defaults(operation, context.variables)
            cost = CostEstimate(context.schema._schema, document, variables).of(operation)
            role = context.context.viewer.role
            if cost > COST_BUDGETS[role]:
                context.result = GraphQLExecutionResult(data=None, errors=[cost_error(cost, role)])
        yield


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


class DepthAndAliases(ValidationRule):
    """Depth (a field with a selection counts 1 plus its deepest child, introspection fields
    nothing) and aliases (counted where fragments expand them). Strawberry's limiters walk each
    fragment again at every spread: a fragment spreading the one before twice, 24 deep, held the
    server's event loop for minutes. Here each fragment is measured once."""

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        document = context.document
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.measured: dict[str, tuple[int, int]] = {}
        self.measuring: set[str] = set()  # a fragment cycle is NoFragmentCyclesRule's to report
        aliases = 0
        for operation in document.definitions:
            if isinstance(operation, OperationDefinitionNode):
                depth, found = self._measure(operation.selection_set)
                aliases += found
                if depth > MAX_DEPTH:
                    name = operation.name.value if operation.name else "anonymous"
                    context.report_error(
                        GraphQLError(
                            f"'{name}' exceeds maximum operation depth of {MAX_DEPTH}", operation
                        )
                    )
        if aliases > MAX_ALIASES:
            context.report_error(GraphQLError(f"{aliases} aliases found. Allowed: {MAX_ALIASES}"))

    def _measure(self, selection_set: SelectionSetNode | None) -> tuple[int, int]:
        """(depth, aliases) of a selection set."""
        depth = aliases = 0
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                below, found = self._measure(selection.selection_set)
                introspection = selection.name.value.startswith("__")
                depth = max(depth, 0 if introspection or not selection.selection_set else 1 + below)
                aliases += found + (selection.alias is not None)
            else:
                below, found = (
                    self._measure(selection.selection_set)
                    if isinstance(selection, InlineFragmentNode)
                    else self._fragment(cast(FragmentSpreadNode, selection).name.value)
                )
                depth, aliases = max(depth, below), aliases + found
        return depth, aliases

    def _fragment(self, name: str) -> tuple[int, int]:
        if name not in self.measured:
            if name in self.measuring or name not in self.fragments:
                return 0, 0
            self.measuring.add(name)
            self.measured[name] = self._measure(self.fragments[name].selection_set)
        return self.measured[name]


LIMIT_RULES: list[type[ASTValidationRule]] = [
    DepthAndAliases,
    NoNulCharacters,
]


class Limits(AddValidationRules):
    def __init__(self) -> None:
        super().__init__(LIMIT_RULES)


EXPECTED_ERRORS = (AccessDenied, InvalidArgument)


SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"


def is_expected(error: GraphQLError) -> bool:
    # Errors without an original exception are the document's own (syntax, validation, variables).
    return error.original_error is None or isinstance(
        error.original_error, (*EXPECTED_ERRORS, GraphQLError)
    )


def masked(error: GraphQLError, request_id: str) -> GraphQLError:
    """An unexpected error as the client sees it: the request id to quote to the operators, and
    nothing of the exception (its text may hold SQL and the parameters: person ids, names). An
    unreachable database is said so (SERVICE_UNAVAILABLE: try again); the rest is internal.
    Logged here, once, with the traceback."""
    if database_unavailable(error.original_error):
        log.warning("database unavailable in request %s: %r", request_id, error.original_error)
        message, code = (
            f"数据库暂时无法访问，请稍后重试（请求编号 {request_id}）。",
            SERVICE_UNAVAILABLE,
        )
    else:
        log.error(
            "unexpected error in request %s at %s",
            request_id,
            error.path,
            exc_info=error.original_error,
        )
        message, code = f"服务器内部错误（请求编号 {request_id}）。", "INTERNAL_SERVER_ERROR"
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": code, "requestId": request_id},
    )


def public_errors(errors: list[GraphQLError], request_id: str) -> list[GraphQLError]:
    """The errors as they may leave the service, in development as in production: the last
    pass before the response, for errors raised where ErrorPolicy does not see them (strawberry
    hands an extension's exception, the audit insert's say, straight to the result)."""
    return [error if is_expected(error) else masked(error, request_id) for error in errors]


class ErrorPolicy(MaskErrors):
    """Expected errors keep their message and get ``extensions.code``; anything else is masked
    (``masked``: the request id only; no stack, no SQL, no data)."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda error: not is_expected(error))

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        for error in errors:
            if isinstance(error.original_error, EXPECTED_ERRORS):
                error.extensions = {**(error.extensions or {}), "code": error.original_error.code}
        return super()._process_errors(errors)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        return masked(error, getattr(self.execution_context.context, "request_id", "-"))


class AuditFlush(SchemaExtension):
    """Writes the operation's audit notes once, after execution, in the request's transaction."""

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        note_operation(self.execution_context.operation_name)  # the request log line's
        context.audit.operation = (
            self.execution_context.operation_name or self.execution_context.operation_type.value
        )
        yield
        await audit.flush(context)
