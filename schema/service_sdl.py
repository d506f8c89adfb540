"""Production answers ``_service { sdl }`` to authenticated callers only.

The SDL is the whole API's map, mutations and their arguments included; in production anonymous
callers get neither introspection nor this. A gateway does not need it at run time (Hive Gateway
serves the composed ``gateway/supergraph.graphql``), and a partner or operator composing against
the running subgraph sends a token. ``_service`` exists on Query only, so any occurrence in a
validated document is the root field.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import ExecutionResult, FieldNode, GraphQLError, Visitor, visit
from strawberry.extensions import SchemaExtension

SERVICE_FIELD = "_service"
MESSAGE = "读取服务描述（_service）需要登录。"


class _FindsServiceField(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def enter_field(self, node: FieldNode, *_args) -> None:
        self.found = self.found or node.name.value == SERVICE_FIELD


def selects_service(document) -> bool:
    finder = _FindsServiceField()
    visit(document, finder)
    return finder.found


class ServiceSdlNeedsToken(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        if not execution.context.viewer.is_authenticated and selects_service(
            execution.graphql_document
        ):
            execution.result = ExecutionResult(
                data=None,
                errors=[
                    GraphQLError(
                        MESSAGE, path=[SERVICE_FIELD], extensions={"code": "UNAUTHENTICATED"}
                    ),
                ],
            )
        yield
