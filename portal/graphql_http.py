"""GraphQL over HTTP for /graphql: strawberry's schema execution behind our own thin Starlette
endpoint, written to the GraphQL-over-HTTP specification (graphql-http's audit: 61 of 61).

Why not strawberry's view: it answers ``application/graphql-response+json`` requests with 200 on
parse and validation errors, and accepts some malformed parameters; the spec wants 4xx there.
Handling HTTP ourselves also keeps the hot path short (orjson, no per-request view objects).

One request = one session and one transaction: mutations and the audit records of what was read
commit together at the end; a request that fails before that leaves nothing behind.
"""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import orjson
from graphql import GraphQLError
from opentelemetry import trace
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from strawberry.exceptions import MissingQueryError
from strawberry.http.ides import get_graphql_ide_html
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from auth.gateway_signature import SIGNED_STATE
from auth.viewer import ANONYMOUS
from models.metrics import GRAPHQL_ERRORS
from models.telemetry import current_operation, current_request_id, note_operation
from portal.trusted_documents import REFUSAL_CODE, REFUSAL_MESSAGE, from_portal, is_registered
from resolvers.context import Context, SerialSession
from schema.api import build_schema
from schema.extensions import NUL_MESSAGE, SERVICE_UNAVAILABLE, contains_nul, public_errors

log = logging.getLogger("yulu.graphql")

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
# Far above any real operation with its variables (a position's description is a few KiB).
MAX_BODY_BYTES = 1024 * 1024
# How long a client should wait before trying again when the database is unreachable.
RETRY_LATER = {"Retry-After": "30"}


class BadRequest(Exception):
    def __init__(
        self, message: str, status: int = 400, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


def negotiate(accept: str | None) -> str | None:
    """The response media type for an Accept header; None when we can offer nothing acceptable."""
    if not accept:
        return JSON
    offered = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    if GRAPHQL_RESPONSE in offered:
        return GRAPHQL_RESPONSE
    if JSON in offered or "*/*" in offered or "application/*" in offered:
        return JSON
    return None


def _object_or_none(value: Any, name: str) -> dict | None:
    if value is not None and not isinstance(value, dict):
        raise BadRequest(f"{name} must be an object")
    return value


def _parameters(raw: dict[str, Any]) -> dict[str, Any]:
    query, operation_name = raw.get("query"), raw.get("operationName")
    if not isinstance(query, str):
        raise BadRequest("query must be a string")
    if operation_name is not None and not isinstance(operation_name, str):
        raise BadRequest("operationName must be a string")
    variables = _object_or_none(raw.get("variables"), "variables")
    if contains_nul(variables):
        raise BadRequest(NUL_MESSAGE)
    return {
        "query": query,
        "operation_name": operation_name,
        "variable_values": variables,
        "operation_extensions": _object_or_none(raw.get("extensions"), "extensions"),
    }


def _json_parameter(value: str | None, name: str) -> Any:
    if value is None:
        return None
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError as error:
        raise BadRequest(f"{name} is not valid JSON") from error


def _get_parameters(request: Request) -> dict[str, Any]:
    params = request.query_params
    return _parameters(
        {
            "query": params.get("query"),
            "operationName": params.get("operationName"),
            "variables": _json_parameter(params.get("variables"), "variables"),
            "extensions": _json_parameter(params.get("extensions"), "extensions"),
        }
    )


async def _read_body(request: Request) -> bytes:
    """The body, read no further than MAX_BODY_BYTES: a bigger one is refused, not buffered."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise BadRequest(f"请求体超过 {MAX_BODY_BYTES // 1024} KiB 的上限。", status=413)
        chunks.append(chunk)
    return b"".join(chunks)


async def _post_parameters(request: Request) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != JSON:
        raise BadRequest("Send the request as application/json", status=415)
    try:
        body = orjson.loads(await _read_body(request))
    except orjson.JSONDecodeError as error:
        raise BadRequest("The body is not valid JSON") from error
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object")
    return _parameters(body)


def _encode(
    payload: dict[str, Any], status: int, media_type: str, headers: dict[str, str] | None = None
) -> Response:
    for error in payload.get("errors") or ():
        GRAPHQL_ERRORS.labels((error.get("extensions") or {}).get("code") or "NONE").inc()
    return Response(
        orjson.dumps(payload),
        status_code=status,
        headers=headers,
        media_type=f"{media_type}; charset=utf-8",
    )


def _error_response(
    message: str, status: int, media_type: str, headers: dict[str, str] | None = None
) -> Response:
    return _encode({"errors": [{"message": message}]}, status, media_type, headers)


def _is_request_error(data: Any, errors: list[GraphQLError] | None) -> bool:
    """Parse, validation and variable errors: no data at all, and no error tied to a field."""
    return data is None and bool(errors) and all(error.path is None for error in errors or [])


def _failed_before_data(data: Any, errors: list[GraphQLError]) -> bool:
    """The service failed outside any field (an extension: the audit insert, say), not the
    request: no data, and an internal error tied to no field."""
    return data is None and any(
        error.path is None and (error.extensions or {}).get("code") == "INTERNAL_SERVER_ERROR"
        for error in errors
    )


def _result_body(
    data: Any, errors: list[GraphQLError] | None, request_error: bool
) -> dict[str, Any]:
    body: dict[str, Any] = {} if request_error else {"data": data}
    if errors:
        body["errors"] = [error.formatted for error in errors]
    return body


def _wants_ide(request: Request, production: bool) -> bool:
    return (
        not production
        and request.method == "GET"
        and "query" not in request.query_params
        and "text/html" in request.headers.get("accept", "")
    )


def failure_response(error: Exception, request_id: str, media_type: str = JSON) -> Response:
    """A request that failed outside any field (the commit, the bearer-token check): a GraphQL
    error with the request id, 503 with Retry-After when the database is unreachable, else 500."""
    (shown,) = public_errors([GraphQLError("", original_error=error)], request_id)
    if _unavailable([shown]):
        return _encode({"errors": [shown.formatted]}, 503, media_type, RETRY_LATER)
    return _encode({"errors": [shown.formatted]}, 500, media_type)


def failure_before_endpoint(request: Request, error: Exception) -> Response:
    """``failure_response`` for a request that failed in a middleware (the bearer-token check
    reads the database), in the media type the client accepts."""
    return failure_response(
        error, current_request_id(), negotiate(request.headers.get("accept")) or JSON
    )


def _operation_span(request: Request) -> AbstractContextManager[trace.Span]:
    """The operation's span; with tracing off none at all (the no-op tracer's context manager
    alone cost 10–30 µs a request)."""
    if request.app.state.tracer_provider is None:
        return nullcontext(trace.INVALID_SPAN)
    return request.app.state.tracer.start_as_current_span("graphql")


def _wrote_or_read(session: AsyncSession) -> bool:
    """Whether there is anything to commit: a transaction begun (every statement begins one —
    the audit insert too), or objects added but not flushed. A request that touched nothing
    (an authenticated ``{ __typename }``, say) skips the commit's ~40 µs."""
    return session.in_transaction() or bool(session.new or session.dirty or session.deleted)


