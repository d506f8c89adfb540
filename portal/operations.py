"""The portal's named GraphQL operations, and running them as the signed-in user.

Every page reads and writes through operations written in ``portal/operations/*.graphql`` — the
same API any member system uses, so the role rules, masking and audit apply to the portal too.
Operations are sent in-process (httpx2 over ASGI, no socket) to ``POST /graphql`` with the
user's own access token: the request takes exactly the path an external client's would.

Each operation is sent alone with just the fragments it uses, so one file can hold a page's
queries and mutations and share fragments across files.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import httpx2
from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    OperationDefinitionNode,
    parse,
    print_ast,
    visit,
)
from graphql.language import Visitor
from opentelemetry import propagate
from starlette.exceptions import HTTPException
from starlette.requests import Request

from auth.portal_signin import portal_access_token
from models.telemetry import current_request_id

OPERATIONS_DIR = Path(__file__).parent / "operations"
# The client address of the portal's in-process calls, by which /graphql knows them
# (portal.trusted_documents): no socket peer has it, and claiming it only restricts the claimant.
IN_PROCESS_CLIENT = ("yulu-portal.in-process", 0)
log = logging.getLogger(__name__)


class SignInRequired(Exception):
    """The page needs a signed-in user (none, or the session's tokens are no longer valid)."""


class OperationFailed(Exception):
    """The API answered with errors the page cannot turn into a message for the user."""


class ServiceUnavailable(OperationFailed):
    """The API could not reach its database (503): the page says so, and to try again later."""


@dataclass(frozen=True)
class Operation:
    name: str
    kind: str  # "query" or "mutation"
    source: str  # the operation plus the fragments it uses, ready to send


class _SpreadCollector(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_args) -> None:
        self.names.add(node.name.value)


def _spreads(node) -> set[str]:
    collector = _SpreadCollector()
    visit(node, collector)
    return collector.names


def _fragments_used(
    node, fragments: dict[str, FragmentDefinitionNode]
) -> list[FragmentDefinitionNode]:
    """Every fragment ``node`` spreads, directly or through other fragments."""
    found: dict[str, FragmentDefinitionNode] = {}
    pending = list(_spreads(node))
    while pending:
        name = pending.pop()
        if name not in found:
            found[name] = fragments[name]
            pending.extend(_spreads(fragments[name]))
    return [found[name] for name in sorted(found)]


def parse_operations(documents: list[DocumentNode]) -> dict[str, Operation]:
    definitions = [definition for document in documents for definition in document.definitions]
    fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
    operations: dict[str, Operation] = {}
    for definition in definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        if definition.name is None:
            raise ValueError("every portal operation needs a name")
        name = definition.name.value
        if name in operations:
            raise ValueError(f"operation {name} is defined twice")
        parts = [definition, *_fragments_used(definition, fragments)]
        source = "\n\n".join(print_ast(part) for part in parts)
        operations[name] = Operation(name, definition.operation.value, source)
    return operations


@cache
def operations() -> dict[str, Operation]:
    files = sorted(OPERATIONS_DIR.glob("*.graphql"))
    return parse_operations([parse(path.read_text(encoding="utf-8")) for path in files])


async def run(
    request: Request, name: str, variables: dict[str, Any] | None = None, *, signed_in: bool = True
) -> dict[str, Any]:
    """The ``data`` of operation ``name`` run as the current user (anonymously if not signed in
    and the page is public). Authorization failures become sign-in redirects and 403 pages."""
    token = await portal_access_token(request)
    if signed_in and token is None:
        raise SignInRequired()
    status, body = await _post(request, operations()[name], variables or {}, token)
    _raise_for_errors(name, status, body.get("errors") or [])
    return body["data"]


async def _post(
    request: Request, operation: Operation, variables: dict, token: str | None
) -> tuple[int, dict]:
    headers = {
        "Accept": "application/graphql-response+json, application/json",
        # The page's request id and trace go on into its API calls: one id in every log line.
        "X-Request-ID": current_request_id(),
    }
    propagate.inject(headers)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    payload = {"query": operation.source, "operationName": operation.name, "variables": variables}
    transport = httpx2.ASGITransport(app=request.app, client=IN_PROCESS_CLIENT)
    base = request.app.state.auth.config.issuer
    async with httpx2.AsyncClient(transport=transport, base_url=base) as client:
        response = await client.post("/graphql", json=payload, headers=headers)
    if response.status_code == 401:
        raise SignInRequired()
    if response.status_code == 503:
        raise ServiceUnavailable(f"{operation.name}: HTTP 503")
    try:
        return response.status_code, response.json()
    except ValueError as error:
        raise OperationFailed(f"{operation.name}: HTTP {response.status_code}") from error


def _raise_for_errors(name: str, status: int, errors: list[dict]) -> None:
    if not errors:
        return
    codes = {(error.get("extensions") or {}).get("code") for error in errors}
    if "UNAUTHENTICATED" in codes:
        raise SignInRequired()
    if "FORBIDDEN" in codes:
        raise HTTPException(403)
    if "NOT_FOUND" in codes:
        raise HTTPException(404)
    # The page's values came from the address or a form: the API refused them before running
    # (400: a value its type cannot hold; the operations themselves are checked against the
    # schema by tests/portal/test_operations.py) or a resolver refused an argument.
    if status == 400 or "BAD_USER_INPUT" in codes:
        log.info("operation %s refused its variables: %s", name, errors)
        raise HTTPException(400)
    log.error("operation %s failed: %s", name, errors)
    raise OperationFailed(f"{name}: {errors[0].get('message')}")


async def mutate(
    request: Request, name: str, variables: dict[str, Any]
) -> tuple[dict | None, list[dict]]:
    """A mutation's ``result`` and its user ``errors`` (every portal mutation has one payload)."""
    payload, errors = await mutate_payload(request, name, variables)
    return payload["result"], errors


async def mutate_payload(
    request: Request, name: str, variables: dict[str, Any]
) -> tuple[dict, list[dict]]:
    """The whole payload and its user ``errors``: for a payload answering more than ``result``
    (a student record, or the transfer request filed instead)."""
    data = await run(request, name, variables)
    payload = next(iter(data.values()))
    return payload, payload["errors"]
