"""This service as deployed against PostGraphile 4 and a hand-written endpoint, over HTTP, side by
side on the same PostgreSQL demo data (issue 15).

    .venv/bin/python -m bench.http [--seconds 15] [--rounds 3] [--connections 8] [--only viewer,...]
        [--reseed] [--survey] [--bench-scale-url postgresql+asyncpg://.../yulu_..._bench]

One run prepares the database (migrated and seeded at demo scale if it is empty), starts each
contender as its own processes on free 127.0.0.1 ports, signs the bench's viewers in over HTTP
(the OAuth authorization-code flow; the portal's own sign-in for the pages), checks that every
contender answers every read with the same rows, then loads each read on each contender in turn,
round after round (interleaved: the shared machine's noise falls on all of them alike), and prints
a markdown table. The contenders:

- **project**: ``yulu serve --workers 2`` with production settings (throwaway secrets);
- **PostGraphile 4** (bench/package.json, bench/postgraphile.js): 2 cluster workers over the same
  database; it applies no row rules, masking or audit — its queries state our row rules as
  filters (connection-filter plugin) so that it answers the same rows;
- **hand-written** (bench/handwritten.py): Starlette + asyncpg + orjson, 2 processes, the
  project's exact JSON and audit records: the physical limit.

Load comes from wrk (Debian's package; installed with apt-get when missing), 2 threads; the
server CPU per request is read from /proc/PID/stat of the servers' processes around each run.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import math
import os
import random
import re
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import asyncpg
import httpx2
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from portal.operations import operations
from seeds.demo import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
YULU = Path(sys.executable).parent / "yulu"
POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/"
DATABASE = "yulu_bench_http"
ISSUER = "https://yulu-bench.invalid"  # production wants https; the bench maps it to the port
CLIENT_ID = "yulu-bench"  # the bench's own first-party client: full GraphQL, like a member app
REDIRECT_URI = "http://127.0.0.1:9/callback"  # never contacted: the code is read from Location
SCOPE = "alliance:read alliance:write personal:read profile"
WORKERS = 2
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CONTENDERS = ("project", "postgraphile", "handwritten")
# The large read: 360 positions × their applications × person. The cost limit (50,000 for a
# member, schema/extensions.py) refuses it in one request, so it is read in pages of 72, as a
# client must; each contender answers the same 5 pages, one per request, in turn.
LARGE_PAGE = 72
LARGE_PAGES = 5
SMALL_CLASSES = 10
# A run lasts at least RUN_PER_SOLO times one request's time alone (8 connections on 2 workers:
# each request then takes about 4 times as long, so a window holds at least ~5 per connection).
RUN_PER_SOLO = 20
MAX_RUN_SECONDS = 60
RENEW_AFTER_SECONDS = 10 * 60  # access tokens live 15 minutes (auth.tokens)
MATCH_SAMPLE = 100
MATCH_SEED = 15
# The portal's three heaviest pages, as measured by --survey on the demo data (README).
HEAVIEST_PAGES = ("city:/bureau/evaluation", "city:/bureau", "graduate:/me")
SURVEY_PAGES = (
    "school:/school",
    "school:/school/classes",
    "school:/school/follow-ups",
    "school:/school/alerts",
    "school:/school/referrals",
    "school:/school/help",
    "enterprise:/enterprise",
    "agency:/agency",
    "agency:/agency/fairs",
    "agency:/agency/alerts",
    "agency:/agency/follow-ups",
    "agency:/agency/referrals",
    "agency:/agency/people",
    "county:/bureau",
    "county:/bureau/evaluation",
    "county:/bureau/alerts",
    "county:/bureau/people",
    "county:/bureau/households",
    "county:/bureau/transfers",
    "county:/bureau/help",
    "county:/ledgers",
    "city:/bureau",
    "city:/bureau/evaluation",
    "graduate:/me",
)


# --- processes --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (/proc/PID/stat fields 14 and 15, after the command's ')')."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += [int(child), *descendants(int(child))]
    return found


@dataclass
class Server:
    name: str
    url: str
    processes: list[subprocess.Popen] = field(default_factory=list)

    def pids(self) -> list[int]:
        roots = [process.pid for process in self.processes]
        return roots + [child for root in roots for child in descendants(root)]

    def cpu(self) -> float:
        total = 0.0
        for pid in self.pids():
            with suppress(FileNotFoundError):  # a worker that exited: its time went with it
                total += cpu_seconds(pid)
        return total


class Processes:
    """Every child the bench starts, stopped (process group and all) however the run ends."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: list[subprocess.Popen] = []

    def start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=log, stderr=log, start_new_session=True
        )
        log.close()
        self.started.append(process)
        return process

    def stop(self) -> None:
        """Idempotent: ``main`` calls it again however the run ends."""
        for process in reversed(self.started):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in self.started:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def log_tail(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")[-3000:]


def wait_until(check: Callable[[], bool], what: str, processes: Processes, timeout=90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except httpx2.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{what} did not start:\n{processes.log_tail(what)}")


# --- the database -----------------------------------------------------------------------------


def asyncpg_url(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _has_tables(url: str) -> bool | None:
    """None: no such database; False: empty; True: migrated."""
    try:
        connection = await asyncpg.connect(asyncpg_url(url))
    except asyncpg.InvalidCatalogNameError:
        return None
    try:
        return bool(await connection.fetchval("SELECT to_regclass('persons') IS NOT NULL"))
    finally:
        await connection.close()


async def _create_database(name: str, drop: bool) -> None:
    connection = await asyncpg.connect(asyncpg_url(POSTGRES + "postgres"))
    try:
        if drop:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


def yulu(env: dict[str, str], *arguments: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [str(YULU), *arguments], env=env, cwd=ROOT, input=stdin, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"yulu {' '.join(arguments)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def prepare_database(url: str, reseed: bool) -> None:
    state = asyncio.run(_has_tables(url))
    if state and not reseed:
        print(f"reusing {url.rpartition('/')[2]} (--reseed to seed it afresh)", file=sys.stderr)
        return
    asyncio.run(_create_database(url.rpartition("/")[2], drop=state is not None))
    forget_secrets(url)
    env = {**os.environ, "YULU_DATABASE_URL": url}
    yulu(env, "migrate")
    print(yulu(env, "seed", "--scale", "demo").strip(), file=sys.stderr)


SECRETS = ROOT / "var" / "bench-http"


def production_env(url: str) -> dict[str, str]:
    """What models/settings.py's check_production demands: a random secret key, an https issuer,
    a random federation key. The secrets are throwaway but kept per database under var/: the
    secret key encrypts the token signing keys stored there (a new secret rotates to a new key)."""
    kept = SECRETS / f"{url.rpartition('/')[2]}.json"
    env = {**os.environ, "YULU_DATABASE_URL": url, "YULU_PRODUCTION": "1", "YULU_ISSUER": ISSUER}
    if kept.exists():
        return {**env, **json.loads(kept.read_text())}
    chosen = {
        "YULU_SECRET_KEY": secrets.token_urlsafe(48),
        "YULU_FEDERATION_KEY": secrets.token_urlsafe(48),
    }
    yulu({**env, **chosen}, "keys", "rotate")  # a signing key this secret can decrypt
    SECRETS.mkdir(parents=True, exist_ok=True)
    kept.write_text(json.dumps(chosen))
    kept.chmod(0o600)
    return {**env, **chosen}


def forget_secrets(url: str) -> None:
    (SECRETS / f"{url.rpartition('/')[2]}.json").unlink(missing_ok=True)


async def _has_client(url: str) -> bool:
    connection = await asyncpg.connect(asyncpg_url(url))
    try:
        found = "SELECT 1 FROM oauth_clients WHERE client_id = $1"
        return await connection.fetchval(found, CLIENT_ID) is not None
    finally:
        await connection.close()


def register_bench_client(env: dict[str, str]) -> None:
    if asyncio.run(_has_client(env["YULU_DATABASE_URL"])):
        return
    yulu(
        env,
        "clients",
        "create",
        CLIENT_ID,
        "--name",
        "bench/http.py",
        "--public",
        "--first-party",
        "--grant",
        "authorization_code",
        "--redirect-uri",
        REDIRECT_URI,
    )


# --- signing in over HTTP ---------------------------------------------------------------------


class Browser:
    """A browser's cookie handling, by hand: production's session cookie is Secure, which httpx
    (rightly) never sends over the bench's plain-HTTP loopback; redirects to the https issuer are
    followed to the server's own port."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.client = httpx2.Client(base_url=base_url, timeout=120)
        self.cookies: dict[str, str] = {}

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def request(self, method: str, url: str, **options: Any) -> httpx2.Response:
        if url.startswith(ISSUER):
            url = url[len(ISSUER) :]
        headers = {**options.pop("headers", {}), "Cookie": self.cookie_header()}
        response = self.client.request(method, url, headers=headers, **options)
        for line in response.headers.get_list("set-cookie"):
            for name, morsel in SimpleCookie(line).items():
                self.cookies[name] = morsel.value
        return response

    def follow(self, response: httpx2.Response, until: str | None = None) -> httpx2.Response:
        while response.is_redirect:
            location = response.headers["location"]
            if until and location.startswith(until):
                return response
            response = self.request("GET", location)
        return response

    def sign_in(self, page: httpx2.Response, username: str) -> httpx2.Response:
        """Fill in /signin's form on ``page`` (its HTML) and send it."""
        next_url = parse_qs(urlsplit(str(page.url)).query).get("next", ["/"])[0]
        form = {
            "csrf_token": CSRF.search(page.text).group(1),  # type: ignore[union-attr]
            "username": username,
            "password": DEMO_PASSWORD,
            "next": next_url,
        }
        return self.request("POST", "/signin", data=form)

    def close(self) -> None:
        self.client.close()


def access_token(base_url: str, username: str) -> str:
    """The authorization-code flow with PKCE, as the bench's client: sign in, code, token."""
    browser = Browser(base_url)
    try:
        verifier = secrets.token_urlsafe(48)
        query = {
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT_URI,
            "scope": SCOPE,
            "state": "bench",
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256",
        }
        start = browser.follow(browser.request("GET", "/oauth/authorize?" + urlencode(query)))
        answer = browser.follow(browser.sign_in(start, username), until=REDIRECT_URI)
        location = answer.headers.get("location", "")
        if not location.startswith(REDIRECT_URI):
            raise SystemExit(f"sign-in of {username} ended at {answer.status_code} {location}")
        code = parse_qs(urlsplit(location).query)["code"][0]
        token = browser.request(
            "POST",
            "/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "code_verifier": verifier,
                "redirect_uri": REDIRECT_URI,
                "client_id": CLIENT_ID,
            },
        )
        token.raise_for_status()
        return token.json()["access_token"]
    finally:
        browser.close()


def portal_cookie(base_url: str, username: str, landing: str) -> str:
    """Sign in to the portal as a browser does (登录 → /signin → the portal's callback); the
    session cookie that comes back."""
    browser = Browser(base_url)
    try:
        page = browser.follow(browser.request("GET", "/auth/login?" + urlencode({"next": landing})))
        done = browser.follow(browser.sign_in(page, username))
        if done.status_code != 200 or urlsplit(str(done.url)).path != landing:
            raise SystemExit(f"portal sign-in of {username} ended at {done.status_code} {done.url}")
        return browser.cookie_header()
    finally:
        browser.close()


# --- the reads --------------------------------------------------------------------------------

CLASS_STUDENTS = """query ClassStudents($first: Int!) {
  classes(first: $first) { edges { node { id name students { id name
    studentRecord { entryYear expectedGraduationYear status major { name } } } } } }
}"""
POSITION_APPLICATIONS = """query PositionApplications($first: Int!, $after: String) {
  positions(first: $first, after: $after) { pageInfo { hasNextPage endCursor }
    edges { node { id title state applications { id stage person { id name } } } } }
}"""
VIEWER = "query ViewerTypename { viewer { __typename } }"

# PostGraphile's own schema; the project's row rules for the read's viewer are stated as filters.
IN_REGION = (
    "{ householdByHouseholdId: { regionCode: { greaterThanOrEqualTo: $low, "
    "lessThanOrEqualTo: $high } } }"
)
PG_LEDGER = """query SchoolLedger($school: Int!, $first: Int!, $offset: Int!) {
  allPeople(first: $first, offset: $offset, orderBy: [NAME_ASC, ID_ASC], filter: {
      studentRecordByPersonId: { schoolId: { equalTo: $school }, status: { equalTo: "studying" } }
  }) {
    totalCount
    pageInfo { hasNextPage }
    nodes { id name gender education
      householdByHouseholdId { category relocated regionByRegionCode { name isKeyCounty } }
      studentRecordByPersonId { entryYear expectedGraduationYear status majorByMajorCode { name } }
      employmentIntentionByPersonId { seeking } }
  }
}"""
PG_PIPELINE = """query PositionPipeline($id: Int!, $enterprise: Int!) {
  allPositions(condition: { id: $id }, filter: { or: [
      { state: { equalTo: "open" } }, { enterpriseId: { equalTo: $enterprise } } ] }) {
    nodes { id title kind state headcount filled salaryMin salaryMax validUntil yuluPriority version
      organisationByEnterpriseId { id name } regionByRegionCode { code name }
      occupationByOccupationCode { code name } minEducation validFrom benefits description
      positionMajorsByPositionId(orderBy: MAJOR_CODE_ASC) { nodes { majorByMajorCode { code name } } }
      applicationsByPositionId(orderBy: ID_ASC, first: 100) { nodes {
        id stage source version rejectionReason note createdAt
        personByPersonId { id name phone education } organisationByReferrerId { name } } } }
  }
}"""
PG_SMALL = f"""query ClassStudents($first: Int!, $low: String!, $high: String!) {{
  allTrainingClasses(first: $first, orderBy: [CREATED_AT_DESC, ID_ASC]) {{ nodes {{ id name
    enrolmentsByClassId(orderBy: PERSON_ID_ASC, first: 100,
        filter: {{ personByPersonId: {IN_REGION} }}) {{ nodes {{
      personByPersonId {{ id name studentRecordByPersonId {{
        entryYear expectedGraduationYear status majorByMajorCode {{ name }} }} }} }} }} }} }}
}}"""
PG_LARGE = f"""query PositionApplications($first: Int!, $offset: Int!, $low: String!,
    $high: String!, $own: Int!) {{
  allPositions(first: $first, offset: $offset, orderBy: [CREATED_AT_DESC, ID_ASC], filter: {{ or: [
      {{ state: {{ equalTo: "open" }} }},
      {{ regionCode: {{ greaterThanOrEqualTo: $low, lessThanOrEqualTo: $high }} }},
      {{ enterpriseId: {{ equalTo: $own }} }} ] }}) {{
    nodes {{ id title state applicationsByPositionId(orderBy: ID_ASC, first: 100,
        filter: {{ personByPersonId: {IN_REGION} }}) {{
      nodes {{ id stage personByPersonId {{ id name }} }} }} }}
  }}
}}"""


def key_of(global_id: str) -> int:
    return int(base64.b64decode(global_id).decode().partition(":")[2])


def graphql(query: str, variables: dict, name: str) -> bytes:
    return json.dumps({"query": query, "variables": variables, "operationName": name}).encode()


@dataclass
class Call:
    """One request of a read: what wrk sends, and who sends it."""

    method: str
    path: str
    body: bytes | None
    headers: dict[str, str]


@dataclass
class Read:
    key: str
    label: str
    calls: dict[str, list[Call]]  # by contender; a contender that cannot express it is absent
    rows: Callable[[str, list[dict]], Any] | None = None  # each contender's answers → rows
    answers: dict[str, list[Any]] = field(default_factory=dict)
    solo_seconds: dict[str, float] = field(default_factory=dict)  # one request, alone

    def run_seconds(self, contender: str, seconds: int) -> int:
        """wrk counts the requests that end inside its window: a read whose requests take a
        good part of the window is given a longer one (at most MAX_RUN_SECONDS)."""
        wanted = math.ceil(RUN_PER_SOLO * self.solo_seconds[contender])
        return max(seconds, min(MAX_RUN_SECONDS, wanted))


def _ledger_rows(contender: str, answers: list[dict]) -> Any:
    (data,) = answers
    if contender == "postgraphile":
        people = data["allPeople"]
        return people["totalCount"], [node["id"] for node in people["nodes"]]
    persons = data["persons"]
    return persons["totalCount"], [key_of(edge["node"]["id"]) for edge in persons["edges"]]


def _pipeline_rows(contender: str, answers: list[dict]) -> Any:
    (data,) = answers
    if contender == "postgraphile":
        (node,) = data["allPositions"]["nodes"]
        applications = node["applicationsByPositionId"]["nodes"]
        return node["id"], [(a["id"], a["personByPersonId"]["id"]) for a in applications]
    node = data["node"]
    return key_of(node["id"]), [
        (key_of(a["id"]), key_of(a["person"]["id"])) for a in node["applications"]
    ]


def _small_rows(contender: str, answers: list[dict]) -> Any:
    (data,) = answers
    if contender == "postgraphile":
        return [
            (c["id"], [e["personByPersonId"]["id"] for e in c["enrolmentsByClassId"]["nodes"]])
            for c in data["allTrainingClasses"]["nodes"]
        ]
    return [
        (key_of(e["node"]["id"]), [key_of(s["id"]) for s in e["node"]["students"]])
        for e in data["classes"]["edges"]
    ]


def _large_rows(contender: str, answers: list[dict]) -> Any:
    rows = []
    for data in answers:
        if contender == "postgraphile":
            for p in data["allPositions"]["nodes"]:
                applications = p["applicationsByPositionId"]["nodes"]
                rows.append(
                    (p["id"], [(a["id"], a["personByPersonId"]["id"]) for a in applications])
                )
        else:
            for edge in data["positions"]["edges"]:
                p = edge["node"]
                rows.append(
                    (
                        key_of(p["id"]),
                        [(key_of(a["id"]), key_of(a["person"]["id"])) for a in p["applications"]],
                    )
                )
    return rows


def _typename_rows(contender: str, answers: list[dict]) -> Any:
    (data,) = answers
    return data["viewer"]["__typename"]


JSON = {"Content-Type": "application/json"}


@dataclass
class Facts:
    """What the reads' variables need from the database."""

    url: str

    def pipeline_position(self) -> int:
        """The demo enterprise's position with the most applications."""
        return asyncio.run(
            _fetchval(
                self.url,
                "SELECT p.id FROM positions p JOIN applications a ON a.position_id = p.id "
                "JOIN users u ON u.organisation_id = p.enterprise_id WHERE u.username = $1 "
                "GROUP BY p.id ORDER BY count(*) DESC, p.id LIMIT 1",
                "enterprise",
            )
        )

    @staticmethod
    def region_range(viewer: dict) -> tuple[str, str]:
        """auth.rules' ``within`` for the viewer's region: its subtree's code range."""
        region = viewer["region"]
        prefix = region["code"][: {"PROVINCE": 2, "CITY": 4, "COUNTY": 6}[region["level"]]]
        return prefix.ljust(6, "0"), prefix.ljust(6, "9")


async def _fetchval(url: str, sql: str, *arguments: Any) -> Any:
    connection = await asyncpg.connect(asyncpg_url(url))
    try:
        return await connection.fetchval(sql, *arguments)
    finally:
        await connection.close()


@dataclass
class Viewers:
    """The bench's signed-in viewers: bearer tokens and portal cookies by username (each page's
    landing path kept to sign in again), and who they are. Access tokens live 15 minutes and a
    run lasts longer: ``fresh`` signs everyone in again before that, updating the very header
    dicts the reads' calls hold."""

    base_url: str
    tokens: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    landings: dict[str, str] = field(default_factory=dict)
    me: dict[str, dict] = field(default_factory=dict)
    signed_at: float = 0.0
    _headers: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)

    def sign_in(self, token_users: set[str], cookie_users: dict[str, str]) -> None:
        for username in token_users:
            self.tokens[username] = access_token(self.base_url, username)
        for username, landing in cookie_users.items():
            self.cookies[username] = portal_cookie(self.base_url, username, landing)
            self.landings[username] = landing
        for (kind, username), headers in self._headers.items():
            headers.update(self._made(kind, username))
        self.signed_at = time.monotonic()

    def fresh(self) -> None:
        if time.monotonic() - self.signed_at > RENEW_AFTER_SECONDS:
            self.sign_in(set(self.tokens), dict(self.landings))

    def bearer(self, username: str) -> dict[str, str]:
        return self._headers.setdefault(("bearer", username), self._made("bearer", username))

    def cookie(self, username: str) -> dict[str, str]:
        return self._headers.setdefault(("cookie", username), self._made("cookie", username))

    def _made(self, kind: str, username: str) -> dict[str, str]:
        if kind == "cookie":
            return {"Cookie": self.cookies[username]}
        return {"Authorization": f"Bearer {self.tokens[username]}", **JSON}


def _same(viewers: Viewers, username: str, body: bytes) -> dict[str, list[Call]]:
    """The project and the hand-written endpoint take the same request."""
    call = Call("POST", "/graphql", body, viewers.bearer(username))
    return {"project": [call], "handwritten": [call]}


def _pg(query: str, variables: dict, name: str) -> Call:
    return Call("POST", "/graphql", graphql(query, variables, name), JSON)


def _source(name: str) -> str:
    return operations()[name].source


def _ledger(viewers: Viewers, facts: Facts) -> Read:
    school = viewers.me["school"]["organisation"]["id"]
    variables = {"ledger": "STUDENTS", "filter": {"school": school}}
    pg_variables = {"school": key_of(school), "first": 20, "offset": 0}
    return Read(
        "ledger",
        "school ledger page (SchoolLedger)",
        {
            **_same(viewers, "school", graphql(_source("SchoolLedger"), variables, "SchoolLedger")),
            "postgraphile": [_pg(PG_LEDGER, pg_variables, "SchoolLedger")],
        },
        _ledger_rows,
    )


def _pipeline(viewers: Viewers, facts: Facts) -> Read:
    position = facts.pipeline_position()
    variables = {"id": base64.b64encode(f"Position:{position}".encode()).decode()}
    enterprise = key_of(viewers.me["enterprise"]["organisation"]["id"])
    return Read(
        "pipeline",
        "position pipeline (PositionPipeline)",
        {
            **_same(
                viewers,
                "enterprise",
                graphql(_source("PositionPipeline"), variables, "PositionPipeline"),
            ),
            "postgraphile": [
                _pg(PG_PIPELINE, {"id": position, "enterprise": enterprise}, "PositionPipeline")
            ],
        },
        _pipeline_rows,
    )


def _dashboard(viewers: Viewers, facts: Facts) -> Read:
    variables = {"region": viewers.me["city"]["region"]["code"], "year": None}
    body = graphql(_source("RegionDashboard"), variables, "RegionDashboard")
    return Read(
        "dashboard",
        "bureau dashboard (RegionDashboard)",
        {"project": [Call("POST", "/graphql", body, viewers.bearer("city"))]},
    )


def _small(viewers: Viewers, facts: Facts) -> Read:
    low, high = facts.region_range(viewers.me["city"])
    pg_variables = {"first": SMALL_CLASSES, "low": low, "high": high}
    body = graphql(CLASS_STUDENTS, {"first": SMALL_CLASSES}, "ClassStudents")
    return Read(
        "small",
        f"small nested page: {SMALL_CLASSES} classes × students × record",
        {
            **_same(viewers, "city", body),
            "postgraphile": [_pg(PG_SMALL, pg_variables, "ClassStudents")],
        },
        _small_rows,
    )


def _large(viewers: Viewers, facts: Facts) -> Read:
    """The project's and the hand-written endpoint's pages are filled in by fill_large_pages."""
    city = viewers.me["city"]
    low, high = facts.region_range(city)
    own = key_of(city["organisation"]["id"])
    pages = [
        {"first": LARGE_PAGE, "offset": LARGE_PAGE * page, "low": low, "high": high, "own": own}
        for page in range(LARGE_PAGES)
    ]
    return Read(
        "large",
        f"large nested read: {LARGE_PAGE * LARGE_PAGES} positions × applications × person "
        f"({LARGE_PAGES} requests of {LARGE_PAGE})",
        {
            "project": [],
            "handwritten": [],
            "postgraphile": [_pg(PG_LARGE, page, "PositionApplications") for page in pages],
        },
        _large_rows,
    )


def _viewer(viewers: Viewers, facts: Facts) -> Read:
    return Read(
        "viewer",
        "`{ viewer { __typename } }` with a token",
        _same(viewers, "city", graphql(VIEWER, {}, "ViewerTypename")),
        _typename_rows,
    )


def _page(page: str) -> Callable[[Viewers, Facts], Read]:
    username, _, path = page.partition(":")

    def build(viewers: Viewers, facts: Facts) -> Read:
        return Read(
            f"page:{path}",
            f"portal page {path} ({username})",
            {"project": [Call("GET", path, None, viewers.cookie(username))]},
        )

    return build


# Each read: who asks it (a token, or a portal session for pages), and how it is built.
READS: dict[str, tuple[str, Callable[[Viewers, Facts], Read]]] = {
    "ledger": ("school", _ledger),
    "pipeline": ("enterprise", _pipeline),
    "dashboard": ("city", _dashboard),
    "small": ("city", _small),
    "large": ("city", _large),
    "viewer": ("city", _viewer),
    **{
        f"page:{page.partition(':')[2]}": (page.partition(":")[0], _page(page))
        for page in HEAVIEST_PAGES
    },
}


def selected(only: set[str] | None) -> list[str]:
    unknown = (only or set()) - set(READS) - {"pages"}
    if unknown:
        raise SystemExit(f"no such read: {', '.join(sorted(unknown))} (reads: {', '.join(READS)})")
    return [
        key
        for key in READS
        if only is None or key in only or (key.startswith("page:") and "pages" in only)
    ]


def fill_large_pages(read: Read, base_url: str, viewers: Viewers) -> None:
    """The project's pages of the large read, each ``after`` the cursor the previous page ended
    at (the hand-written endpoint is sent the same bodies), as many as there are (a smaller
    database has fewer: PostGraphile is then asked for as many)."""
    after = None
    with httpx2.Client(base_url=base_url, timeout=300) as client:
        for _ in range(LARGE_PAGES):
            body = graphql(
                POSITION_APPLICATIONS, {"first": LARGE_PAGE, "after": after}, "PositionApplications"
            )
            call = Call("POST", "/graphql", body, viewers.bearer("city"))
            answer = client.post("/graphql", content=body, headers=call.headers).json()
            if answer.get("errors"):
                raise SystemExit(f"the large read's page failed: {answer['errors']}")
            read.calls["project"].append(call)
            read.calls["handwritten"].append(call)
            page_info = answer["data"]["positions"]["pageInfo"]
            if not page_info["hasNextPage"]:
                break
            after = page_info["endCursor"]
    del read.calls["postgraphile"][len(read.calls["project"]) :]


AUDIT_SINCE = """
    SELECT operation, actor_user_id, actor_role, actor_organisation_id, subject_person_id,
           region_code, fields::text FROM audit_records WHERE id > $1
    ORDER BY subject_person_id, fields::text
"""


async def _audit_mark(url: str) -> int:
    return await _fetchval(url, "SELECT coalesce(max(id), 0) FROM audit_records")


async def _audited_since(url: str, mark: int) -> list[tuple]:
    connection = await asyncpg.connect(asyncpg_url(url))
    try:
        return [tuple(row) for row in await connection.fetch(AUDIT_SINCE, mark)]
    finally:
        await connection.close()


def _answers(read: Read, contender: str, server: Server) -> list[Any]:
    """The contender's answer to each of the read's requests (data, or a page's size)."""
    answers: list[Any] = []
    with httpx2.Client(base_url=server.url, timeout=300) as client:
        for call in read.calls[contender]:
            response = client.request(
                call.method, call.path, content=call.body, headers=call.headers
            )
            if response.status_code != 200:
                raise SystemExit(
                    f"{read.key} on {contender}: HTTP {response.status_code}\n{response.text[:2000]}"
                )
            if call.method == "GET":
                answers.append(len(response.content))
                continue
            body = response.json()
            if body.get("errors") or not body.get("data"):
                raise SystemExit(f"{read.key} on {contender}: {body}"[:3000])
            answers.append(body["data"])
    return answers


def check_answers(reads: list[Read], servers: dict[str, Server], url: str) -> None:
    """Every contender's answer to every read, once, then ``compare``."""
    for read in reads:
        audited = {}
        for contender in read.calls:
            mark = asyncio.run(_audit_mark(url))
            read.answers[contender] = _answers(read, contender, servers[contender])
            audited[contender] = asyncio.run(_audited_since(url, mark))
            started = time.perf_counter()  # again, warm: the time one request takes alone
            _answers(read, contender, servers[contender])
            elapsed = time.perf_counter() - started
            read.solo_seconds[contender] = elapsed / len(read.calls[contender])
        compare(read, read.answers, audited)


def compare(read: Read, answers: dict[str, list[Any]], audited: dict[str, list[tuple]]) -> None:
    """The same rows from every contender, the hand-written endpoint's JSON and audit records
    exactly the project's — or the run stops."""
    if read.rows is None:
        return
    if "handwritten" in answers:
        if answers["handwritten"] != answers["project"]:
            difference = _first_difference(answers["project"], answers["handwritten"])
            raise SystemExit(f"{read.key}: the hand-written JSON differs: {difference}")
        if audited["handwritten"] != audited["project"]:
            raise SystemExit(
                f"{read.key}: the audit records differ\nproject: {audited['project'][:5]}\n"
                f"hand-written: {audited['handwritten'][:5]}"
            )
    rows = {contender: read.rows(contender, found) for contender, found in answers.items()}
    for contender, found in rows.items():
        if found != rows["project"]:
            raise SystemExit(
                f"{read.key}: {contender}'s rows differ from the project's:\n"
                f"project: {str(rows['project'])[:1500]}\n{contender}: {str(found)[:1500]}"
            )
    print(
        f"  {read.key}: same rows from {', '.join(rows)}; "
        f"{len(audited['project'])} audit records each",
        file=sys.stderr,
    )


def _first_difference(a: Any, b: Any, path: str = "") -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        for name in sorted(set(a) | set(b)):
            if a.get(name, "<missing>") != b.get(name, "<missing>"):
                return _first_difference(
                    a.get(name, "<missing>"), b.get(name, "<missing>"), f"{path}.{name}"
                )
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items against {len(b)}"
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return _first_difference(x, y, f"{path}[{index}]")
    return f"{path}: project {str(a)[:300]!r}, hand-written {str(b)[:300]!r}"


# --- load -------------------------------------------------------------------------------------


@dataclass
class Run:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    cpu_ms_per_request: float
    client_cpu_ms_per_request: float  # wrk's own: the client must not be the bottleneck


def lua_string(value: str) -> str:
    level = "=" * 8
    assert f"]{level}]" not in value
    return f"[{level}[{value}]{level}]"


def wrk_script(calls: list[Call]) -> str:
    """wrk sends the calls in turn, one per request (no response hook: wrk would then parse
    every body in Lua, and the client would slow down on large answers)."""
    entries = []
    for call in calls:
        headers = ", ".join(
            f"[ {lua_string(k)} ] = {lua_string(v)}" for k, v in call.headers.items()
        )
        body = "nil" if call.body is None else lua_string(call.body.decode())
        entries.append(
            f"wrk.format({lua_string(call.method)}, {lua_string(call.path)}, {{{headers}}}, {body})"
        )
    # Built in init: wrk knows the Host header only once the thread starts.
    return (
        "local requests\ninit = function(args)\n  requests = {\n    "
        + ",\n    ".join(entries)
        + "\n  }\nend\nlocal i = 0\n"
        "request = function()\n  i = i % #requests + 1\n  return requests[i]\nend\n"
    )


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _milliseconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * UNITS[unit]


def run_wrk(server: Server, calls: list[Call], seconds: int, connections: int, work: Path) -> Run:
    script = work / "calls.lua"
    script.write_text(wrk_script(calls), encoding="utf-8")
    before, client_before = server.cpu(), _children_cpu()
    done = subprocess.run(
        [
            "wrk",
            "-t",
            str(min(2, connections)),
            "-c",
            str(connections),
            "-d",
            f"{seconds}s",
            "--timeout",
            "60s",
            "--latency",
            "-s",
            str(script),
            server.url,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    cpu, client_cpu = server.cpu() - before, _children_cpu() - client_before
    out = done.stdout
    if re.search(r"Non-2xx or 3xx responses: (\d+)", out) or "Socket errors" in out:
        raise SystemExit(f"wrk against {server.name}: failed requests\n{out}")
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    latency = dict(re.findall(r"^ +(50|99)\.?0*% +(\S+)", out, re.MULTILINE))
    if set(latency) != {"50", "99"}:
        raise SystemExit(f"wrk against {server.name}: no latency distribution\n{out}")
    return Run(
        float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        _milliseconds(latency["50"]),
        _milliseconds(latency["99"]),
        requests,
        cpu * 1000 / max(requests, 1),
        client_cpu * 1000 / max(requests, 1),
    )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the finished wrk runs'
    return usage.ru_utime + usage.ru_stime


def ensure_wrk() -> None:
    if shutil.which("wrk") is None:
        print("installing wrk (apt-get install -y wrk)", file=sys.stderr)
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, capture_output=True)


def ensure_postgraphile() -> None:
    if not (BENCH / "node_modules" / ".package-lock.json").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=BENCH, check=True)


# --- the contenders ---------------------------------------------------------------------------


def start_project(processes: Processes, env: dict[str, str], name: str = "project") -> Server:
    port = free_port()
    server = Server(name, f"http://127.0.0.1:{port}")
    command = [str(YULU), "serve", "--host", "127.0.0.1", "--port", str(port)]
    server.processes.append(processes.start(name, [*command, "--workers", str(WORKERS)], env))
    wait_until(lambda: httpx2.get(server.url + "/livez").status_code == 200, name, processes)
    return server


def start_postgraphile(processes: Processes, url: str) -> Server:
    port = free_port()
    server = Server("postgraphile", f"http://127.0.0.1:{port}")
    command = ["node", str(BENCH / "postgraphile.js"), asyncpg_url(url), str(port), str(WORKERS)]
    server.processes.append(processes.start("postgraphile", command, dict(os.environ)))
    wait_until(
        lambda: (
            httpx2.post(server.url + "/graphql", json={"query": "{ __typename }"}).status_code
            == 200
        ),
        "postgraphile",
        processes,
    )
    return server


def start_handwritten(processes: Processes, url: str, jwks: Path) -> Server:
    port = free_port()
    server = Server("handwritten", f"http://127.0.0.1:{port}")
    command = [sys.executable, "-m", "bench.handwritten", "--database", asyncpg_url(url)]
    command += ["--port", str(port), "--issuer", ISSUER, "--jwks", str(jwks)]
    for worker in range(WORKERS):
        server.processes.append(processes.start(f"handwritten-{worker}", command, dict(os.environ)))
    # Both workers must listen before the load opens its connections (SO_REUSEPORT).
    time.sleep(1.5)
    wait_until(
        lambda: httpx2.post(server.url + "/graphql", content=b"{}").status_code == 401,
        "handwritten-0",
        processes,
    )
    return server


def who_is(base_url: str, token: str) -> dict:
    query = "{ viewer { role organisation { id name } region { code level } } }"
    answer = httpx2.post(
        base_url + "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}
    ).json()
    return answer["data"]["viewer"]


# --- the table --------------------------------------------------------------------------------


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _cell(runs: list[Run]) -> str:
    rates = [run.requests_per_second for run in runs]
    p50 = statistics.median(run.p50_ms for run in runs)
    p99 = statistics.median(run.p99_ms for run in runs)
    return (
        f"{_number(statistics.median(rates))} ({_number(min(rates))}–{_number(max(rates))}; "
        f"p50 {_number(p50)} / p99 {_number(p99)} ms)"
    )


def _ratio(runs: dict[str, list[Run]], other: str) -> str:
    if other not in runs:
        return "–"
    mine = statistics.median(run.requests_per_second for run in runs["project"])
    theirs = statistics.median(run.requests_per_second for run in runs[other])
    return f"{mine / theirs:.2f}"


def table(reads: list[Read], results: dict[str, dict[str, list[Run]]]) -> str:
    lines = [
        "| read | project req/s | PostGraphile 4 | hand-written | project ÷ PostGraphile "
        "| project ÷ hand |",
        "|---|---|---|---|---|---|",
    ]
    for read in reads:
        runs = results.get(read.key)
        if not runs:
            continue
        cells = [_cell(runs[c]) if c in runs else "–" for c in CONTENDERS]
        ratios = [_ratio(runs, "postgraphile"), _ratio(runs, "handwritten")]
        lines.append(f"| {read.label} | " + " | ".join(cells + ratios) + " |")
    return "\n".join(lines)


# --- matching at bench scale -----------------------------------------------------------------

MATCH_QUERY = "MatchedGraduates"


async def _match_sample(url: str) -> list[int]:
    connection = await asyncpg.connect(asyncpg_url(url))
    try:
        ids = await connection.fetch(
            "SELECT id FROM positions WHERE state = 'open' AND headcount > filled ORDER BY id"
        )
    finally:
        await connection.close()
    found = [row["id"] for row in ids]
    return sorted(random.Random(MATCH_SEED).sample(found, min(MATCH_SAMPLE, len(found))))


def bench_scale_matching(processes: Processes, url: str) -> str:
    """Top-50 matchedGraduates over HTTP, one call after another (a first pass warms the
    caches), on a second `yulu serve` over the bench-scale database, as the agency officer."""
    env = production_env(url)
    register_bench_client(env)
    server = start_project(processes, env, "project-bench-scale")
    token = access_token(server.url, "agency")
    ids = asyncio.run(_match_sample(url))
    query = operations()[MATCH_QUERY].source
    headers = {"Authorization": f"Bearer {token}"}
    timings = []
    with httpx2.Client(base_url=server.url, timeout=120, headers=headers) as client:
        for measured in (False, True):
            for ident in ids:
                variables = {
                    "id": base64.b64encode(f"Position:{ident}".encode()).decode(),
                    "first": 50,
                }
                started = time.perf_counter()
                answer = client.post(
                    "/graphql",
                    json={"query": query, "variables": variables, "operationName": MATCH_QUERY},
                ).json()
                elapsed = (time.perf_counter() - started) * 1000
                if answer.get("errors") or not answer["data"]["node"]:
                    raise SystemExit(f"matchedGraduates of position {ident}: {answer}"[:2000])
                if measured:
                    timings.append(elapsed)
    p95 = statistics.quantiles(timings, n=20)[-1]
    return (
        f"top-50 matchedGraduates over HTTP at {url.rpartition('/')[2]}: {len(ids)} positions, "
        f"p50 {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, max {max(timings):.1f} ms "
        "(target: p50 ≤ 100 ms, p95 ≤ 250 ms)"
    )


# --- the run ----------------------------------------------------------------------------------


@contextmanager
def contenders(
    url: str, processes: Processes, work: Path, keys: list[str]
) -> Iterator[tuple[dict[str, Server], Viewers]]:
    env = production_env(url)
    register_bench_client(env)
    started = time.perf_counter()
    project = start_project(processes, env)
    print(f"project up in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    token_users = {READS[key][0] for key in keys if not key.startswith("page:")}
    cookie_users = {READS[key][0]: key.partition(":")[2] for key in keys if key.startswith("page:")}
    viewers = Viewers(project.url)
    viewers.sign_in(token_users, cookie_users)
    viewers.me = {
        username: who_is(project.url, token) for username, token in viewers.tokens.items()
    }
    jwks = work / "jwks.json"
    jwks.write_bytes(httpx2.get(project.url + "/.well-known/jwks.json").content)
    servers = {
        "project": project,
        "postgraphile": start_postgraphile(processes, url),
        "handwritten": start_handwritten(processes, url, jwks),
    }
    print(f"signed in, all up in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    yield servers, viewers


def survey(project: Server, viewers_cookie: Callable[[str, str], str]) -> None:
    """Sequential timings of candidate pages (median of 5 after one warm-up)."""
    print("| page | median ms | bytes |\n|---|---|---|")
    cookies: dict[str, str] = {}
    for page in SURVEY_PAGES:
        username, _, path = page.partition(":")
        if username not in cookies:
            cookies[username] = viewers_cookie(username, path)
        timings = []
        with httpx2.Client(base_url=project.url, timeout=120) as client:
            for attempt in range(6):
                started = time.perf_counter()
                response = client.get(path, headers={"Cookie": cookies[username]})
                if attempt:
                    timings.append((time.perf_counter() - started) * 1000)
        shown = f"{len(response.content):,}" if response.status_code == 200 else "HTTP "
        shown += "" if response.status_code == 200 else str(response.status_code)
        print(f"| {page} | {statistics.median(timings):.1f} | {shown} |", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.http", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--seconds", type=int, default=15, help="per run (one read, one contender)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument(
        "--only", help="comma-separated reads: ledger,pipeline,dashboard,small,large,viewer,pages"
    )
    parser.add_argument("--database", default=POSTGRES + DATABASE)
    parser.add_argument("--reseed", action="store_true", help="drop and seed the database afresh")
    parser.add_argument("--check-only", action="store_true", help="the answer check, no load")
    parser.add_argument("--survey", action="store_true", help="time candidate portal pages")
    parser.add_argument("--bench-scale-url", help="also: top-50 matching on this database")
    args = parser.parse_args(argv)
    keys = selected(set(args.only.split(",")) if args.only else None)

    ensure_postgraphile()
    if not args.check_only:
        ensure_wrk()
    prepare_database(args.database, args.reseed)
    # The servers run in sessions of their own (no terminal signal reaches them): a SIGTERM to
    # the bench ends it through the finally below, which stops them.
    if threading.current_thread() is threading.main_thread():  # (a test runs it in a thread)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="bench-http-") as scratch:
        work = Path(scratch)
        processes = Processes(work)
        try:
            _run(args, keys, processes, work)
        finally:
            processes.stop()


Results = dict[str, dict[str, list[Run]]]  # by read, by contender: one Run per round


def measure(
    reads: list[Read],
    servers: dict[str, Server],
    viewers: Viewers,
    args: argparse.Namespace,
    work: Path,
) -> Results:
    """Round after round, each read on each contender in turn."""
    results: Results = {}
    for round_number in range(1, args.rounds + 1):
        print(f"round {round_number} of {args.rounds}", file=sys.stderr)
        for read in reads:
            for contender, calls in read.calls.items():
                viewers.fresh()
                seconds = read.run_seconds(contender, args.seconds)
                run = run_wrk(servers[contender], calls, seconds, args.connections, work)
                results.setdefault(read.key, {}).setdefault(contender, []).append(run)
                print(
                    f"  {read.key} on {contender}: {run.requests_per_second:.1f} req/s "
                    f"({seconds} s)",
                    file=sys.stderr,
                )
    return results


def _run(args: argparse.Namespace, keys: list[str], processes: Processes, work: Path) -> None:
    signed_in = [] if args.survey else keys
    with contenders(args.database, processes, work, signed_in) as (servers, viewers):
        if args.survey:
            survey(
                servers["project"],
                lambda user, path: portal_cookie(servers["project"].url, user, path),
            )
            return
        facts = Facts(args.database)
        reads = [READS[key][1](viewers, facts) for key in keys]
        for read in reads:
            if read.key == "large":
                fill_large_pages(read, servers["project"].url, viewers)
        print("answer check:", file=sys.stderr)
        check_answers(reads, servers, args.database)
        if args.check_only:
            return
        load = os.getloadavg()
        results = measure(reads, servers, viewers, args, work)
        _report(args, reads, results, (load, os.getloadavg()))
    if args.bench_scale_url:
        processes.stop()  # the demo's contenders: the matching runs alone
        print(bench_scale_matching(processes, args.bench_scale_url))


def _report(args: argparse.Namespace, reads: list[Read], results: Results, loads) -> None:
    (start, end), cores = loads, os.cpu_count()
    longer = [
        f"{read.key} on {contender} {read.run_seconds(contender, args.seconds)} s"
        for read in reads
        for contender in read.calls
        if read.run_seconds(contender, args.seconds) > args.seconds
    ]
    print(
        f"{args.rounds} interleaved rounds × {args.seconds} s per read and contender"
        + (
            f" (longer where one request alone takes over 1/{RUN_PER_SOLO} of that: "
            f"{', '.join(longer)})"
            if longer
            else ""
        )
        + f", {args.connections} connections (wrk, 2 threads), {WORKERS} server processes each; "
        "req/s: median (min–max over rounds); p50 / p99: medians over rounds. "
        f"Load average {start[0]:.1f} / {start[1]:.1f} / {start[2]:.1f} at the start, "
        f"{end[0]:.1f} / {end[1]:.1f} / {end[2]:.1f} at the end, {cores} cores."
    )
    print()
    print(table(reads, results))
    print()
    viewer = results.get("viewer", {})
    for contender in ("project", "handwritten"):
        if contender in viewer:
            cpu = statistics.median(run.cpu_ms_per_request for run in viewer[contender])
            print(
                f"- server CPU per `{{ viewer {{ __typename }} }}` on {contender}: {cpu:.3f} ms "
                "(median over rounds; utime + stime of its processes from /proc/PID/stat; "
                "target ≤ 0.3 ms)"
            )
    if "handwritten" in viewer:
        runs = viewer["handwritten"]
        client = statistics.median(run.client_cpu_ms_per_request for run in runs)
        server = statistics.median(run.cpu_ms_per_request for run in runs)
        print(
            f"- the client's ceiling: on the hand-written viewer query wrk spent {client:.3f} ms "
            f"of CPU per request against the server's {server:.3f} ms (both share the 2 cores)"
        )
    print(
        "- PostGraphile applies no row rules, masking or audit: its queries state the project's "
        "row rules for each read's viewer as filters, so that it answers the same rows. "
        "–: not expressed (the dashboard's figures are the project's own aggregates; "
        "portal pages are the project's only)."
    )


if __name__ == "__main__":
    main()
