"""The whole federation on this machine, on free loopback ports: the alliance app, the partner
subgraphs and Hive Gateway, each its own process. Used by the federation tests and the benchmark.

Every process starts in its own session, so it is stopped by its PID (its process group: uvicorn
or Node may have children) whatever happens, and every wait has a deadline: a subgraph that
cannot start fails the run with its log instead of hanging it.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx2

from auth.config import AuthConfig
from auth.gateway_signature import SECRET_VARIABLE
from models.settings import get_settings

GATEWAY_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = GATEWAY_DIR.parent
PYTHON_PARTNERS = ("social_insurance", "job_board")
NODE_PARTNERS = ("school_registry",)  # Node packages in gateway/partners/<name>/ (server.mjs)
PARTNERS = PYTHON_PARTNERS + NODE_PARTNERS
FEDERATION_KEY_VARIABLE = "YULU_FEDERATION_KEY"
START_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 5.0
COMMAND_TIMEOUT_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Service:
    name: str
    process: subprocess.Popen
    url: str
    log: Path


@dataclass
class ProcessGroup:
    """Processes started here and stopped here, each by its PID."""

    workdir: Path
    services: list[Service] = field(default_factory=list)

    def start(
        self, name: str, argv: list[str], url: str, env: dict[str, str], cwd: Path = PROJECT_ROOT
    ) -> Service:
        log = self.workdir / f"{name}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                argv,
                cwd=cwd,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        service = Service(name, process, url, log)
        self.services.append(service)
        return service

    def wait_until_ready(
        self, service: Service, health_path: str, is_ours: Callable[[str], bool] | None = None
    ) -> None:
        """Until ``health_path`` answers (and ``is_ours(url)`` says the answer came from this
        service: on a shared machine another process may take a free port before ours binds it,
        and ours then exits while the other answers)."""
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if service.process.poll() is not None:
                raise RuntimeError(
                    f"{service.name} exited with {service.process.returncode}:\n{_tail(service.log)}"
                )
            if _answers(service.url + health_path) and (is_ours is None or is_ours(service.url)):
                return
            time.sleep(0.1)
        raise RuntimeError(
            f"{service.name} not ready after {START_TIMEOUT_SECONDS:.0f} s:\n{_tail(service.log)}"
        )

    def stop_all(self) -> None:
        for service in reversed(self.services):
            _stop(service.process)
        self.services.clear()


def _is_the_alliance_at(url: str) -> bool:
    """The alliance names its own URL as its issuer (running_federation sets YULU_ISSUER so)."""
    try:
        metadata = httpx2.get(f"{url}/.well-known/oauth-authorization-server", timeout=1.0)
        return metadata.status_code == 200 and metadata.json().get("issuer") == url
    except (httpx2.HTTPError, ValueError):
        return False


def _answers(url: str) -> bool:
    try:
        return httpx2.get(url, timeout=1.0).status_code == 200
    except httpx2.HTTPError:
        return False


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT_SECONDS)


def _tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def run(argv: list[str], env: dict[str, str], cwd: Path = PROJECT_ROOT) -> str:
    """Run a command to completion (with a deadline); its output, or RuntimeError with it."""
    done = subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_SECONDS
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(argv)} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
        )
    return done.stdout


def compose(out: Path, urls: dict[str, str], sdls: dict[str, Path] | None = None) -> None:
    """``node compose.mjs`` into ``out`` with these routing URLs (and SDL files in place of the
    ones subgraphs.json names); RuntimeError on composition errors."""
    overrides = [
        *(argument for name, url in urls.items() for argument in ("--url", f"{name}={url}")),
        *(
            argument
            for name, sdl in (sdls or {}).items()
            for argument in ("--sdl", f"{name}={sdl}")
        ),
    ]
    run(["node", str(GATEWAY_DIR / "compose.mjs"), "--out", str(out), *overrides], dict(os.environ))


def print_alliance_sdl(out: Path) -> Path:
    """The alliance subgraph's SDL as the code being run prints it (schema/alliance.graphql is
    the reviewed copy; its own test keeps the two equal)."""
    from schema.api import build_schema

    out.write_text(build_schema().as_str() + "\n", encoding="utf-8")
    return out


@dataclass(frozen=True)
class Federation:
    alliance_url: str
    gateway_url: str
    partner_urls: dict[str, str]
    sql_logs: dict[str, Path]  # every statement each partner ran, one a line
    issuer: str
    secret_key: str
    gateway_secret: str  # what the gateway signs subgraph requests with (YULU_GATEWAY_HMAC_SECRET)
    supergraph: Path
    env: dict[str, str]  # the gateway's environment
    workdir: Path

    def auth_config(self) -> AuthConfig:
        """What the running alliance signs and checks its tokens with (to mint test tokens)."""
        return AuthConfig(
            issuer=self.issuer,
            audience=f"{self.issuer}/graphql",
            secret_key=self.secret_key,
            access_token_seconds=900,
            refresh_token_seconds=3600,
        )


@contextmanager
def running_federation(
    database_url: str, workdir: Path, scale: str, secret_key: str
) -> Iterator[Federation]:
    """Serve the alliance over ``database_url`` (seeded at ``scale``), every partner seeded to
    match, and Hive Gateway in front of them, all sharing a fresh signing secret; everything is
    stopped when the block ends."""
    ports = {name: free_port() for name in ("alliance", *PARTNERS, "gateway")}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    issuer = urls["alliance"]
    gateway_secret = secrets.token_urlsafe(32)
    env = {
        **os.environ,
        "YULU_DATABASE_URL": database_url,
        "YULU_ISSUER": issuer,
        "YULU_SECRET_KEY": secret_key,
        SECRET_VARIABLE: gateway_secret,
        # The alliance and the partners that hold ID numbers compute the person key under one key.
        FEDERATION_KEY_VARIABLE: get_settings().federation_key or "",
    }
    sql_logs = {name: workdir / f"{name}.sql" for name in PYTHON_PARTNERS}
    partner_env = {
        **{name: _partner_env(env, workdir, name, sql_logs[name]) for name in PYTHON_PARTNERS},
        **{name: _node_partner_env(env, workdir, name, scale) for name in NODE_PARTNERS},
    }

    supergraph = workdir / "supergraph.graphql"
    routing = {name: f"{urls[name]}/graphql" for name in ("alliance", *PARTNERS)}
    compose(supergraph, routing, {"alliance": print_alliance_sdl(workdir / "alliance.graphql")})

    group = ProcessGroup(workdir)
    try:
        _start_subgraphs(group, ports, urls, env, partner_env, scale)
        _start_gateway(group, "gateway", supergraph, ports["gateway"], env)
        yield Federation(
            alliance_url=urls["alliance"],
            gateway_url=urls["gateway"],
            partner_urls={name: urls[name] for name in PARTNERS},
            sql_logs=sql_logs,
            issuer=issuer,
            secret_key=secret_key,
            gateway_secret=gateway_secret,
            supergraph=supergraph,
            env=env,
            workdir=workdir,
        )
    finally:
        group.stop_all()


@contextmanager
def another_gateway(federation: Federation, name: str, env: dict[str, str]) -> Iterator[str]:
    """One more Hive Gateway over the running federation's subgraphs, with ``env`` added to its
    environment (production mode, other limits); its URL, until the block ends."""
    group = ProcessGroup(federation.workdir)
    try:
        yield _start_gateway(
            group, name, federation.supergraph, free_port(), {**federation.env, **env}
        ).url
    finally:
        group.stop_all()


def _start_gateway(
    group: ProcessGroup, name: str, supergraph: Path, port: int, env: dict[str, str]
) -> Service:
    gateway = group.start(
        name, _gateway_argv(supergraph, port), f"http://127.0.0.1:{port}", env, GATEWAY_DIR
    )
    group.wait_until_ready(gateway, "/healthcheck")
    return gateway


def _partner_env(env: dict[str, str], workdir: Path, name: str, sql_log: Path) -> dict[str, str]:
    return {
        **env,
        "PARTNER_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / f'{name}.db'}",
        "PARTNER_SQL_LOG": str(sql_log),
    }


def _node_partner_env(env: dict[str, str], workdir: Path, name: str, scale: str) -> dict[str, str]:
    """The Node partner's environment, with its records written first (derived from the alliance
    seed at ``scale``, so its students are the alliance's persons)."""
    data = workdir / f"{name}.json"
    run(
        [
            sys.executable,
            "-m",
            f"gateway.partners.{name}.demo_data",
            "--scale",
            scale,
            "--out",
            str(data),
        ],
        env,
    )
    return {**env, "SCHOOL_REGISTRY_DATA": str(data)}


