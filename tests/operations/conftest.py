"""`yulu serve` as an operator starts it, on a migrated database of its own, its standard error
(the JSON log lines) kept in a file the tests read."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import orjson
import pytest

import migrations
from auth import admin
from models.db import create_engine, session_factory
from models.organisations import Role
from models.settings import get_settings
from portal.app import create_app
from tests.conftest import create_database, drop_database
from tests.live_server import free_port, serving

DEMO_PASSWORD = "yulu-demo-2026"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
OPERATOR = "ops-operator"
OPERATOR_PASSWORD = "operations-test-password"


@dataclass
class Served:
    url: str
    database_url: str
    log_file: Path

    def log_lines(self) -> list[dict[str, Any]]:
        lines = self.log_file.read_text(encoding="utf-8").splitlines()
        return [orjson.loads(line) for line in lines if line.startswith("{")]

    def lines_of(self, request_id: str) -> list[dict[str, Any]]:
        return [line for line in self.log_lines() if line.get("request_id") == request_id]

    def wait_for_request_line(self, request_id: str) -> dict[str, Any]:
        """The request's log line, written once the response is sent."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            found = [line for line in self.lines_of(request_id) if line["logger"] == "yulu.request"]
            if found:
                assert len(found) == 1, found
                return found[0]
            time.sleep(0.05)
        raise AssertionError(f"no request line for {request_id}: {self.log_lines()[-5:]}")


def yulu_environment(database_url: str, **settings: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("YULU_")}
    return {**env, "YULU_DATABASE_URL": database_url, **settings}


async def _with_operator(url: str) -> None:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            await session.run_sync(admin.create_user, OPERATOR, OPERATOR_PASSWORD, role=Role.ADMIN)
            await session.commit()
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[Served]:
    """A migrated (not seeded) database with one admin account, served by `yulu serve`."""
    workdir = tmp_path_factory.mktemp("operations")
    url = asyncio.run(create_database(workdir))
    migrations.upgrade(url)
    asyncio.run(_with_operator(url))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_file = workdir / "stderr.log"
    with log_file.open("w") as stderr:
        server = subprocess.Popen(
            [sys.executable, "-m", "portal.cli", "serve", "--port", str(port)],
            env=yulu_environment(url, YULU_ISSUER=base),
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, log_file.read_text()
            try:
                if httpx2.get(f"{base}/livez").status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            assert time.monotonic() < deadline, "yulu serve did not come up"
            time.sleep(0.2)
        yield Served(base, url, log_file)
    finally:
        server.terminate()
        server.wait(timeout=30)
        asyncio.run(drop_database(url))


@pytest.fixture(scope="module")
def portal(seeded_url) -> Iterator[str]:
    port = free_port()
    settings = get_settings().replace(database_url=seeded_url, issuer=f"http://127.0.0.1:{port}")
    with serving(create_app(settings), port) as url:
        yield url


def signed_in(portal: str, username: str, landing: str) -> httpx2.Client:
    """A browser signed in through the portal's own authorization-code flow."""
    browser = httpx2.Client(
        base_url=portal,
        follow_redirects=True,
        timeout=30,
        headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"},  # as a browser asks
    )
    page = browser.get(landing)
    answer = browser.post(
        "/signin",
        data={
            "csrf_token": CSRF.search(page.text).group(1),
            "username": username,
            "password": DEMO_PASSWORD,
            "next": page.url.params["next"],
        },
    )
    assert answer.url.path == landing, answer.url
    return browser
