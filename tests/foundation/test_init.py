"""`yulu init` on an empty, migrated database, typed at a real terminal (a pty): the reference
data alone and the first administrator, whose password is asked twice and never echoed nor taken
from the command line."""

from __future__ import annotations

import asyncio
import csv
import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func
from sqlalchemy import select as sql_select

import migrations
from auth.passwords import verify_password
from models.db import create_engine
from models.organisations import Organisation, Role, User
from models.people import Person
from models.regions import Region

PASSWORD = "first-day-passphrase-2026"
REFERENCE = Path(__file__).parents[2] / "seeds" / "reference"


def _at_terminal(database_url: str, *args: str, answers: list[str]) -> tuple[int, str]:
    """Run ``yulu`` with a pty as its controlling terminal; each answer is typed after the next
    prompt (a line ending in ': '). Returns the exit status and everything the terminal showed."""
    pid, terminal = pty.fork()
    if pid == 0:  # the child: `yulu ...` at the terminal
        os.environ["YULU_DATABASE_URL"] = database_url
        os.execv(sys.executable, [sys.executable, "-m", "portal.cli", *args])
    shown, pending, deadline = b"", list(answers), time.monotonic() + 60
    answered_at = 0  # a prompt counts once: only text shown after the last answer
    while time.monotonic() < deadline:
        ready, _, _ = select.select([terminal], [], [], 1)
        if not ready:
            continue
        try:
            chunk = os.read(terminal, 4096)
        except OSError:  # the child closed the terminal: it has exited
            break
        if not chunk:
            break
        shown += chunk
        # getpass turns echo off (flushing typed-ahead input) before it shows the prompt.
        if pending and shown[answered_at:].strip() and shown.endswith(b": "):
            os.write(terminal, pending.pop(0).encode() + b"\n")
            answered_at = len(shown)
    else:
        os.kill(pid, signal.SIGKILL)  # waiting for an answer the test never meant to give
    _, status = os.waitpid(pid, 0)
    os.close(terminal)
    return os.waitstatus_to_exitcode(status), shown.decode(errors="replace")


async def _counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return {
                model.__tablename__: (
                    await connection.execute(sql_select(func.count()).select_from(model))
                ).scalar_one()
                for model in (Region, Organisation, Person, User)
            }
    finally:
        await engine.dispose()


async def _users(url: str) -> list[tuple[str, Role, str]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                sql_select(User.username, User.role, User.password_hash)
            )
            return [(row.username, row.role, row.password_hash) for row in rows]
    finally:
        await engine.dispose()


def _csv_rows(name: str) -> int:
    with (REFERENCE / name).open(encoding="utf-8") as file:
        return sum(1 for _ in csv.DictReader(file))


async def test_init_loads_reference_data_and_the_first_administrator(empty_url: str) -> None:
    await asyncio.to_thread(migrations.upgrade, empty_url)
    status, shown = await asyncio.to_thread(
        _at_terminal, empty_url, "init", "--admin", "founder", answers=[PASSWORD, PASSWORD]
    )
    assert status == 0, shown
    assert PASSWORD not in shown, "the password was echoed"
    counts = await _counts(empty_url)
    assert counts["organisations"] == 0 and counts["persons"] == 0, "init loads no demo data"
    assert counts["regions"] > 1_000  # provinces, cities and counties of the covered provinces
    [(username, role, password_hash)] = await _users(empty_url)
    assert (username, role) == ("founder", Role.ADMIN)
    assert verify_password(password_hash, PASSWORD)
    assert f"{_csv_rows('majors.csv')} majors" in shown
    assert f"{_csv_rows('occupations.csv')} occupations" in shown

    again, shown = await asyncio.to_thread(
        _at_terminal, empty_url, "init", answers=[PASSWORD, PASSWORD]
    )
    assert again != 0 and "empty database" in shown
    assert "密码" not in shown, "a database that is not empty is refused before any prompt"
    assert len(await _users(empty_url)) == 1
    # `make serve` runs `yulu seed --if-empty`: an alliance started with init gets no demo.
    seeded = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "portal.cli", "seed", "--if-empty"],
        env={**os.environ, "YULU_DATABASE_URL": empty_url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert seeded.returncode == 0 and "seed skipped" in seeded.stdout, seeded.stderr
    assert (await _counts(empty_url))["persons"] == 0


async def test_init_refuses_weak_or_differing_passwords_and_writes_nothing(
    empty_url: str,
) -> None:
    await asyncio.to_thread(migrations.upgrade, empty_url)
    for answers, said in (
        (["short-11chr", "short-11chr"], "at least 12 characters"),
        ([PASSWORD, PASSWORD + "x"], "passwords differ"),
    ):
        status, shown = await asyncio.to_thread(_at_terminal, empty_url, "init", answers=answers)
        assert status != 0 and said in shown, shown
        assert await _counts(empty_url) == {
            "regions": 0,
            "organisations": 0,
            "persons": 0,
            "users": 0,
        }


def test_init_takes_no_password_argument(tmp_path: Path) -> None:
    status, shown = _at_terminal(
        f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}", "init", "--password", PASSWORD, answers=[]
    )
    assert status == 2 and "unrecognized arguments" in shown
