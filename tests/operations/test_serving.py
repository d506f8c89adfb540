"""`yulu serve --workers 2` as production runs it: every worker answers (connections spread over
the workers' own sockets), each froze its start-up objects and raised the gen-0 threshold,
SIGTERM stops them all cleanly; and the sockets it listens on give accepted connections
TCP_NODELAY (without it, each keep-alive response waited ~40 ms: issue 15)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx2
import orjson
import pytest

import migrations
from portal.serving import CRASH_LOOP_SECONDS, GEN0_THRESHOLD, listening_socket
from tests.conftest import create_database, drop_database
from tests.live_server import free_port
from tests.operations.conftest import yulu_environment

CONNECTIONS = 16  # all on one worker by chance: 2 × 2⁻¹⁶


async def _server_side_nodelay(listening: socket.socket) -> int:
    """TCP_NODELAY of the connection asyncio accepts from ``listening``, as uvicorn serves it
    (``loop.create_server(sock=...)``)."""
    accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def handle(_reader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()

    server = await asyncio.start_server(handle, sock=listening)
    async with server:
        _, writer = await asyncio.open_connection(*listening.getsockname())
        value = await asyncio.wait_for(accepted, 10)
        writer.close()
    return value


def test_connections_accepted_from_a_workers_socket_have_tcp_nodelay():
    assert asyncio.run(_server_side_nodelay(listening_socket("127.0.0.1", 0))) == 1
    # The cause this avoids: the socket uvicorn binds for --workers (protocol number 0).
    uvicorns = socket.socket(socket.AF_INET)
    uvicorns.bind(("127.0.0.1", 0))
    assert asyncio.run(_server_side_nodelay(uvicorns)) == 0


def _log_lines(stderr: str) -> list[dict]:
    return [orjson.loads(line) for line in stderr.splitlines() if line.startswith("{")]


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory) -> Iterator[tuple[subprocess.Popen, str, object]]:
    workdir = tmp_path_factory.mktemp("serving")
    url = asyncio.run(create_database(workdir))
    migrations.upgrade(url)
    port = free_port()
    log_file = workdir / "stderr.log"
    with log_file.open("w") as stderr:
        server = subprocess.Popen(
            [sys.executable, "-m", "portal.cli", "serve", "--port", str(port), "--workers", "2"],
            env=yulu_environment(url),
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        deadline = time.monotonic() + 120
        while (
            sum(line["message"] == "worker listening" for line in _log_lines(log_file.read_text()))
            < 2
        ):
            assert server.poll() is None, log_file.read_text()
            assert time.monotonic() < deadline, "the workers did not come up"
            time.sleep(0.2)
        yield server, f"http://127.0.0.1:{port}", log_file
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(30)
        asyncio.run(drop_database(url))


def _pid_of(log_file, request_id: str) -> int:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for line in _log_lines(log_file.read_text()):
            if line.get("request_id") == request_id and line["logger"] == "yulu.request":
                return line["pid"]
        time.sleep(0.05)
    raise AssertionError(f"no request line for {request_id}")


def test_keep_alive_connections_are_answered_by_both_workers(two_workers):
    server, base, log_file = two_workers
    started = [
        line for line in _log_lines(log_file.read_text()) if line["message"] == "worker listening"
    ]
    workers = {line["pid"] for line in started}
    assert len(workers) == 2 and server.pid not in workers
    clients = [httpx2.Client(base_url=base) for _ in range(CONNECTIONS)]  # a connection each
    try:
        answered = []
        for client in clients:
            for _ in range(2):  # the second request rides the same kept-alive connection
                request_id = uuid.uuid4().hex
                assert client.get("/livez", headers={"X-Request-ID": request_id}).status_code == 200
                answered.append(request_id)
    finally:
        for client in clients:
            client.close()
    pids = [_pid_of(log_file, request_id) for request_id in answered]
    assert set(pids) == workers
    assert all(pids[i] == pids[i + 1] for i in range(0, len(pids), 2))  # kept alive: same worker


def test_each_worker_froze_its_start_up_and_raised_the_gen0_threshold(two_workers):
    _, _, log_file = two_workers
    started = [
        line for line in _log_lines(log_file.read_text()) if line["message"] == "worker listening"
    ]
    assert len(started) == 2
    for line in started:
        assert line["gc_frozen"] > 100_000  # the app, the schema, every imported module
        assert line["gc_threshold"] == [GEN0_THRESHOLD, 10, 10]


def test_a_worker_that_dies_is_replaced(two_workers):
    server, base, log_file = two_workers
    first = _listening(log_file)
    # Past the crash-loop window of both workers (counted by the supervisor from their spawn,
    # which precedes their "worker listening" line): a death inside it stops the service.
    listening_at = max(
        datetime.fromisoformat(line["time"])
        for line in _log_lines(log_file.read_text())
        if line["message"] == "worker listening"
    )
    time.sleep(
        max(0.0, CRASH_LOOP_SECONDS + 1 - (datetime.now(UTC) - listening_at).total_seconds())
    )
    os.kill(first[0], signal.SIGKILL)
    deadline = time.monotonic() + 120
    while len(_listening(log_file)) < 3:
        assert server.poll() is None, log_file.read_text()
        assert time.monotonic() < deadline, "no worker replaced the one that died"
        time.sleep(0.2)
    (replacement,) = set(_listening(log_file)) - set(first)
    answered = set()
    for _ in range(CONNECTIONS):
        with httpx2.Client(base_url=base) as client:
            request_id = uuid.uuid4().hex
            assert client.get("/livez", headers={"X-Request-ID": request_id}).status_code == 200
            answered.add(_pid_of(log_file, request_id))
    assert answered == {first[1], replacement}


def _listening(log_file) -> list[int]:
    lines = _log_lines(log_file.read_text())
    return [line["pid"] for line in lines if line["message"] == "worker listening"]


def test_sigterm_stops_every_worker_and_the_parent_cleanly(two_workers):
    server, _, log_file = two_workers
    server.send_signal(signal.SIGTERM)
    assert server.wait(timeout=60) == 0
    finished = [
        line
        for line in _log_lines(log_file.read_text())
        if line["message"].startswith("Finished server process")
    ]
    assert len(finished) == 2


def test_yulu_serve_with_workers_refuses_unsafe_settings_in_our_words(tmp_path):
    env = yulu_environment(
        f"sqlite+aiosqlite:///{tmp_path / 'never-opened.db'}", YULU_PRODUCTION="1"
    )
    refused = subprocess.run(
        [sys.executable, "-m", "portal.cli", "serve", "--port", str(free_port()), "--workers", "2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode != 0
    assert "YULU_SECRET_KEY" in refused.stderr and "Traceback" not in refused.stderr
    assert not (tmp_path / "never-opened.db").exists()


def test_a_port_in_use_is_refused_not_shared(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        refused = subprocess.run(
            [sys.executable, "-m", "portal.cli", "serve", "--port", str(port), "--workers", "2"],
            env=yulu_environment(f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}"),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert refused.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}" in refused.stderr
    assert "Traceback" not in refused.stderr
