"""The ``yulu`` command: serve, migrate, seed — and a home for more subcommands."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import migrations
from auth.cli import add_auth_commands
from models.backup import BackupError
from models.settings import SettingsError, check_production, get_settings
from models.telemetry import configure_logging

GRACEFUL_SHUTDOWN_SECONDS = 20


def _serve(args: argparse.Namespace) -> None:
    import uvicorn

    from portal.app import create_app

    # Built here, not by uvicorn's factory: settings it refuses end in our message, not a traceback.
    # On SIGTERM, requests in flight get GRACEFUL_SHUTDOWN_SECONDS to finish, then the worker exits.
    # log_config=None: uvicorn's lines go through our JSON logging; its access log is replaced by
    # the request log line (portal.observability).
    options: dict[str, Any] = dict(
        host=args.host,
        port=args.port,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        log_config=None,
        access_log=False,
    )
    if args.workers == 1:
        uvicorn.run(create_app(), **options)
        return
    create_app()  # the settings check, once, before any worker starts
    # Each worker process builds its own app (engine and pool), so uvicorn needs the factory.
    uvicorn.run("portal.app:create_app", factory=True, workers=args.workers, **options)


def _migrate(args: argparse.Namespace) -> None:
    migrations.upgrade(get_settings().database_url, args.revision)


def _seed(args: argparse.Namespace) -> None:
    from seeds import loader

    started = time.perf_counter()
    summary = asyncio.run(loader.seed(get_settings().database_url, args.scale, args.if_empty))
    print(f"{summary} in {time.perf_counter() - started:.1f} s")


def _init(args: argparse.Namespace) -> None:
    from auth import admin
    from seeds import loader

    url = get_settings().database_url
    try:
        asyncio.run(loader.check_empty(url))
        password = new_password(args.admin)
        admin.check_password(password)
        print(asyncio.run(loader.init(url, args.admin, password)))
    except loader.NotEmpty as error:
        sys.exit(f"yulu: {error}")
    except admin.AdminError as error:
        sys.exit(f"yulu: {error}; nothing was written")


def new_password(username: str) -> str:
    """Asked twice without echo (getpass: the terminal, or stdin when there is none), never
    taken from the command line, where other users' `ps` and the shell history would see it."""
    password = getpass.getpass(f"{username} 的密码 / password for {username}: ")
    if password != getpass.getpass("再次输入 / again: "):
        sys.exit("yulu: passwords differ; nothing was written")
    return password


def _backup(args: argparse.Namespace) -> None:
    from models.backup import backup

    print(f"备份已写入 {backup(get_settings().database_url, args.out)}")


def _restore(args: argparse.Namespace) -> None:
    from models.backup import restore

    restore(args.file, get_settings().database_url)
    print(f"已从 {args.file} 恢复到 YULU_DATABASE_URL 所指的数据库")


def _settings(_args: argparse.Namespace) -> None:
    """The effective settings, secrets hidden (whether they are set is shown)."""
    for name, value, description in get_settings().shown():
        print(f"{name}={value}\n    {description}")


def _federation_rekey(_args: argparse.Namespace) -> None:
    from models.people import rekey_all

    count = asyncio.run(rekey_all(get_settings().database_url))
    print(f"已按当前 YULU_FEDERATION_KEY 重新计算 {count} 人的人员键（idNumberHmac）")


def _trusted_documents(_args: argparse.Namespace) -> None:
    from portal import trusted_documents

    print(f"wrote {trusted_documents.write()}")


def _schema(_args: argparse.Namespace) -> None:
    from schema import sdl

    print(f"wrote {sdl.write()}")


async def _with_session(work):
    from models.db import create_engine, session_factory

    engine = create_engine(get_settings().database_url)
    try:
        async with session_factory(engine)() as session:
            result = await work(session)
            await session.commit()
            return result
    finally:
        await engine.dispose()


def _alerts_run(args: argparse.Namespace) -> None:
    """The daily schedule (cron): every rule over every person; safe to run twice."""
    from models.alerts import AlertKind
    from resolvers.alerts import run_daily
    from resolvers.outcomes import today

    on = args.on or today()
    counts = asyncio.run(_with_session(lambda session: run_daily(session, on)))
    for kind in AlertKind:
        print(f"{kind.value}\t{counts[kind]}")
    print(f"截至 {on.isoformat()} 新增预警 {sum(counts.values())} 条")


