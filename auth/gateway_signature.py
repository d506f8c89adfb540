"""Requests signed by Hive Gateway: its HMAC upstream signature, checked by the subgraphs.

The gateway (``hmacSignature`` in gateway/gateway.config.ts, the ``@graphql-mesh/hmac-upstream-
signature`` plugin) signs every subgraph request with HMAC-SHA256 over the stable JSON of
``{query, variables}`` (sorted keys, no spaces, ``variables`` left out when empty) under a secret
shared with the subgraphs, and sends the base64 signature as ``extensions["hmac-signature"]``.
This module checks that signature the way the plugin's own verifier does, for the alliance and
for the partner subgraphs (which import it).

The alliance's ``/graphql`` is also the portal's and third-party clients' API, so it asks for
the signature only where the request is federation traffic: an operation that selects
``_entities`` or ``_service``, fields that exist for the gateway alone (an entity lookup by any
key list, and the SDL). Everything else is answered as before, under the caller's token and the
alliance's own limits. The partners require it on every request (``gateway.partners.subgraph``).

The signature covers the query and its variables, not the bearer token: a signed request
replayed with another token is judged under that other token, like any request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any
from urllib.parse import parse_qsl

from graphql import FieldNode, GraphQLError, parse, visit
from graphql.language import Visitor
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SECRET_VARIABLE = "YULU_GATEWAY_HMAC_SECRET"
EXTENSION = "hmac-signature"
FEDERATION_FIELDS = frozenset({"_entities", "_service"})
# As portal.graphql_http: a bigger body is refused there (413), so it is not read here.
MAX_BODY_BYTES = 1024 * 1024
REFUSAL_CODE = "GATEWAY_SIGNATURE_REQUIRED"
# request.state.<this>: True on a request the gateway signed (set by the middleware below).
SIGNED_STATE = "signed_by_gateway"
REFUSAL_MESSAGE = "此请求须由联盟网关签名（hmac-signature）：未签名或签名不符，已拒绝。"


def signature(secret: str, query: str, variables: dict | None) -> str:
    """The gateway's signature of this query and variables (base64 HMAC-SHA256)."""
    digest = hmac.new(secret.encode(), _signed_content(query, variables), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _signed_content(query: str, variables: dict | None) -> bytes:
    # json-stable-stringify of {query, variables}: what JSON.stringify prints, keys sorted.
    content: dict[str, Any] = {"query": query}
    if variables:
        content["variables"] = variables
    text = json.dumps(
        _as_javascript_numbers(content), ensure_ascii=False, separators=(",", ":"), sort_keys=True
    )
    return text.encode("utf-8")


def _as_javascript_numbers(value: Any) -> Any:
    """JavaScript prints 2.0 as 2: integral floats become ints (any other mismatch only fails
    the check, never passes it)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _as_javascript_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_javascript_numbers(item) for item in value]
    return value


def is_signed(secret: str, parameters: dict[str, Any]) -> bool:
    """Whether GraphQL request parameters (query, variables, extensions) carry the gateway's
    signature of exactly this query and these variables."""
    query, variables, extensions = (
        parameters.get(name) for name in ("query", "variables", "extensions")
    )
    if (
        not isinstance(query, str)
        or not isinstance(extensions, dict)
        or not isinstance(extensions.get(EXTENSION), str)
    ):
        return False
    if variables is not None and not isinstance(variables, dict):
        return False
    try:
        expected = signature(secret, query, variables)
    except (TypeError, ValueError, UnicodeEncodeError):  # unprintable values (lone surrogates)
        return False
    return hmac.compare_digest(expected.encode(), extensions[EXTENSION].encode())


def asks_for_federation(query: Any) -> bool:
    """Whether a document selects ``_entities`` or ``_service`` anywhere (fragments included:
    both exist on Query only, so any field of that name is one). Text that names them but does
    not parse here counts as asking: what cannot be read here is not let through unsigned."""
    if not isinstance(query, str) or not any(name in query for name in FEDERATION_FIELDS):
        return False  # the names cannot be escaped: absent from the text, absent from the document
    try:
        document = parse(query)
    except GraphQLError:
        return True
    finder = _FederationFieldFinder()
    visit(document, finder)
    return finder.found


class _FederationFieldFinder(Visitor):
    found = False

    def enter_field(self, node: FieldNode, *_args) -> None:
        if node.name.value in FEDERATION_FIELDS:
            self.found = True


def refusal() -> JSONResponse:
    body = {"errors": [{"message": REFUSAL_MESSAGE, "extensions": {"code": REFUSAL_CODE}}]}
    return JSONResponse(body, status_code=403)


class GatewaySignatureMiddleware:
    """On ``path``: a request that selects ``_entities`` / ``_service`` must be signed by the
    gateway; any other request passes (its body is replayed to the app as read), marked in
    ``request.state`` as signed or not."""

    def __init__(self, app: ASGIApp, secret: str, path: str = "/graphql") -> None:
        self.app, self.secret, self.path = app, secret, path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        if scope["method"] == "GET":
            parameters, receive_again = _query_string_parameters(scope), receive
        else:
            parameters, receive_again = await _body_parameters(receive)
        signed = is_signed(self.secret, parameters)
        if asks_for_federation(parameters.get("query")) and not signed:
            await refusal()(scope, receive_again, send)
            return
        # What only the gateway's own subgraph fetches may read (the person key, Person.idNumberHmac).
        scope.setdefault("state", {})[SIGNED_STATE] = signed
        await self.app(scope, receive_again, send)


def _query_string_parameters(scope: Scope) -> dict[str, Any]:
    # Parsed as Starlette's QueryParams does (latin-1, the last of repeated names wins), so the
    # query checked here is the query the endpoint runs.
    values = dict(
        parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    )
    parameters: dict[str, Any] = {"query": values.get("query")}
    for name in ("variables", "extensions"):
        parameters[name] = _json_or_none(values.get(name))
    return parameters


async def _body_parameters(receive: Receive) -> tuple[dict[str, Any], Receive]:
    """The request's JSON parameters, and a ``receive`` that hands the app the same body again.
    A body too big is left to the endpoint (it refuses it unread); one that is not a JSON object
    here is judged as a query of its whole text (it may still parse for the endpoint's parser)."""
    messages: list[Message] = []
    size, more = 0, True
    while more and size <= MAX_BODY_BYTES:
        message = await receive()
        messages.append(message)
        size += len(message.get("body", b""))
        more = message["type"] == "http.request" and message.get("more_body", False)
    body = b"".join(message.get("body", b"") for message in messages)

    async def replay() -> Message:
        return messages.pop(0) if messages else await receive()

    if more:
        return {}, replay
    parsed = _json_or_none(body)
    return (
        parsed if isinstance(parsed, dict) else {"query": body.decode("utf-8", "replace")}
    ), replay


def _json_or_none(text: str | bytes | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def install_gateway_signature(app: Starlette, secret: str | None) -> None:
    """With a secret (``YULU_GATEWAY_HMAC_SECRET``), federation requests to /graphql must be
    signed."""
    if secret:
        app.add_middleware(GatewaySignatureMiddleware, secret=secret)
