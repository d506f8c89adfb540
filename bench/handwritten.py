"""The physical limit of bench/http.py: the bench's reads written by hand (Starlette, asyncpg,
orjson), answering exactly the project's JSON — same rows, masking and audit records — for the
viewers the bench signs in as.

    .venv/bin/python -m bench.handwritten --database postgresql://... --port P --issuer URL --jwks FILE

It takes the project's GraphQL request body and picks the read by ``operationName``; the queries
are fixed, so it parses no GraphQL. A bearer token is checked as the project checks it (ES256
signature against the project's published keys, issuer, expiry; no revocation lookup), and its
claims say who the viewer is. The row rules of each read's viewer (auth/rules.py) are written into
its SQL by hand; the answer check of bench/http.py fails if they ever disagree with the project.

One process per worker: bench/http.py starts two on the same port (SO_REUSEPORT, the kernel
spreads connections), each socket made with IPPROTO_TCP so asyncio sets TCP_NODELAY on every
accepted connection.
"""

from __future__ import annotations

import argparse
import base64
import json
import socket
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import date, datetime
from typing import Any

import asyncpg
import orjson
import uvicorn
from asyncpg import Record as Row
from joserfc import jwt
from joserfc.jwk import KeySet
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from auth.masking import mask_name, mask_phone
from models.people import MONITORED_CATEGORIES

Claims = dict[str, Any]
PAGE = 20  # SchoolLedger's page size
MONITORED = sorted(category.value for category in MONITORED_CATEGORIES)


def gid(type_name: str, key: object) -> str:
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


def key_of(global_id: str) -> int:
    return int(base64.b64decode(global_id).decode().partition(":")[2])


def offset_of(cursor: str | None) -> int:
    return 0 if cursor is None else int(base64.b64decode(cursor).decode().partition(":")[2])


def enum(value: str | None) -> str | None:
    return None if value is None else value.upper()