def _alerts_rules(args: argparse.Namespace) -> None:
    """List the rules; ``--set KIND=N`` changes a threshold, ``--disable/--enable KIND``."""
    from sqlalchemy import select, update

    from models.alerts import THRESHOLD_UNITS, AlertKind, AlertRule

    changes: list[tuple[AlertKind, dict]] = []
    try:
        for assignment in args.set or []:
            kind, _, value = assignment.partition("=")
            if not value.isdigit():
                raise ValueError(assignment)
            changes.append((AlertKind(kind), {"threshold": int(value)}))
        changes += [(AlertKind(kind), {"enabled": False}) for kind in args.disable or []]
        changes += [(AlertKind(kind), {"enabled": True}) for kind in args.enable or []]
    except ValueError as error:
        sys.exit(f"yulu: 无效的规则设置 {error}（规则：{', '.join(k.value for k in AlertKind)}）")

    async def work(session):
        for kind, values in changes:
            await session.execute(update(AlertRule).where(AlertRule.kind == kind).values(**values))
        return list(await session.scalars(select(AlertRule).order_by(AlertRule.kind)))

    for rule in asyncio.run(_with_session(work)):
        state = "启用" if rule.enabled else "停用"
        print(f"{rule.kind.value}\t{rule.threshold} {THRESHOLD_UNITS[rule.kind]}\t{state}")


def _add_alert_commands(commands) -> None:
    alerts = commands.add_parser("alerts", help="relapse-risk early warning (就业风险预警)")
    actions = alerts.add_subparsers(dest="alerts_command", required=True)
    run = actions.add_parser("run", help="evaluate every rule now (daily; safe to run twice)")
    run.add_argument("--on", type=date.fromisoformat, help="as of this date (YYYY-MM-DD)")
    run.set_defaults(handler=_alerts_run)
    listed = actions.add_parser("rules", help="list the rules, or change a threshold")
    listed.add_argument("--set", action="append", metavar="KIND=N")
    listed.add_argument("--disable", action="append", metavar="KIND")
    listed.add_argument("--enable", action="append", metavar="KIND")
    listed.set_defaults(handler=_alerts_rules)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="yulu", description="雨露计划+ 就业促进联盟")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the portal and the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="processes (uvicorn workers)")
    serve.set_defaults(handler=_serve)

    migrate = commands.add_parser("migrate", help="upgrade the database schema")
    migrate.add_argument("revision", nargs="?", default="head")
    migrate.set_defaults(handler=_migrate)

    seed = commands.add_parser("seed", help="load reference data and a synthetic alliance")
    seed.add_argument(
        "--scale",
        choices=("demo", "bench", "test"),
        default="demo",
        help="demo: a Chongqing-like alliance; bench: 1M persons; test: a small one",
    )
    seed.add_argument("--if-empty", action="store_true", help="do nothing if persons exist")
    seed.set_defaults(handler=_seed)
    init = commands.add_parser(
        "init",
        help="start an alliance from zero: reference data and the first administrator "
        "(password prompted) into an empty, migrated database",
    )
    init.add_argument("--admin", default="admin", help="the administrator's username")
    init.set_defaults(handler=_init)
    backup = commands.add_parser(
        "backup", help="write a consistent backup of the database to a new file"
    )
    backup.add_argument("out", type=Path)
    backup.set_defaults(handler=_backup)
    restore = commands.add_parser(
        "restore", help="load a backup into the (empty) database of YULU_DATABASE_URL"
    )
    restore.add_argument("file", type=Path)
    restore.set_defaults(handler=_restore)
    settings = commands.add_parser(
        "settings", help="print the effective settings (YULU_*), secrets hidden"
    )
    settings.set_defaults(handler=_settings)
    schema = commands.add_parser("schema", help="print the GraphQL SDL to schema/alliance.graphql")
    schema.set_defaults(handler=_schema)
    documents = commands.add_parser(
        "trusted-documents",
        help="register the portal's operations in portal/trusted_documents.json",
    )
    documents.set_defaults(handler=_trusted_documents)
    rekey = commands.add_parser(
        "federation-rekey",
        help="recompute every person key (idNumberHmac) after YULU_FEDERATION_KEY changed",
    )
    rekey.set_defaults(handler=_federation_rekey)
    add_auth_commands(commands)
    _add_alert_commands(commands)
    from portal.ledgers import add_ledger_commands

    add_ledger_commands(commands)
    from portal.evaluation_report import add_report_commands

    add_report_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        settings = get_settings()
        check_production(settings)  # every command: `keys rotate` uses the secret too
        configure_logging(settings.log_level)
        args.handler(args)
    except SettingsError as error:
        sys.exit(
            "yulu: 配置有误，拒绝运行：\n" + "\n".join(f"  {problem}" for problem in error.problems)
        )
    except BackupError as error:
        sys.exit(f"yulu: {error}")


if __name__ == "__main__":
    main(sys.argv[1:])
