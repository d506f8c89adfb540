"""Probes: GET /livez (liveness: the process answers; no database, so an orchestrator does not
restart a healthy process while the database is away) and GET /healthz (readiness: is the
database reachable, and at which migration revision is it?)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import JSONResponse

import migrations


async def healthz(request: Request) -> JSONResponse:
    engine = request.app.state.engine
    try:
        async with engine.connect() as connection:
            revision = (
                await connection.execute(text("SELECT version_num FROM alembic_version"))
            ).scalar_one_or_none()
    except (SQLAlchemyError, OSError):
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    head = migrations.head_revision()
    body = {"status": "ok", "database": engine.dialect.name, "revision": revision, "head": head}
    if revision != head:
        body["status"] = "migration pending"
        return JSONResponse(body, status_code=503)
    return JSONResponse(body)


async def livez(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "alive"})
