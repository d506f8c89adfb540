"""bench/http.py's answer check, run for real so that the bench cannot rot: the project
(production settings, 2 workers), PostGraphile 4 and the hand-written endpoint started over a
fresh PostgreSQL database at test scale, viewers signed in over HTTP, and every GraphQL read
answered with the same rows by each (the hand-written JSON and audit records exactly the
project's). No load: the bench's numbers are its own business, not a test's."""

from __future__ import annotations

import asyncio
import os
import shutil

import pytest

import migrations
from bench import http
from seeds import loader
from tests.conftest import create_database, drop_database

live = [
    pytest.mark.db,
    pytest.mark.skipif(shutil.which("node") is None, reason="PostGraphile needs Node"),
    pytest.mark.skipif(
        not os.environ.get("YULU_TEST_DATABASE_URL", "").startswith("postgresql"),
        reason="PostgreSQL only (PostGraphile and the hand-written endpoint): make test's "
        "PostgreSQL pass runs it",
    ),
]

GRAPHQL_READS = "ledger,pipeline,small,large,viewer"


@pytest.fixture
async def bench_url(tmp_path):
    url = await create_database(tmp_path)
    await asyncio.to_thread(migrations.upgrade, url)
    await loader.seed(url, "test")
    yield url
    await drop_database(url)
    http.forget_secrets(url)


@live[0]
@live[1]
@live[2]
async def test_every_contender_answers_the_same_rows(bench_url, capsys):
    await asyncio.to_thread(
        http.main, ["--check-only", "--database", bench_url, "--only", GRAPHQL_READS]
    )

    checked = capsys.readouterr().err
    for read in GRAPHQL_READS.split(","):
        assert f"  {read}: same rows from project, handwritten" in checked
    assert "ledger: same rows from project, handwritten, postgraphile; " in checked
    # The school officer reads its own students in clear: both write one record per person.
    assert "; 0 audit records each" not in checked.partition("ledger:")[2].splitlines()[0]


LEDGER = [{"persons": {"totalCount": 2, "edges": [{"node": {"id": "UGVyc29uOjE="}}]}}]
POSTGRAPHILE_LEDGER = [{"allPeople": {"totalCount": 2, "nodes": [{"id": 1}]}}]


def test_the_same_rows_pass():
    read = http.Read("ledger", "ledger", {}, http._ledger_rows)
    answers = {"project": LEDGER, "handwritten": LEDGER, "postgraphile": POSTGRAPHILE_LEDGER}
    http.compare(
        read, answers, {"project": [("SchoolLedger", 1)], "handwritten": [("SchoolLedger", 1)]}
    )


def test_other_rows_from_postgraphile_stop_the_run():
    read = http.Read("ledger", "ledger", {}, http._ledger_rows)
    other = [{"allPeople": {"totalCount": 2, "nodes": [{"id": 2}]}}]
    with pytest.raises(SystemExit, match="postgraphile's rows differ"):
        http.compare(read, {"project": LEDGER, "postgraphile": other}, {"project": []})


def test_other_json_or_audit_from_the_hand_written_endpoint_stops_the_run():
    read = http.Read("ledger", "ledger", {}, http._ledger_rows)
    renamed = [{"persons": {**LEDGER[0]["persons"], "totalCount": 3}}]
    with pytest.raises(
        SystemExit, match=r"hand-written JSON differs: \[0\]\.persons\.totalCount: project .2."
    ):
        http.compare(read, {"project": LEDGER, "handwritten": renamed}, {})
    unaudited = {"project": [("SchoolLedger", 1)], "handwritten": []}
    with pytest.raises(SystemExit, match="audit records differ"):
        http.compare(read, {"project": LEDGER, "handwritten": LEDGER}, unaudited)