def day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def moment(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def region_range(claims: Claims) -> tuple[str, str]:
    """auth.rules' ``within`` for the viewer's region: its subtree's code range."""
    prefix = claims["region"][: {"province": 2, "city": 4, "county": 6}[claims["region_level"]]]
    return prefix.ljust(6, "0"), prefix.ljust(6, "9")


class Audit:
    """resolvers.audit.flush by hand: one READ_PERSONAL row per person read in clear."""

    SQL = """
        INSERT INTO audit_records (at, action, actor_user_id, actor_role, actor_organisation_id,
            operation, subject_person_id, region_code, fields, detail)
        SELECT now(), 'read_personal', $1, $2, $3, $4, p.id, h.region_code, $5::json, $6::json
        FROM persons p JOIN households h ON h.id = p.household_id WHERE p.id = ANY($7::int[])
    """

    @staticmethod
    async def write(
        db: asyncpg.Connection, claims: Claims, operation: str, reads: dict[int, set[str]]
    ) -> None:
        by_fields: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for person_id, fields in reads.items():
            by_fields[tuple(sorted(fields))].append(person_id)
        detail = json.dumps({"request_id": uuid.uuid4().hex})
        for names, ids in by_fields.items():
            await db.execute(
                Audit.SQL,
                int(claims["sub"]),
                claims["role"],
                claims["organisation"],
                operation,
                json.dumps(list(names)),
                detail,
                ids,
            )


# --- the reads --------------------------------------------------------------------------------

LEDGER_ROWS = """
    WITH mine AS (
        SELECT p.id FROM persons p
        WHERE p.id IN (SELECT person_id FROM student_records WHERE school_id = $1)
          AND p.id IN (SELECT person_id FROM student_records WHERE status = 'studying')
    )
    SELECT p.id, p.name, p.gender, p.education, h.category, h.relocated,
           r.name AS region_name, r.is_key_county, s.entry_year, s.expected_graduation_year,
           s.status, m.name AS major_name, e.seeking, (SELECT count(*) FROM mine) AS total
    FROM persons p
    JOIN households h ON h.id = p.household_id
    JOIN regions r ON r.code = h.region_code
    LEFT JOIN student_records s ON s.person_id = p.id
    LEFT JOIN majors m ON m.code = s.major_code
    LEFT JOIN employment_intentions e ON e.person_id = p.id
    WHERE p.id IN (SELECT id FROM mine)
    ORDER BY p.name, p.id LIMIT $2 OFFSET $3
"""


async def school_ledger(db: asyncpg.Connection, claims: Claims, variables: dict) -> dict:
    """As the school officer: own students, in clear (audited: name and household)."""
    school = claims["organisation"]
    if key_of(variables["filter"]["school"]) != school or variables["ledger"] != "STUDENTS":
        raise ValueError("the bench's SchoolLedger asks for the viewer's own students")
    offset = offset_of(variables.get("after"))
    rows = await db.fetch(LEDGER_ROWS, school, PAGE + 1, offset)
    page = rows[:PAGE]
    edges = [{"node": _ledger_person(row)} for row in page]
    await Audit.write(
        db, claims, "SchoolLedger", {row["id"]: {"name", "household"} for row in page}
    )
    total = (
        rows[0]["total"]
        if rows
        else await db.fetchval(
            "SELECT count(*) FROM student_records WHERE school_id = $1 AND status = 'studying'",
            school,
        )
    )
    return {
        "persons": {
            "totalCount": total,
            "pageInfo": {
                "hasNextPage": len(rows) > PAGE,
                "endCursor": gid("offset", offset + len(page)) if page else None,
            },
            "edges": edges,
        }
    }


def _ledger_person(row: Row) -> dict:
    return {
        "id": gid("Person", row["id"]),
        "name": row["name"],
        "gender": enum(row["gender"]),
        "education": enum(row["education"]),
        "household": {
            "category": enum(row["category"]),
            "monitored": row["category"] in MONITORED,
            "relocated": row["relocated"],
            "region": {"name": row["region_name"], "isKeyCounty": row["is_key_county"]},
        },
        "studentRecord": None
        if row["status"] is None
        else {
            "entryYear": row["entry_year"],
            "expectedGraduationYear": row["expected_graduation_year"],
            "status": enum(row["status"]),
            "major": None if row["major_name"] is None else {"name": row["major_name"]},
        },
        "employmentIntention": None if row["seeking"] is None else {"seeking": row["seeking"]},
    }


PIPELINE_POSITION = """
    SELECT p.*, o.name AS enterprise_name, r.name AS region_name, oc.name AS occupation_name
    FROM positions p
    JOIN organisations o ON o.id = p.enterprise_id
    JOIN regions r ON r.code = p.region_code
    LEFT JOIN occupations oc ON oc.code = p.occupation_code
    WHERE p.id = $1 AND (p.state = 'open' OR p.enterprise_id = $2)
"""
PIPELINE_MAJORS = """
    SELECT m.code, m.name FROM position_majors pm JOIN majors m ON m.code = pm.major_code
    WHERE pm.position_id = $1 ORDER BY m.code
"""
# The enterprise sees its own positions' applicants; in clear where the graduate consented or
# applied to (or accepted a referral to) one of its positions (auth.rules, Role.ENTERPRISE).
PIPELINE_APPLICATIONS = """
    SELECT a.*, pe.name AS person_name, pe.phone, pe.education, ref.name AS referrer_name,
           (pe.consent_to_share OR EXISTS (
               SELECT 1 FROM applications mine JOIN positions mp ON mp.id = mine.position_id
               WHERE mine.person_id = pe.id AND mp.enterprise_id = $2 AND EXISTS (
                   SELECT 1 FROM application_events ev
                   WHERE ev.application_id = mine.id AND ev.to_stage = 'applied'))) AS clear
    FROM applications a
    JOIN persons pe ON pe.id = a.person_id
    LEFT JOIN organisations ref ON ref.id = a.referrer_id
    WHERE a.position_id = $1
      AND a.position_id IN (SELECT id FROM positions WHERE enterprise_id = $2)
    ORDER BY a.id LIMIT 100
"""


async def position_pipeline(db: asyncpg.Connection, claims: Claims, variables: dict) -> dict:
    enterprise = claims["organisation"]
    position_id = key_of(variables["id"])
    position = await db.fetchrow(PIPELINE_POSITION, position_id, enterprise)
    if position is None:
        return {"node": None}
    majors = await db.fetch(PIPELINE_MAJORS, position_id)
    applications = await db.fetch(PIPELINE_APPLICATIONS, position_id, enterprise)
    await Audit.write(
        db,
        claims,
        "PositionPipeline",
        {row["person_id"]: {"name", "phone"} for row in applications if row["clear"]},
    )
    return {
        "node": {
            **_position_summary(position),
            "minEducation": enum(position["min_education"]),
            "validFrom": day(position["valid_from"]),
            "benefits": position["benefits"],
            "description": position["description"],
            "majors": [{"code": row["code"], "name": row["name"]} for row in majors],
            "applications": [_application(row) for row in applications],
        }
    }


def _position_summary(row: Row) -> dict:
    return {
        "id": gid("Position", row["id"]),
        "title": row["title"],
        "kind": enum(row["kind"]),
        "state": enum(row["state"]),
        "headcount": row["headcount"],
        "filled": row["filled"],
        "openPlaces": row["headcount"] - row["filled"],
        "salaryMin": row["salary_min"],
        "salaryMax": row["salary_max"],
        "validUntil": day(row["valid_until"]),
        "yuluPriority": row["yulu_priority"],
        "version": row["version"],
        "enterprise": {
            "id": gid("Organisation", row["enterprise_id"]),
            "name": row["enterprise_name"],
        },
        "region": {"code": row["region_code"], "name": row["region_name"]},
        "occupation": None
        if row["occupation_code"] is None
        else {"code": row["occupation_code"], "name": row["occupation_name"]},
    }


def _application(row: Row) -> dict:
    clear = row["clear"]
    phone = row["phone"]
    return {
        "id": gid("Application", row["id"]),
        "stage": enum(row["stage"]),
        "source": enum(row["source"]),
        "version": row["version"],
        "rejectionReason": enum(row["rejection_reason"]),
        "note": row["note"],
        "createdAt": moment(row["created_at"]),
        "person": {
            "id": gid("Person", row["person_id"]),
            "name": row["person_name"] if clear else mask_name(row["person_name"]),
            "phone": phone if clear or phone is None else mask_phone(phone),
            "education": enum(row["education"]),
        },
        "referrer": None if row["referrer_name"] is None else {"name": row["referrer_name"]},
    }


# The city bureau: persons of households in its region, masked (above the county, aggregates
# suffice: auth.rules, Role.BUREAU), so these two reads write no audit record.
IN_REGION = (
    "IN (SELECT pr.id FROM persons pr JOIN households hr ON hr.id = pr.household_id "
    "WHERE hr.region_code BETWEEN $1 AND $2)"
)
CLASSES = """
    SELECT id, name FROM training_classes ORDER BY created_at DESC, id LIMIT $1 OFFSET $2
"""
CLASS_STUDENTS = f"""
    SELECT e.class_id, s.person_id, p.name, s.entry_year, s.expected_graduation_year, s.status,
           m.name AS major_name
    FROM (SELECT e.*, row_number() OVER (PARTITION BY e.class_id ORDER BY e.person_id) AS rank
          FROM enrolments e WHERE e.class_id = ANY($3::int[]) AND e.person_id {IN_REGION}) e
    JOIN persons p ON p.id = e.person_id
    LEFT JOIN student_records s ON s.person_id = p.id
    LEFT JOIN majors m ON m.code = s.major_code
    WHERE e.rank <= 100 ORDER BY e.class_id, e.person_id
"""


async def class_students(db: asyncpg.Connection, claims: Claims, variables: dict) -> dict:
    low, high = region_range(claims)
    classes = await db.fetch(CLASSES, variables["first"], offset_of(variables.get("after")))
    students: dict[int, list[dict]] = defaultdict(list)
    for row in await db.fetch(CLASS_STUDENTS, low, high, [row["id"] for row in classes]):
        students[row["class_id"]].append(
            {
                "id": gid("Person", row["person_id"]),
                "name": mask_name(row["name"]),
                "studentRecord": None
                if row["status"] is None
                else {
                    "entryYear": row["entry_year"],
                    "expectedGraduationYear": row["expected_graduation_year"],
                    "status": enum(row["status"]),
                    "major": None if row["major_name"] is None else {"name": row["major_name"]},
                },
            }
        )
    return {
        "classes": {
            "edges": [
                {
                    "node": {
                        "id": gid("TrainingClass", row["id"]),
                        "name": row["name"],
                        "students": students[row["id"]],
                    }
                }
                for row in classes
            ]
        }
    }


POSITIONS = """
    SELECT id, title, state FROM positions
    WHERE state = 'open' OR region_code BETWEEN $1 AND $2 OR enterprise_id = $3
    ORDER BY created_at DESC, id LIMIT $4 OFFSET $5
"""
POSITION_APPLICATIONS = f"""
    SELECT a.position_id, a.id, a.stage, a.person_id, p.name
    FROM (SELECT a.*, row_number() OVER (PARTITION BY a.position_id ORDER BY a.id) AS rank
          FROM applications a
          WHERE a.position_id = ANY($3::int[]) AND a.person_id {IN_REGION}) a
    JOIN persons p ON p.id = a.person_id
    WHERE a.rank <= 100 ORDER BY a.position_id, a.id
"""


async def position_applications(db: asyncpg.Connection, claims: Claims, variables: dict) -> dict:
    low, high = region_range(claims)
    first, offset = variables["first"], offset_of(variables.get("after"))
    positions = await db.fetch(POSITIONS, low, high, claims["organisation"], first + 1, offset)
    page = positions[:first]
    applications: dict[int, list[dict]] = defaultdict(list)
    for row in await db.fetch(POSITION_APPLICATIONS, low, high, [row["id"] for row in page]):
        applications[row["position_id"]].append(
            {
                "id": gid("Application", row["id"]),
                "stage": enum(row["stage"]),
                "person": {"id": gid("Person", row["person_id"]), "name": mask_name(row["name"])},
            }
        )
    return {
        "positions": {
            "pageInfo": {
                "hasNextPage": len(positions) > first,
                "endCursor": gid("offset", offset + len(page)) if page else None,
            },
            "edges": [
                {
                    "node": {
                        "id": gid("Position", row["id"]),
                        "title": row["title"],
                        "state": enum(row["state"]),
                        "applications": applications[row["id"]],
                    }
                }
                for row in page
            ],
        }
    }


Read = Callable[[asyncpg.Connection, Claims, dict], Awaitable[dict]]
READS: dict[str, Read] = {
    "SchoolLedger": school_ledger,
    "PositionPipeline": position_pipeline,
    "ClassStudents": class_students,
    "PositionApplications": position_applications,
}
# Answered from the token alone: the viewer's type is known without the database.
WITHOUT_DATABASE = {"ViewerTypename": {"viewer": {"__typename": "Viewer"}}}


# --- the endpoint -----------------------------------------------------------------------------


class Tokens:
    def __init__(self, jwks: dict, issuer: str) -> None:
        self.keys = KeySet.import_key_set(jwks)  # type: ignore[arg-type]
        self.issuer = issuer

    def claims(self, authorization: str | None) -> Claims | None:
        if not authorization or not authorization.startswith("Bearer "):
            return None
        try:
            token = jwt.decode(authorization[7:], self.keys, algorithms=["ES256"])
        except ValueError:
            return None
        claims = token.claims
        if token.header.get("typ") != "at+jwt" or claims.get("iss") != self.issuer:
            return None
        if not isinstance(claims.get("exp"), int) or claims["exp"] <= time.time():
            return None
        return claims


def _json(body: dict, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status, media_type="application/json")


def create_app(database: str, tokens: Tokens) -> Starlette:
    pool: dict[str, asyncpg.Pool] = {}

    @asynccontextmanager
    async def lifespan(app: Starlette):
        pool["db"] = await asyncpg.create_pool(database, min_size=4, max_size=8)
        yield
        await pool["db"].close()

    async def graphql(request: Request) -> Response:
        body = orjson.loads(await request.body())
        claims = tokens.claims(request.headers.get("authorization"))
        if claims is None:
            return _json({"errors": [{"message": "unauthenticated"}]}, 401)
        name, variables = body.get("operationName"), body.get("variables") or {}
        if name in WITHOUT_DATABASE:
            return _json({"data": WITHOUT_DATABASE[name]})
        read = READS.get(name)
        if read is None:
            return _json({"errors": [{"message": f"no hand-written read {name!r}"}]}, 400)
        async with pool["db"].acquire() as db, db.transaction():
            return _json({"data": await read(db, claims, variables)})

    return Starlette(routes=[Route("/graphql", graphql, methods=["POST"])], lifespan=lifespan)


def listening_socket(port: int) -> socket.socket:
    """IPPROTO_TCP (asyncio sets TCP_NODELAY only on sockets made so) and SO_REUSEPORT (every
    worker binds its own socket to the port; the kernel spreads connections across them)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(1024)
    return sock


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.handwritten")
    parser.add_argument("--database", required=True, help="postgresql://... (asyncpg's form)")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--issuer", required=True)
    parser.add_argument("--jwks", required=True, help="a file holding the project's JWKS")
    args = parser.parse_args()
    with open(args.jwks, encoding="utf-8") as file:
        tokens = Tokens(json.load(file), args.issuer)
    config = uvicorn.Config(
        create_app(args.database, tokens), log_level="warning", access_log=False, lifespan="on"
    )
    uvicorn.Server(config).run(sockets=[listening_socket(args.port)])


if __name__ == "__main__":
    main()