def partner_argv(name: str, port: int, scale: str) -> list[str]:
    """How a partner is served: a Python partner seeds itself first; a Node one reads the
    records its environment names."""
    if name in NODE_PARTNERS:
        return ["node", str(GATEWAY_DIR / "partners" / name / "server.mjs"), "--port", str(port)]
    return [
        sys.executable,
        "-m",
        f"gateway.partners.{name}",
        "serve",
        "--port",
        str(port),
        "--seed",
        scale,
    ]


def _start_subgraphs(
    group: ProcessGroup, ports: dict, urls: dict, env: dict, partner_env: dict, scale: str
) -> None:
    """All three at once (they start in parallel; partners seed themselves first), then wait for
    each to answer."""
    alliance = group.start(
        "alliance",
        [
            sys.executable,
            "-m",
            "uvicorn",
            "portal.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(ports["alliance"]),
            "--log-level",
            "warning",
        ],
        urls["alliance"],
        env,
    )
    partners = [
        group.start(name, partner_argv(name, ports[name], scale), urls[name], partner_env[name])
        for name in PARTNERS
    ]
    group.wait_until_ready(alliance, "/healthz", _is_the_alliance_at)
    for service in partners:
        group.wait_until_ready(service, "/healthz")


def _gateway_argv(supergraph: Path, port: int) -> list[str]:
    return [
        str(GATEWAY_DIR / "node_modules" / ".bin" / "hive-gateway"),
        "supergraph",
        str(supergraph),
        "--config-path",
        "gateway.config.ts",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
