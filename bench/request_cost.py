"""Server CPU per request through the whole ASGI app in-process (every middleware, the bearer
token's verification, GraphQL, the response), measured with getrusage, not with a timer: the
machine is shared, and CPU time is what the other requests of a worker wait for. Prints a table;
not a test.

    .venv/bin/python -m bench.request_cost --url postgresql+asyncpg://postgres@127.0.0.1/yulu_demo
    .venv/bin/python -m bench.request_cost --url ... --against /tmp/main-checkout
    .venv/bin/python -m bench.request_cost --url ... --read large --gc 700 --gc 50000

Seed the database first (`yulu migrate && yulu seed --scale demo`). Each run is a fresh process
(``--measure``, below) that builds the app of a code tree (this checkout, or ``--against`` another
checkout of the project: the "before"), signs a real access token for a demo account with the
database's key, warms up, then sends the read ``--requests`` times, one at a time. Contenders run
interleaved, ``--rounds`` times each (``--concurrency``: that many requests in flight at
once, as a worker serving several connections has); the table shows the median and the spread (min–max) of the
runs, per request: CPU µs, SQL statements, and gen-0 collections of the garbage collector.

``--gc N`` runs the contender with ``gc.set_threshold(N)`` and ``gc.freeze()`` after start-up, as
``yulu serve`` does (portal.serving); without it each tree runs as its own ``yulu serve`` would
(Python's default threshold where the tree has no portal.serving).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
READS = {
    # The fixed cost: nothing to resolve but the viewer the token proves.
    "viewer": ("county", "{ viewer { __typename } }"),
    # The same without the viewer field (resolvers.viewer.me reads user, organisation, region).
    "typename": ("county", "{ __typename }"),
    # A page of the issue's large nested read, as bench/http.py reads it (the cost limit
    # refuses all 360 positions in one request): positions × their applications × applicant.
    "large": (
        "city",
        "{ positions(first: 72) { edges { node { id title state "
        "applications { id stage person { id name } } } } } }",
    ),
}


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _token(app, username: str) -> str:
    from sqlalchemy import select

    from auth.tokens import issue_access_token
    from models.organisations import User

    def issue(session) -> str:
        user = session.scalars(select(User).where(User.username == username)).one()
        return issue_access_token(
            session,
            app.state.auth.config,
            user=user,
            client_id="bench",
            subject=str(user.id),
            scope="read write personal profile",
        ).access_token

    async with app.state.sessions() as session:
        token = await session.run_sync(issue)
        await session.commit()
    return token


async def _post(app, token: str, body: bytes) -> int:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1:8000"),
            (b"authorization", f"Bearer {token}".encode()),
            (b"content-type", b"application/json"),
            (b"accept", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    status = 0

    async def receive():
        return messages.pop() if messages else {"type": "http.disconnect"}

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def _measure(
    url: str, read: str, requests: int, concurrency: int, threshold: int | None
) -> dict:
    from sqlalchemy import event

    import portal
    from models.settings import get_settings
    from portal.app import create_app

    app = create_app(get_settings().replace(database_url=url))
    statements = 0

    def count(*_args) -> None:
        nonlocal statements
        statements += 1

    event.listen(app.state.engine.sync_engine, "before_cursor_execute", count)
    username, query = READS[read]
    token = await _token(app, username)
    body = json.dumps({"query": query}).encode()
    if threshold is not None:
        gc.collect()
        gc.freeze()
        gc.set_threshold(threshold)
    elif (Path(portal.__file__).parent / "serving.py").exists():  # else: Python's defaults
        # (the file checked, not the import: the venv's editable install would find this
        # checkout's portal.serving for a tree that has none)
        from portal.serving import tune_gc

        tune_gc()
    for _ in range(max(20, requests // 10)):  # warm: caches, the pool, first-call imports
        assert await _post(app, token, body) == 200
    statements = 0
    collections = gc.get_stats()[0]["collections"]
    cpu = _cpu_seconds()
    for _ in range(requests // concurrency):  # in waves: `concurrency` requests in flight
        await asyncio.gather(*(_post(app, token, body) for _ in range(concurrency)))
    cpu = _cpu_seconds() - cpu
    requests = requests // concurrency * concurrency
    await app.state.engine.dispose()
    return {
        "cpu_us": cpu / requests * 1e6,
        "statements": statements / requests,
        "gen0": (gc.get_stats()[0]["collections"] - collections) / requests,
        "threshold": gc.get_threshold()[0],
    }


def _run(tree: Path, args: argparse.Namespace, threshold: int | None) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--measure", "--url", args.url]
    command += ["--read", args.read, "--requests", str(args.requests)]
    command += ["--concurrency", str(args.concurrency)]
    if threshold is not None:
        command += ["--gc", str(threshold)]
    env = {**os.environ, "PYTHONPATH": str(tree)}  # ahead of the venv's own editable install
    done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{tree}: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _spread(values: list[float], digits: int) -> str:
    return (
        f"{statistics.median(values):.{digits}f} "
        f"({min(values):.{digits}f}–{max(values):.{digits}f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--read", choices=sorted(READS), default="viewer")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=1, help="requests in flight at once")
    parser.add_argument("--against", type=Path, help="another checkout: the 'before'")
    parser.add_argument("--gc", type=int, action="append", help="gen-0 threshold to compare")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        threshold = args.gc[0] if args.gc else None
        print(
            json.dumps(
                asyncio.run(
                    _measure(args.url, args.read, args.requests, args.concurrency, threshold)
                )
            )
        )
        return
    contenders = [("this checkout", HERE, None)]
    if args.against:
        contenders.insert(0, (f"{args.against}", args.against.resolve(), None))
    if args.gc:
        contenders = [(f"{name}, gc {n}", tree, n) for name, tree, _ in contenders for n in args.gc]
    runs: dict[str, list[dict]] = {name: [] for name, _, _ in contenders}
    for _ in range(args.rounds):
        for name, tree, threshold in contenders:
            runs[name].append(_run(tree, args, threshold))
    print(
        f"{args.read}: {args.requests} requests per run ({args.concurrency} at a time), "
        f"{args.rounds} interleaved runs each"
    )
    print("| contender | CPU µs / request | SQL / request | gen-0 GCs / request | threshold |")
    print("|---|---|---|---|---|")
    for name, results in runs.items():
        cpu = _spread([r["cpu_us"] for r in results], 0)
        sql = _spread([r["statements"] for r in results], 2)
        gen0 = _spread([r["gen0"] for r in results], 2)
        print(f"| {name} | {cpu} | {sql} | {gen0} | {results[0]['threshold']} |")


if __name__ == "__main__":
    main()
