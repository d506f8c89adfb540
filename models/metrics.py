"""Prometheus metrics of the service, served at /metrics (``portal.observability``).

In the lowest layer so that every layer can count: the HTTP layer counts requests and GraphQL
errors, the engines report their pools, and any background work wraps itself in
:func:`track_job`. Label values are bounded: an operation name is the client's choice, so only
the first ``MAX_OPERATION_NAMES`` distinct names get their own series, later ones count as
``(other)``.
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.core import REGISTRY, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

MAX_OPERATION_NAMES = 200
OTHER = "(other)"
NO_OPERATION = "-"

REQUESTS = Counter(
    "yulu_http_requests",
    "HTTP requests answered, by method, route kind, GraphQL operation and status",
    ["method", "route", "operation", "status"],
)
REQUEST_SECONDS = Histogram(
    "yulu_http_request_duration_seconds",
    "Time to answer an HTTP request, by route kind and GraphQL operation",
    ["route", "operation"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
GRAPHQL_ERRORS = Counter(
    "yulu_graphql_errors",
    "Errors in GraphQL responses, by extensions.code (UNAUTHENTICATED, FORBIDDEN, "
    "INTERNAL_SERVER_ERROR, …; NONE when the error has no code)",
    ["code"],
)
JOB_RUNS = Counter(
    "yulu_job_runs",
    "Background and scheduled jobs finished, by job and outcome",
    ["job", "outcome"],
)
JOB_SECONDS = Histogram("yulu_job_duration_seconds", "How long a job ran", ["job"])
JOBS_RUNNING = Gauge("yulu_jobs_running", "Jobs running now in this process", ["job"])

_operation_names: set[str] = set()
log = logging.getLogger("yulu.jobs")


def operation_label(name: str | None) -> str:
    if not name:
        return NO_OPERATION
    name = name[:128]
    if name in _operation_names:
        return name
    if len(_operation_names) < MAX_OPERATION_NAMES:
        _operation_names.add(name)
        return name
    return OTHER


@contextmanager
def track_job(job: str) -> Iterator[None]:
    """Counts, times and logs one run of ``job`` (a purge, an alert run, an import …)."""
    started = time.perf_counter()
    JOBS_RUNNING.labels(job).inc()
    outcome = "error"
    try:
        yield
        outcome = "ok"
    finally:
        seconds = time.perf_counter() - started
        JOBS_RUNNING.labels(job).dec()
        JOB_RUNS.labels(job, outcome).inc()
        JOB_SECONDS.labels(job).observe(seconds)
        log.info(
            "job finished",
            extra={"job": job, "outcome": outcome, "duration_ms": round(seconds * 1000, 1)},
        )


class PoolCollector(Collector):
    """Connections of each live engine's pool: checked out now, and kept open (idle + busy)."""

    def __init__(self) -> None:
        self.engines: weakref.WeakSet[AsyncEngine] = weakref.WeakSet()

    def collect(self) -> Iterable[Metric]:
        in_use = GaugeMetricFamily(
            "yulu_db_pool_checked_out", "Database connections in use", labels=["database"]
        )
        open_ = GaugeMetricFamily(
            "yulu_db_pool_open", "Database connections open in the pool", labels=["database"]
        )
        size = GaugeMetricFamily(
            "yulu_db_pool_size", "Configured pool size (connections kept)", labels=["database"]
        )
        for engine in list(self.engines):
            pool, database = engine.pool, engine.dialect.name
            if not isinstance(pool, QueuePool):  # a pool without counts (NullPool, StaticPool)
                continue
            in_use.add_metric([database], pool.checkedout())
            open_.add_metric([database], pool.checkedout() + pool.checkedin())
            size.add_metric([database], pool.size())
        return [in_use, open_, size]


POOLS = PoolCollector()
REGISTRY.register(POOLS)


def watch_pool(engine: AsyncEngine) -> None:
    POOLS.engines.add(engine)
