"""Item 5: Argon2 runs off the event loop, so wrong sign-ins cannot stall the service.

Eight wrong sign-ins are sent at once and, while they run, the liveness probe is asked again
and again, each probe sent when the previous one is answered. Each Argon2 check costs tens of
milliseconds of CPU (far more on a loaded machine). With the checks on the event loop, a probe
is answered only between two checks: in ten trial runs (2 cores, load average 6–7) 39 to 118
probes in all while the eight sign-ins ran. In the hashing thread the loop stays free: 681 to
1,075 in five runs. Counted, not timed:
at least twenty probes per sign-in must be answered before the last sign-in is.
"""

from __future__ import annotations

import asyncio
import time

import httpx2
import pytest

import migrations
from models.settings import get_settings
from portal.app import create_app
from tests.auth.oauth_client import CSRF
from tests.conftest import create_database, drop_database
from tests.live_server import free_port, serving

pytestmark = pytest.mark.db
SIGN_INS = 8
PROBES_PER_SIGN_IN = 20


@pytest.fixture(scope="module")
async def signin_server(tmp_path_factory):
    """A fresh database: no earlier test's failures from 127.0.0.1 lock these sign-ins out."""
    url = await create_database(tmp_path_factory.mktemp("nonblocking"))
    await asyncio.to_thread(migrations.upgrade, url)
    port = free_port()
    settings = get_settings().replace(database_url=url, issuer=f"http://127.0.0.1:{port}")
    with serving(create_app(settings), port) as base:
        yield base
    await drop_database(url)


async def wrong_sign_in(base: str, number: int) -> float:
    """A whole wrong sign-in (each its own browser and username); when it was answered."""
    async with httpx2.AsyncClient(base_url=base, timeout=60) as browser:
        page = await browser.get("/signin")
        form = {
            "csrf_token": CSRF.search(page.text).group(1),
            "username": f"nobody-{number}",
            "password": "wrong",
            "next": "/",
        }
        answer = await browser.post("/signin", data=form)
    assert answer.status_code == 400
    return time.perf_counter()


async def test_liveness_is_answered_while_wrong_sign_ins_run(signin_server):
    sign_ins = [asyncio.create_task(wrong_sign_in(signin_server, n)) for n in range(SIGN_INS)]
    waits: list[float] = []
    async with httpx2.AsyncClient(base_url=signin_server, timeout=60) as probe:
        while not all(task.done() for task in sign_ins):
            started = time.perf_counter()
            assert (await probe.get("/livez")).status_code == 200
            if not all(task.done() for task in sign_ins):  # answered while sign-ins still ran
                waits.append(time.perf_counter() - started)
    await asyncio.gather(*sign_ins)
    # On the loop, a probe gets in only between two checks: about one per check, each after
    # waiting for a check. Off the loop, the probes are answered all along.
    assert len(waits) >= PROBES_PER_SIGN_IN * SIGN_INS, (len(waits), sorted(waits)[-8:])
