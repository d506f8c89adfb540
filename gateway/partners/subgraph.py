"""What every partner subgraph shares: settings, the caller from a forwarded token, per-request
DataLoaders, the Starlette app and the command line (seed / serve / sdl).

A partner answers the gateway only: every request must carry the gateway's HMAC signature
(``auth.gateway_signature``; the shared secret is ``YULU_GATEWAY_HMAC_SECRET``, and a partner
does not start without one). It still trusts nobody's word for who is calling, not even the
gateway's: it verifies the forwarded bearer token against the alliance's JWKS with the same
checks the alliance uses (``auth.jwt_checks``), and what it shows about a person it shows only
where the alliance's own rules let the caller see that person's employment (``AllianceRemit``:
asked with the caller's token, so a token the alliance revoked is refused there too).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
from collections.abc import Awaitable, Callable, Hashable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import strawberry
from joserfc.jwk import KeySet
from sqlalchemy import MetaData, event, insert, literal, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.dataloader import DataLoader
from strawberry.exceptions import StrawberryGraphQLError

from auth import scopes
from auth.gateway_signature import SECRET_VARIABLE, is_signed, refusal
from auth.jwt_checks import TokenRejected, UnknownKeyId, verify
from auth.middleware import bearer_token, unauthenticated
from auth.resource import CachedKeys
from resolvers.ids import decode_id, to_global_id

log = logging.getLogger(__name__)

ACCESS_TOKEN_TYPE = "at+jwt"
ALGORITHMS = ("ES256",)
LEEWAY_SECONDS = 30
JWKS_REFETCH_SECONDS = 10.0
# Keys are reloaded at least this often, so a key the alliance retired stops verifying here too.
JWKS_MAX_AGE_SECONDS = 300.0
ALLIANCE_TIMEOUT_SECONDS = 10.0
MAX_BODY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class PartnerSettings:
    """Environment of one partner process.

    PARTNER_DATABASE_URL  its own database (an SQLite file by default)
    YULU_ISSUER           the alliance's token issuer (its base URL)
    YULU_AUDIENCE         the ``aud`` of alliance access tokens (default ``<issuer>/graphql``)
    YULU_JWKS_URL         where the alliance publishes its keys (default ``<issuer>/.well-known/jwks.json``)
    YULU_ALLIANCE_GRAPHQL_URL  the alliance's GraphQL endpoint, for the remit check (default ``<issuer>/graphql``)
    YULU_GATEWAY_HMAC_SECRET   the secret the gateway signs requests with (required to serve)
    PARTNER_SQL_LOG       append every SQL statement to this file (query-count tests, debugging)
    """

    database_url: str
    issuer: str
    audience: str
    jwks_url: str
    alliance_graphql_url: str
    gateway_secret: str | None
    sql_log: Path | None

    @classmethod
    def from_environment(cls, name: str) -> PartnerSettings:
        env = os.environ.get
        issuer = env("YULU_ISSUER", "http://127.0.0.1:8000").rstrip("/")
        default_database = Path(__file__).resolve().parents[2] / "var" / f"partner-{name}.db"
        sql_log = env("PARTNER_SQL_LOG")
        return cls(
            database_url=env("PARTNER_DATABASE_URL", f"sqlite+aiosqlite:///{default_database}"),
            issuer=issuer,
            audience=env("YULU_AUDIENCE", f"{issuer}/graphql"),
            jwks_url=env("YULU_JWKS_URL", f"{issuer}/.well-known/jwks.json"),
            alliance_graphql_url=env("YULU_ALLIANCE_GRAPHQL_URL", f"{issuer}/graphql"),
            gateway_secret=env(SECRET_VARIABLE) or None,
            sql_log=Path(sql_log) if sql_log else None,
        )


# ---------------------------------------------------------------- database


def create_engine(settings: PartnerSettings) -> AsyncEngine:
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database:
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(settings.database_url)
    if settings.sql_log is not None:
        event.listen(
            engine.sync_engine, "before_cursor_execute", _statement_logger(settings.sql_log)
        )
    return engine


def _statement_logger(path: Path):
    def log_statement(_connection, _cursor, statement: str, *_rest) -> None:
        with path.open("a", encoding="utf-8") as sql_log:
            sql_log.write(" ".join(statement.split()) + "\n")

    return log_statement


# ---------------------------------------------------------------- who is calling


@dataclass(frozen=True)
class Caller:
    """The verified claims of the forwarded alliance token (empty when there was none)."""

    claims: dict = field(default_factory=dict)

    @property
    def is_authenticated(self) -> bool:
        return bool(self.claims)

    @property
    def role(self) -> str | None:
        return self.claims.get("role")

    @property
    def person_id(self) -> int | None:
        return self.claims.get("person")

    @property
    def scopes(self) -> frozenset[str]:
        return scopes.parse(self.claims.get("scope"))


ANONYMOUS = Caller()


def refuse(message: str, code: str) -> StrawberryGraphQLError:
    return StrawberryGraphQLError(message, extensions={"code": code})


class TokenVerifier:
    """Alliance access tokens, verified against the alliance's published keys."""

    def __init__(self, settings: PartnerSettings):
        self.settings = settings
        self.keys = CachedKeys(self._fetch_jwks, JWKS_REFETCH_SECONDS, JWKS_MAX_AGE_SECONDS)

    async def caller_for(self, token: str) -> Caller:
        try:
            return Caller(self._verify(token, await self.keys.current()))
        except UnknownKeyId:
            # The alliance may have rotated its key since we fetched: reload once, then judge.
            if not await self.keys.refetch():
                raise
            return Caller(self._verify(token, await self.keys.current()))

    def _verify(self, token: str, keys: KeySet) -> dict:
        return verify(
            token,
            keys,
            issuer=self.settings.issuer,
            audience=self.settings.audience,
            algorithms=ALGORITHMS,
            token_types=(ACCESS_TOKEN_TYPE,),
            leeway=LEEWAY_SECONDS,
        )

    async def _fetch_jwks(self) -> dict:
        async with httpx2.AsyncClient(timeout=5) as client:
            response = await client.get(self.settings.jwks_url)
            response.raise_for_status()
            return response.json()