def _unavailable(errors: list[GraphQLError]) -> bool:
    return any((error.extensions or {}).get("code") == SERVICE_UNAVAILABLE for error in errors)


async def _execute(request: Request, parameters: dict[str, Any], media_type: str) -> Response:
    schema = build_schema(request.app.state.settings.production)
    allowed = (
        {OperationType.QUERY}
        if request.method == "GET"
        else {OperationType.QUERY, OperationType.MUTATION}
    )
    operation_name = parameters["operation_name"]
    note_operation(operation_name)
    async with request.app.state.sessions() as session:
        context = Context(
            session=session,
            viewer=getattr(request.state, "viewer", ANONYMOUS),
            from_gateway=getattr(request.state, SIGNED_STATE, False),
        )
        assert isinstance(context.session, SerialSession)  # what Context makes of any session
        try:
            with _operation_span(request) as span:
                result = await schema.execute(
                    context_value=context, allowed_operation_types=allowed, **parameters
                )
                # The name the document gave the operation (operationName may be absent).
                named = current_operation() or operation_name
                span.update_name(f"graphql {named or 'anonymous operation'}")
                span.set_attribute("graphql.operation.name", named or "")
            await context.session.settled()
            errors = public_errors(result.errors or [], context.request_id)
            if _unavailable(errors):  # whatever ran is rolled back with the session
                return _encode(
                    _result_body(result.data, errors, False), 503, media_type, RETRY_LATER
                )
            if _wrote_or_read(session):
                await context.session.commit()
        except InvalidOperationTypeError:
            return _error_response(
                "Only queries over GET; send mutations with POST.",
                405,
                media_type,
                {"Allow": "POST"},
            )
        except MissingQueryError:
            return _error_response("query is required", 400, media_type)
        except (
            Exception
        ) as error:  # the commit, or anything strawberry let through: masked, never the text
            await context.session.settled()
            return failure_response(error, context.request_id, media_type)
    if _failed_before_data(result.data, errors):
        return _encode({"errors": [error.formatted for error in errors]}, 500, media_type)
    request_error = _is_request_error(result.data, errors)
    # application/json keeps 200 for request errors (legacy clients); the new media type uses 400.
    status = 400 if request_error and media_type == GRAPHQL_RESPONSE else 200
    return _encode(_result_body(result.data, errors, request_error), status, media_type)


async def graphql_endpoint(request: Request) -> Response:
    production = request.app.state.settings.production
    if _wants_ide(request, production):
        return HTMLResponse(get_graphql_ide_html(graphql_ide="graphiql"))
    media_type = negotiate(request.headers.get("accept"))
    if media_type is None:
        return _error_response(f"Accept {GRAPHQL_RESPONSE} or {JSON}", 406, JSON)
    try:
        parameters = (
            _get_parameters(request) if request.method == "GET" else await _post_parameters(request)
        )
    except BadRequest as error:
        return _error_response(str(error), error.status, media_type, error.headers)
    if production and not _trusted(request, parameters):
        body = {"errors": [{"message": REFUSAL_MESSAGE, "extensions": {"code": REFUSAL_CODE}}]}
        return _encode(body, 400, media_type)
    return await _execute(request, parameters, media_type)


def _trusted(request: Request, parameters: dict[str, Any]) -> bool:
    """Production: the portal's client runs registered documents only (portal.trusted_documents)."""
    viewer = getattr(request.state, "viewer", ANONYMOUS)
    client = (request.client.host, request.client.port) if request.client else None
    return not from_portal(viewer, client) or is_registered(parameters.get("query"))
