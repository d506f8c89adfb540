"""The cross-subgraph query through Hive Gateway vs the same data fetched from each subgraph
directly (what a client without a gateway would do: the alliance query, then one ``_entities``
call to each partner, one after the other).

    .venv/bin/python -m bench.federation [--scale test|demo] [--runs 50]

Starts everything on free loopback ports over a fresh SQLite database and prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx2

import migrations
from gateway.local import Federation, running_federation
from models.settings import get_settings
from seeds import loader
from tests.federation.queries import (
    ALLIANCE_PART,
    EMPLOYMENT_VERIFICATION,
    INSURED_ENTITIES,
    POSTINGS_ENTITIES,
    gateway_signature,
    representations,
)
from tests.tokens import mint_access_token

FIRST = 40
WARM_UP = 5


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.federation")
    parser.add_argument("--scale", choices=("test", "demo"), default="test")
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        database_url = f"sqlite+aiosqlite:///{Path(workdir) / 'alliance.db'}"
        migrations.upgrade(database_url)
        asyncio.run(loader.seed(database_url, args.scale))
        with running_federation(
            database_url, Path(workdir), args.scale, get_settings().secret_key
        ) as federation:
            token = asyncio.run(mint_access_token(federation.auth_config(), database_url, "city"))
            report(federation, token, args.runs)


def report(federation: Federation, token: str, runs: int) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx2.Client(headers=headers, timeout=30) as client:
        ways = {
            "through Hive Gateway": lambda: through_gateway(client, federation),
            "direct, 3 calls in sequence": lambda: direct(client, federation),
        }
        print(f"EmploymentVerification, first {FIRST} graduates, {runs} runs each (ms)")
        print(f"{'':32}{'median':>8}{'p95':>8}{'mean':>8}")
        for name, fetch in ways.items():
            timings = measure(fetch, runs)
            p95 = statistics.quantiles(timings, n=20)[-1]
            print(
                f"{name:32}{statistics.median(timings):8.1f}{p95:8.1f}{statistics.fmean(timings):8.1f}"
            )


def measure(fetch: Callable[[], None], runs: int) -> list[float]:
    for _ in range(WARM_UP):
        fetch()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        fetch()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def graphql(
    client: httpx2.Client, url: str, query: str, variables: dict, signed_with: str | None = None
) -> dict:
    extensions = (
        {"hmac-signature": gateway_signature(signed_with, query, variables)} if signed_with else {}
    )
    body = client.post(
        f"{url}/graphql", json={"query": query, "variables": variables, "extensions": extensions}
    ).json()
    if body.get("errors"):
        raise RuntimeError(body["errors"])
    return body["data"]


def through_gateway(client: httpx2.Client, federation: Federation) -> None:
    graphql(client, federation.gateway_url, EMPLOYMENT_VERIFICATION, {"first": FIRST})


def direct(client: httpx2.Client, federation: Federation) -> None:
    persons = [
        edge["node"]
        for edge in graphql(client, federation.alliance_url, ALLIANCE_PART, {"first": FIRST})[
            "persons"
        ]["edges"]
    ]
    employer_ids = sorted(
        {r["employer"]["id"] for p in persons for r in p["employmentRecords"] if r["employer"]}
    )
    # The partners answer only what the gateway signed: signed here as the gateway would.
    graphql(
        client,
        federation.partner_urls["social_insurance"],
        INSURED_ENTITIES,
        {"representations": representations("Person", [person["id"] for person in persons])},
        federation.gateway_secret,
    )
    graphql(
        client,
        federation.partner_urls["job_board"],
        POSTINGS_ENTITIES,
        {"representations": representations("Organisation", employer_ids)},
        federation.gateway_secret,
    )


if __name__ == "__main__":
    main()
