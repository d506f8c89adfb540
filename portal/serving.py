"""`yulu serve`: uvicorn worker processes, each with a listening socket of its own.

Why not ``uvicorn --workers``, measured on the viewer query (issue 15): uvicorn binds the shared
socket itself with ``socket.socket(AF_INET)``, whose protocol number is 0, and asyncio sets
TCP_NODELAY only on connections accepted from a socket whose protocol is IPPROTO_TCP — so every
keep-alive response waited on Nagle's algorithm and the client's delayed ACK (~40 ms; 142
instead of 890 req/s). And on one shared socket, the worker that wakes first accepts every
connection waiting (asyncio accepts up to the backlog per wake-up): 7 connections to 1.

Here each worker binds its own socket with SO_REUSEPORT, created as IPPROTO_TCP (so asyncio sets
TCP_NODELAY on every connection it accepts), and the kernel spreads new connections over the
workers' sockets by a hash of their addresses. Each worker builds the app itself — its own
engine and pool, its job worker (jobs are claimed by a conditional UPDATE, so several workers
may run), its JSON logging — then freezes what start-up allocated out of the garbage collector's
sight and raises the gen-0 threshold (:func:`tune_gc`). A worker that dies is replaced; one that
dies within ``CRASH_LOOP_SECONDS`` of its start (a broken database URL, say) stops the service
with an error instead of being restarted forever. SIGTERM or SIGINT: every worker stops taking
connections and finishes the requests in flight within ``GRACEFUL_SHUTDOWN_SECONDS``.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time

GRACEFUL_SHUTDOWN_SECONDS = 20
CRASH_LOOP_SECONDS = 10.0
BACKLOG = 2048  # uvicorn's default
# Gen-0 collections every 50,000 net allocations instead of 700: the large nested read (issue 15,
# bench.request_cost --read large) allocates ~200,000 container objects per request, so the default
# ran ~260 gen-0 collections per request, each traversing the young result tree — and most of
# them promote it to older generations, which the gen-1/gen-2 passes then traverse again. What
# a request allocates is garbage when it ends (no cycles the threshold would leave lying
# around for long), so collecting less often costs memory only briefly. Measured in README.
GEN0_THRESHOLD = 50_000

log = logging.getLogger("yulu.serve")


def listening_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket for one worker; bound with SO_REUSEPORT so each worker has its own
    on the same port, and created as IPPROTO_TCP so asyncio sets TCP_NODELAY on the connections
    it accepts (asyncio.base_events._set_nodelay checks the protocol number)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    # Listening at once: the kernel queues this worker's share of connections while its app
    # starts, instead of sending them all to the workers already up.
    sock.listen(BACKLOG)
    return sock


def check_port_free(host: str, port: int) -> None:
    """SO_REUSEPORT would let a second `yulu serve` on the same port share the traffic without
    a word: a plain bind first fails (OSError) if anything listens there already."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))


def tune_gc() -> None:
    """After start-up (imports, the schema, the app): what exists now lives as long as the
    process, so it is frozen out of every collection; then gen-0 collections become rarer."""
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)


def run_worker(host: str, port: int) -> None:
    """One worker, in this process: the app, the GC settings, uvicorn on its own socket."""
    import uvicorn

    from models.settings import get_settings
    from models.telemetry import configure_logging
    from portal.app import create_app
    from schema.api import build_schema

    settings = get_settings()
    configure_logging(settings.log_level)  # a spawned worker starts with Python's defaults
    app = create_app(settings)
    build_schema(settings.production)  # built now, so that it is frozen with the rest
    tune_gc()
    sock = listening_socket(host, port)
    frozen, threshold = gc.get_freeze_count(), gc.get_threshold()
    log.info("worker listening", extra={"gc_frozen": frozen, "gc_threshold": threshold})
    # log_config=None: uvicorn's lines go through our JSON logging; its access log is replaced
    # by the request log line (portal.observability).
    config = uvicorn.Config(
        app,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        log_config=None,
        access_log=False,
        backlog=BACKLOG,
    )
    uvicorn.Server(config).run(sockets=[sock])


def serve(host: str, port: int, workers: int) -> None:
    """Serve with ``workers`` processes (1: this process itself)."""
    check_port_free(host, port)
    if workers == 1:
        run_worker(host, port)
        return
    sys.exit(_supervise(host, port, workers))


def _supervise(host: str, port: int, count: int) -> int:
    spawn = multiprocessing.get_context("spawn")  # a fresh interpreter: no loop, pool or thread

    def start() -> tuple[multiprocessing.process.BaseProcess, float]:
        worker = spawn.Process(target=run_worker, args=(host, port), name="yulu-worker")
        worker.start()
        return worker, time.monotonic()

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    workers = [start() for _ in range(count)]
    log.info("serving on %s:%d with %d workers", host, port, count)
    status = 0
    while not stop.wait(0.5):
        for index, (worker, started) in enumerate(workers):
            if worker.is_alive():
                continue
            if time.monotonic() - started < CRASH_LOOP_SECONDS:
                log.error(
                    "worker %s exited (%s) right after its start", worker.pid, worker.exitcode
                )
                status = 1
                stop.set()
                break
            log.warning("worker %s exited (%s); starting another", worker.pid, worker.exitcode)
            workers[index] = start()
    for worker, _ in workers:
        if worker.is_alive() and worker.pid is not None:
            os.kill(worker.pid, signal.SIGTERM)  # uvicorn's graceful shutdown, per worker
    for worker, _ in workers:
        worker.join(GRACEFUL_SHUTDOWN_SECONDS + 10)
        if worker.is_alive():
            worker.kill()
    return status