# ---------------------------------------------------------------- the alliance's remit

VISIBLE_EMPLOYMENT = "query ($ids: [ID!]!) { personsWithVisibleEmployment(ids: $ids) }"


class AllianceRemit:
    """Which persons the caller may see employment of, as the alliance decides (its row rules
    for persons and for their employment records), asked once per batch with the caller's token.

    Whatever goes wrong answers nothing: a refused token is UNAUTHENTICATED, anything else an
    error for the fields asked (never data the alliance did not vouch for)."""

    def __init__(self, settings: PartnerSettings, client: httpx2.AsyncClient):
        self.url = settings.alliance_graphql_url
        self.client = client

    async def persons_with_visible_employment(
        self, token: str | None, person_ids: Sequence[int]
    ) -> set[int]:
        if token is None:  # what the alliance would answer without a token
            raise refuse("Authentication required", "UNAUTHENTICATED")
        ids = [to_global_id("Person", person_id) for person_id in dict.fromkeys(person_ids)]
        try:
            response = await self.client.post(
                self.url,
                json={"query": VISIBLE_EMPLOYMENT, "variables": {"ids": ids}},
                headers={"Authorization": f"Bearer {token}"},
            )
        except httpx2.HTTPError as error:
            log.warning("alliance remit check failed: %s", error)
            raise refuse("暂时无法向联盟核实查看范围，请稍后再试。", "REMIT_UNAVAILABLE") from error
        if response.status_code == 401:
            raise refuse("Authentication required", "UNAUTHENTICATED")
        body = _json_object(response)
        visible = (body.get("data") or {}).get("personsWithVisibleEmployment")
        if response.status_code != 200 or body.get("errors") or not isinstance(visible, list):
            log.warning(
                "alliance remit check refused (%s): %s", response.status_code, body.get("errors")
            )
            raise refuse("联盟未确认您对这些人员的查看范围。", "REMIT_UNAVAILABLE")
        return {decode_id(global_id, "Person") for global_id in visible}


