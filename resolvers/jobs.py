"""Background jobs (models.jobs): queue, claim, report progress, finish — and the worker.

A worker claims a job with one conditional UPDATE (``claim``): the row changes only if it is
still queued, or running with a heartbeat older than ``STALE_AFTER`` (its process died), so of
two processes racing for a job exactly one gets it. At start a worker takes up every queued job
and every stale running one, so a restart loses nothing: a job's work runs in one transaction
(an import commits all or nothing), and a job interrupted half-way simply runs again.

Each job runs under its user's rules: the viewer is rebuilt from the user row and the scopes
stored on the job (auth.acting), as the portal would build it from a token of theirs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from opentelemetry import trace
from opentelemetry.instrumentation.utils import suppress_instrumentation
from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.acting import viewer_of
from auth.viewer import Viewer
from models.jobs import Job, JobState, JobStep
from models.metrics import track_job
from models.organisations import User

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(seconds=60)
"""A running job whose heartbeat is older than this belongs to a process that is gone."""
HEARTBEAT_EVERY = 2.0  # seconds between progress writes while a job runs
POLL_EVERY = 1.0  # seconds between looks for new work when the queue is empty


def _now() -> datetime:
    return datetime.now(UTC)


async def submit(
    session: AsyncSession,
    *,
    user_id: int,
    scopes: str,
    kind: str,
    step: JobStep,
    file_name: str,
    payload: bytes | None = None,
    arguments: dict[str, Any] | None = None,
) -> Job:
    """A queued job (committed by the caller's transaction)."""
    job = Job(
        user_id=user_id,
        scopes=scopes,
        kind=kind,
        step=step,
        state=JobState.QUEUED,
        file_name=file_name[:128],
        payload=payload,
        arguments=arguments or {},
        progress_done=0,
        attempts=0,
    )
    session.add(job)
    await session.flush()
    return job


async def requeue(
    session: AsyncSession, job_id: int, *, from_step: JobStep, to_step: JobStep
) -> bool:
    """Move a finished job on to its next step (an import's check to its commit); False when the
    job is not at ``from_step`` and done (already committed, or still running)."""
    moved = await session.execute(
        update(Job)
        .where(Job.id == job_id, Job.step == from_step, Job.state == JobState.DONE)
        .values(step=to_step, state=JobState.QUEUED, progress_done=0, worker=None)
    )
    return cast("CursorResult[Any]", moved).rowcount == 1


async def claim(session: AsyncSession, job_id: int, worker: str) -> bool:
    """Take the job for ``worker`` if it is free: one conditional UPDATE, so two processes never
    both get it. Commits."""
    claimed = await session.execute(
        update(Job)
        .where(
            Job.id == job_id,
            or_(
                Job.state == JobState.QUEUED,
                (Job.state == JobState.RUNNING) & (Job.heartbeat_at < _now() - STALE_AFTER),
            ),
        )
        .values(
            state=JobState.RUNNING, worker=worker, heartbeat_at=_now(), attempts=Job.attempts + 1
        )
    )
    await session.commit()
    return cast("CursorResult[Any]", claimed).rowcount == 1


async def claimable(session: AsyncSession) -> list[int]:
    """Queued jobs, and running ones whose process is gone, oldest first."""
    statement = (
        select(Job.id)
        .where(
            or_(
                Job.state == JobState.QUEUED,
                (Job.state == JobState.RUNNING) & (Job.heartbeat_at < _now() - STALE_AFTER),
            )
        )
        .order_by(Job.id)
        .limit(20)
    )
    return list(await session.scalars(statement))


@dataclass
class Progress:
    """What a running job reports: rows done of rows in all. Written to the job row at most every
    ``HEARTBEAT_EVERY`` seconds, in a transaction of its own — except while the job itself holds
    SQLite's single write lock (an import's commit), when it is kept in this process only
    (``LIVE``) and the page served by this process shows it."""

    job_id: int
    sessions: async_sessionmaker
    worker: str
    writes_to_database: bool = True
    done: int = 0
    total: int | None = None
    _written_at: float = 0.0

    async def advance(self, done: int, total: int | None = None) -> None:
        self.done, self.total = done, total if total is not None else self.total
        LIVE[self.job_id] = (self.done, self.total)
        loop_time = asyncio.get_running_loop().time()
        if self.writes_to_database and loop_time - self._written_at >= HEARTBEAT_EVERY:
            self._written_at = loop_time
            await self._write()

    async def _write(self) -> None:
        async with self.sessions() as session:
            await session.execute(
                update(Job)
                .where(Job.id == self.job_id, Job.worker == self.worker)
                .values(progress_done=self.done, progress_total=self.total, heartbeat_at=_now())
            )
            await session.commit()


LIVE: dict[int, tuple[int, int | None]] = {}
"""Progress of the jobs running in this process (see ``Progress``)."""


def progress_of(job: Job) -> tuple[int, int | None]:
    """Rows done and in all, the fresher of the row's and this process's."""
    live = LIVE.get(job.id)
    if live is not None and job.state == JobState.RUNNING and live[0] >= job.progress_done:
        return live
    return job.progress_done, job.progress_total


@dataclass(frozen=True)
class RunningJob:
    """What a handler gets: the job row (read at claim time), its viewer and its progress."""

    job: Job
    viewer: Viewer
    progress: Progress
    sessions: async_sessionmaker


@dataclass(frozen=True)
class Outcome:
    """A handler's answer: the result to keep (a preview, counts) and, for exports, the file."""

    result: dict[str, Any]
    output: bytes | None = None
    failed: str | None = None  # a message for the user: the job failed (nothing was written)


Handler = Callable[[RunningJob], Awaitable[Outcome]]


class Worker:
    """Runs jobs of this process, one at a time (the machine's cores serve the pages too).

    Each job is one trace of its own (a ``job …`` span holding its statements) and one
    ``track_job`` run; the looks for work, once a second and nearly always empty, are not traced:
    they would be a root span per second per process in the trace store."""

    def __init__(
        self,
        sessions: async_sessionmaker,
        handlers: dict[JobStep, Handler],
        tracer: trace.Tracer | None = None,
    ) -> None:
        self.sessions = sessions
        self.handlers = handlers
        self.tracer = tracer or trace.NoOpTracer()
        self.name = f"{os.uname().nodename}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="yulu-jobs")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def wake(self) -> None:
        """A job was just queued: look now rather than at the next poll."""
        self._wake.set()

    async def _loop(self) -> None:
        while True:
            try:
                ran = await self.run_pending()
            except Exception:  # the database away, say: try again at the next poll
                log.exception("job worker: looking for work failed")
                ran = 0
            if not ran:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), POLL_EVERY)

    async def run_pending(self) -> int:
        """Run every job this worker can claim now; how many it ran."""
        with suppress_instrumentation():
            async with self.sessions() as session:
                candidates = await claimable(session)
        ran = 0
        for job_id in candidates:
            with suppress_instrumentation():
                async with self.sessions() as session:
                    claimed = await claim(session, job_id, self.name)
            if not claimed:
                continue  # another process took it
            await self._run(job_id)
            ran += 1
        return ran

    async def _run(self, job_id: int) -> None:
        with self.tracer.start_as_current_span("job", attributes={"yulu.job.id": job_id}) as span:
            async with self.sessions() as session:
                job = await session.get(Job, job_id)
                user = await session.get(User, job.user_id)
                viewer = await viewer_of(session, user, job.scopes)
            span.update_name(f"job {job.step}")
            span.set_attributes({"yulu.job.step": job.step, "yulu.job.kind": job.kind})
            progress = Progress(job_id, self.sessions, self.name)
            running = RunningJob(job, viewer, progress, self.sessions)
            try:
                with track_job(f"ledger-{job.step}"):  # three label values: check, commit, export
                    outcome = await self.handlers[job.step](running)
            except Exception:
                log.exception("job %s (%s %s) failed", job_id, job.step, job.kind)
                outcome = Outcome({}, failed="处理时出现意外错误，未写入任何数据。请稍后重试。")
            finally:
                LIVE.pop(job_id, None)
            await self._finish(job_id, outcome, progress)

    async def _finish(self, job_id: int, outcome: Outcome, progress: Progress) -> None:
        async with self.sessions() as session:
            await session.execute(
                update(Job)
                .where(Job.id == job_id, Job.worker == self.name)
                .values(
                    state=JobState.FAILED if outcome.failed else JobState.DONE,
                    result=outcome.result,
                    output=outcome.output,
                    error=outcome.failed,
                    progress_done=progress.done,
                    progress_total=progress.total,
                    finished_at=_now(),
                )
            )
            await session.commit()
