"""Background jobs: claimed once however many processes race for them, taken up again when the
process running them died, run under their user's rules, and an import committed only when
its check found nothing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import REGISTRY
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from models.db import session_factory
from models.jobs import Job, JobState, JobStep
from models.organisations import User
from models.people import Person, StudentRecord
from models.tracking import FollowUp
from portal.app import job_worker
from portal.observability import trace_sql, tracer_of
from resolvers import jobs, ledgers
from tests.ledgers.files import valid_id, workbook


async def _user(engine: AsyncEngine, username: str) -> User:
    async with session_factory(engine)() as session:
        return (await session.scalars(select(User).where(User.username == username))).one()


async def _submit(engine: AsyncEngine, username: str, kind: str, data: bytes) -> int:
    user = await _user(engine, username)
    async with session_factory(engine)() as session:
        job = await jobs.submit(
            session,
            user_id=user.id,
            scopes="alliance:read alliance:write personal:read",
            kind=kind,
            step=JobStep.CHECK,
            file_name="test.xlsx",
            payload=data,
        )
        await session.commit()
        return job.id


async def _job(engine: AsyncEngine, job_id: int) -> Job:
    async with session_factory(engine)() as session:
        return await session.get(Job, job_id)


def _census_file(*id_numbers: str) -> bytes:
    headers = [field.header for field in ledgers.CENSUS.fields]
    values = {
        "户籍地代码": "500229",
        "家庭类别": "脱贫户",
        "摸底年份": 2026,
        "愿意就读职业院校": "是",
    }
    rows = [
        [{"姓名": f"作业{i}", "身份证号": number, **values}.get(h, "") for h in headers]
        for i, number in enumerate(id_numbers)
    ]
    return workbook(headers, rows)


async def test_of_two_processes_racing_for_a_job_exactly_one_gets_it(engine: AsyncEngine) -> None:
    job_id = await _submit(engine, "county", "census", _census_file())
    sessions = session_factory(engine)

    async def claim(worker: str) -> bool:
        async with sessions() as session:
            return await jobs.claim(session, job_id, worker)

    assert sorted(await asyncio.gather(claim("a"), claim("b"), claim("c"))) == [False, False, True]
    job = await _job(engine, job_id)
    assert job.state == JobState.RUNNING and job.attempts == 1


async def test_a_running_job_whose_process_died_is_taken_up_again(engine: AsyncEngine) -> None:
    job_id = await _submit(engine, "county", "census", _census_file())
    sessions = session_factory(engine)
    async with sessions() as session:
        assert await jobs.claim(session, job_id, "gone")
    async with sessions() as session:
        assert job_id not in await jobs.claimable(session)  # its heartbeat is fresh
        stale = datetime.now(UTC) - jobs.STALE_AFTER - timedelta(seconds=1)
        await session.execute(update(Job).where(Job.id == job_id).values(heartbeat_at=stale))
        await session.commit()
        assert job_id in await jobs.claimable(session)
    # A worker starting now (the restart) takes it up and runs it to the end.
    await job_worker(sessions).run_pending()
    job = await _job(engine, job_id)
    assert job.state == JobState.DONE and job.attempts == 2 and job.result["ok"]


async def test_a_check_lists_the_problems_and_a_clean_file_is_committed(
    engine: AsyncEngine,
) -> None:
    sessions = session_factory(engine)
    good = valid_id("500229", "20110909", 800)
    broken = valid_id("500229", "20110910", 801)[:-1] + "Z"
    job_id = await _submit(engine, "county", "census", _census_file(good, broken))
    await job_worker(sessions).run_pending()
    job = await _job(engine, job_id)
    assert job.state == JobState.DONE and not job.result["ok"]
    assert [(p["row"], p["column"]) for p in job.result["problems"]] == [(3, "身份证号")]
    async with sessions() as session:
        # A file with problems is never committed, even when asked.
        assert await jobs.requeue(session, job_id, from_step=JobStep.CHECK, to_step=JobStep.COMMIT)
        await session.commit()
    await job_worker(sessions).run_pending()
    job = await _job(engine, job_id)
    assert job.state == JobState.FAILED and not job.result["committed"]
    async with sessions() as session:
        assert (
            await session.scalar(
                select(func.count()).select_from(Person).where(Person.id_number == good)
            )
            == 0
        )


async def test_a_job_runs_under_its_users_rules(engine: AsyncEngine) -> None:
    """A school's follow-ups job writes its own students only; the commit is all or nothing."""
    sessions = session_factory(engine)
    school = (await _user(engine, "school")).organisation_id
    async with sessions() as session:
        own = await session.scalar(
            select(Person.id_number)
            .join(StudentRecord, StudentRecord.person_id == Person.id)
            .where(StudentRecord.school_id == school)
            .order_by(Person.id.desc())
            .limit(1)
        )
        before = await session.scalar(select(func.count()).select_from(FollowUp))
    headers = [field.header for field in ledgers.FOLLOW_UPS.fields]
    row = {"身份证号": own, "回访日期": "2019-03-04", "就业状态": "升学"}
    job_id = await _submit(
        engine, "school", "follow-ups", workbook(headers, [[row.get(h, "") for h in headers]])
    )
    worker = job_worker(sessions)
    await worker.run_pending()
    async with sessions() as session:
        assert await jobs.requeue(session, job_id, from_step=JobStep.CHECK, to_step=JobStep.COMMIT)
        await session.commit()
    await worker.run_pending()
    job = await _job(engine, job_id)
    assert (
        job.state == JobState.DONE
        and job.result["committed"]
        and job.result["counts"]["create"] == 1
    )
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(FollowUp)) == before + 1
        # A committed job is not committed twice.
        assert not await jobs.requeue(
            session, job_id, from_step=JobStep.CHECK, to_step=JobStep.COMMIT
        )
    # An enterprise's census job is refused as the API refuses the census mutation to it.
    refused = await _submit(
        engine, "enterprise", "census", _census_file(valid_id("500229", "20110911", 802))
    )
    await worker.run_pending()
    job = await _job(engine, refused)
    assert job.state == JobState.FAILED and job.error == "您的角色无权查看或办理此项。"


async def test_a_job_is_one_trace_of_its_own_and_an_empty_look_for_work_traces_nothing(
    engine: AsyncEngine,
) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace_sql(engine, provider)
    sessions = session_factory(engine)
    worker = job_worker(sessions, tracer_of(provider, "yulu.jobs"))
    await worker.run_pending()  # whatever earlier tests left queued
    exporter.clear()
    assert await worker.run_pending() == 0
    assert list(exporter.get_finished_spans()) == []  # a look that found nothing: no span

    job_id = await _submit(
        engine, "county", "census", _census_file(valid_id("500229", "20110912", 803))
    )
    exporter.clear()
    runs = {"job": "ledger-check", "outcome": "ok"}
    before = REGISTRY.get_sample_value("yulu_job_runs_total", runs) or 0.0
    assert await worker.run_pending() == 1
    spans = exporter.get_finished_spans()
    (job,) = [span for span in spans if span.name == "job check"]
    assert job.parent is None and job.attributes["yulu.job.id"] == job_id
    statements = [span for span in spans if span is not job]
    assert statements, "the job's own statements are traced"
    assert {span.context.trace_id for span in statements} == {job.context.trace_id}
    assert REGISTRY.get_sample_value("yulu_job_runs_total", runs) == before + 1