def _json_object(response: httpx2.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


# ---------------------------------------------------------------- per-request context

BatchFunction = Callable[["PartnerContext", Sequence[Any]], Awaitable[Sequence[Any]]]


@dataclass
class PartnerContext:
    engine: AsyncEngine
    caller: Caller
    remit: AllianceRemit
    token: str | None = None
    _loaders: dict[Hashable, DataLoader] = field(default_factory=dict)

    def loader(self, batch: BatchFunction) -> DataLoader:
        """The request's loader for ``batch``, created on first use: a batch never outlives the
        request, so one caller's rows are never served to another."""
        found = self._loaders.get(batch)
        if found is None:
            found = self._loaders[batch] = DataLoader(load_fn=lambda keys: batch(self, keys))
        return found


async def _request_parameters(request: Request) -> dict[str, Any] | None:
    """query, variables and extensions of a GraphQL request; None when unreadable or too big."""
    if request.method == "GET":
        params = request.query_params
        try:
            return {
                "query": params.get("query"),
                "variables": json.loads(params.get("variables") or "null"),
                "extensions": json.loads(params.get("extensions") or "null"),
            }
        except (ValueError, RecursionError):
            return None
    if int(request.headers.get("content-length") or 0) > MAX_BODY_BYTES:
        return None
    try:
        body = await request.json()  # kept by the request: strawberry reads the same body again
    except (ValueError, RecursionError):
        return None
    return body if isinstance(body, dict) else None


def create_app(
    schema: strawberry.Schema, settings: PartnerSettings, metadata: MetaData
) -> Starlette:
    gateway_secret = settings.gateway_secret
    if not gateway_secret:
        raise SystemExit(
            f"{SECRET_VARIABLE} is not set: a partner subgraph answers only requests signed by the gateway"
        )
    engine = create_engine(settings)
    verifier = TokenVerifier(settings)
    alliance = httpx2.AsyncClient(timeout=ALLIANCE_TIMEOUT_SECONDS)
    remit = AllianceRemit(settings, alliance)
    graphql = GraphQL[PartnerContext, None](schema, graphql_ide=None)

    async def graphql_endpoint(request: Request):
        parameters = await _request_parameters(request)
        if parameters is None or not is_signed(gateway_secret, parameters):
            return refusal()
        token = bearer_token(request.headers)
        caller = ANONYMOUS
        if token is not None:
            try:
                caller = await verifier.caller_for(token)
            except TokenRejected as error:
                log.info("bearer token refused: %s", error)
                return unauthenticated()
        return await graphql.run(request, context=PartnerContext(engine, caller, remit, token))

    async def healthz(_request: Request) -> PlainTextResponse:
        """Readiness: the partner's own tables answer (liveness is /livez). Reading a table, not
        ``SELECT 1``: SQLite would answer that from a new empty file where the data went missing."""
        try:
            async with engine.connect() as connection:
                for table in metadata.sorted_tables:
                    await connection.execute(select(literal(1)).select_from(table).limit(1))
        except (SQLAlchemyError, OSError):
            return PlainTextResponse("database unreachable", status_code=503)
        return PlainTextResponse("ok")

    async def livez(_request: Request) -> PlainTextResponse:
        return PlainTextResponse("alive")

    @asynccontextmanager
    async def lifespan(_app: Starlette):
        yield
        await alliance.aclose()
        await engine.dispose()

    routes = [
        Route("/graphql", graphql_endpoint, methods=["GET", "POST"]),
        Route("/healthz", healthz),
        Route("/livez", livez),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


# ---------------------------------------------------------------- command line

SeedRows = Callable[[str], list[tuple[Any, list[dict]]]]


@dataclass(frozen=True)
class Partner:
    name: str
    schema: strawberry.Schema
    metadata: MetaData
    seed_rows: SeedRows  # scale of the alliance seed → (table, rows) in foreign-key order

    @property
    def sdl_path(self) -> Path:
        return Path(__file__).resolve().parent / self.name / "schema.graphql"

    def sdl(self) -> str:
        return self.schema.as_str() + "\n"

    def create_app(self) -> Starlette:
        return create_app(self.schema, PartnerSettings.from_environment(self.name), self.metadata)


async def seed(partner: Partner, scale: str) -> int:
    """Recreate the partner's tables and load the rows that match the alliance's ``scale`` seed."""
    engine = create_engine(PartnerSettings.from_environment(partner.name))
    try:
        async with engine.begin() as connection:
            await connection.run_sync(partner.metadata.drop_all)
            await connection.run_sync(partner.metadata.create_all)
            total = 0
            for table, rows in partner.seed_rows(scale):
                if rows:
                    await connection.execute(insert(table), rows)
                    total += len(rows)
    finally:
        await engine.dispose()
    return total


SCALES = ("demo", "bench", "test")
SCALE_HELP = "the scale the alliance was seeded with (ids must match)"


def run_cli(partner: Partner, argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m gateway.partners.{partner.name}")
    commands = parser.add_subparsers(dest="command", required=True)
    seed_command = commands.add_parser("seed", help="recreate and fill the database")
    seed_command.add_argument("--scale", choices=SCALES, default="demo", help=SCALE_HELP)
    serve = commands.add_parser("serve", help="serve /graphql")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, required=True)
    serve.add_argument(
        "--seed", choices=SCALES, help=f"recreate and fill the database first: {SCALE_HELP}"
    )
    commands.add_parser("sdl", help="write the subgraph SDL next to the code")
    args = parser.parse_args(argv)

    if args.command == "sdl":
        partner.sdl_path.write_text(partner.sdl(), encoding="utf-8")
        return
    scale = args.scale if args.command == "seed" else args.seed
    if scale:
        print(f"{partner.name}: {asyncio.run(seed(partner, scale))} rows")
    if args.command == "serve":
        import uvicorn

        uvicorn.run(partner.create_app(), host=args.host, port=args.port, log_level="warning")
