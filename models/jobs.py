"""Background jobs: long imports and exports whose state lives in the database.

A job survives a restart (the worker resumes queued jobs, and running jobs whose heartbeat went
stale, at start) and can be shared by several processes: a worker claims a job with one
conditional UPDATE (resolvers.jobs.claim), so two processes never run the same job at once.
The upload and the finished export are kept on the row (``payload``, ``output``); the preview of
an import (problems per row, counts) is its ``result``.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Timestamped, enum_column


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class JobStep(enum.StrEnum):
    """What a queued or running job does next: an import is checked (the preview), then, once the
    user asks for it, committed; an export is written."""

    CHECK = "check"
    COMMIT = "commit"
    EXPORT = "export"


class Job(Timestamped, Base):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Whose rules the job runs under: the viewer is rebuilt from this user (and these scopes)
    # each time the job runs, exactly as a token of theirs would describe them.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    scopes: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))  # the ledger kind or the exported list
    step: Mapped[JobStep] = mapped_column(enum_column(JobStep))
    state: Mapped[JobState] = mapped_column(enum_column(JobState), default=JobState.QUEUED)
    # The export's arguments (the list page's filters), or nothing for an import.
    arguments: Mapped[dict] = mapped_column(JSON, default=dict)
    file_name: Mapped[str] = mapped_column(String(128))
    payload: Mapped[bytes | None] = mapped_column(LargeBinary)  # the uploaded workbook
    output: Mapped[bytes | None] = mapped_column(LargeBinary)  # the exported workbook
    result: Mapped[dict | None] = mapped_column(JSON)  # the preview, or the commit's counts
    error: Mapped[str | None] = mapped_column(Text)
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # The process running it, and when it last said so: a stale heartbeat frees the job.
    worker: Mapped[str | None] = mapped_column(String(64))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_jobs_state_step", "state", "step"),)
