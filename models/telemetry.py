"""Structured logs and the request they belong to.

Every log line is one JSON object on standard error (time, level, logger, message, the process
id, the request id, the trace and span ids when tracing is on, any ``extra`` fields, and the stack
of an error). The request being served is a context variable, so whatever logs during a request — a resolver,
the audit flush, the error policy — carries its request id without passing it around. It sits in
the lowest layer so that every layer reads the same request.
"""

from __future__ import annotations

import logging
import re
import sys
import traceback
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from opentelemetry import trace

# What a caller may send as its request id: short and printable, so it cannot forge log lines.
_CLIENT_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_TRACEPARENT = re.compile(r"[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}")
_STANDARD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


@dataclass
class RequestRecord:
    """What the request log line says about one request; filled in as the request goes."""

    request_id: str
    method: str
    path: str
    trace_id: str | None = None  # of the caller's traceparent
    operation: str | None = None
    viewer_id: int | None = None
    viewer_role: str | None = None
    status: int | None = None
    notes: dict[str, Any] = field(default_factory=dict)


_current: ContextVar[RequestRecord | None] = ContextVar("yulu_request", default=None)


def current_request() -> RequestRecord | None:
    return _current.get()


def current_trace_id() -> str | None:
    record = _current.get()
    return record.trace_id if record else None


def current_request_id() -> str:
    """The id of the request being served, or a fresh one outside any request."""
    record = _current.get()
    return record.request_id if record else uuid.uuid4().hex


def trace_id_of(traceparent: str | None) -> str | None:
    """The trace id of a W3C ``traceparent`` header (None if there is no valid one)."""
    found = _TRACEPARENT.fullmatch((traceparent or "").strip())
    return found.group(1) if found and found.group(1) != "0" * 32 else None


def request_id_from(request_id_header: str | None, traceparent: str | None) -> str:
    """The caller's ``X-Request-ID`` if it is a sane token (Hive Gateway sends its own on to the
    subgraphs), else the trace id of its ``traceparent`` (so logs and traces of a request share
    one id), else a new one."""
    if request_id_header and _CLIENT_REQUEST_ID.fullmatch(request_id_header.strip()):
        return request_id_header.strip()
    return trace_id_of(traceparent) or uuid.uuid4().hex


@contextmanager
def serving(record: RequestRecord) -> Iterator[RequestRecord]:
    """Makes ``record`` the current request for the block. A request served inside another
    (the portal's in-process GraphQL calls) hands its viewer up to the outer one."""
    outer = _current.get()
    token = _current.set(record)
    try:
        yield record
    finally:
        _current.reset(token)
        if outer is not None and outer.viewer_id is None and record.viewer_role is not None:
            outer.viewer_id, outer.viewer_role = record.viewer_id, record.viewer_role


def note_viewer(user_id: int | None, role: str | None) -> None:
    record = _current.get()
    if record is not None and role is not None:
        record.viewer_id, record.viewer_role = user_id, role


def current_operation() -> str | None:
    record = _current.get()
    return record.operation if record else None


def note_operation(name: str | None) -> None:
    record = _current.get()
    if record is not None and name:
        record.operation = name[:128]


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,  # which worker of `yulu serve --workers` (portal.serving)
        }
        request = _current.get()
        if request is not None:
            line["request_id"] = request.request_id
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            line["trace_id"] = format(span.trace_id, "032x")
            line["span_id"] = format(span.span_id, "016x")
        elif request is not None and request.trace_id:  # tracing off: the caller's trace still
            line["trace_id"] = request.trace_id
        line.update(
            (key, value)
            for key, value in vars(record).items()
            if key not in _STANDARD_ATTRIBUTES and not key.startswith("_")
        )
        if record.exc_info and record.exc_info[0] is not None:
            line["error"] = record.exc_info[0].__name__
            line["stack"] = "".join(traceback.format_exception(*record.exc_info))
        return orjson.dumps(line, default=str).decode()


def configure_logging(level: str = "INFO") -> None:
    """JSON lines on standard error for every logger (uvicorn's too); uvicorn's access log is
    off: the request log line (``yulu.request``) says more."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    # httpx logs every request's full URL at INFO (query strings included): the request log
    # line of the request served says what is needed.
    logging.getLogger("httpx").setLevel(logging.WARNING)
