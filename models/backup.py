"""Backups of the alliance's database, with the database's own tools.

- SQLite: the online backup API (``sqlite3.Connection.backup``), a consistent copy while the
  portal keeps serving; the backup is itself a SQLite file.
- PostgreSQL: ``pg_dump --format=custom`` (a consistent snapshot of one database) and
  ``pg_restore``, from the PostgreSQL client packages; the password, if any, goes through the
  environment (``PGPASSWORD``), never the command line.

A restore goes into an empty database only (a new file, or a PostgreSQL database with no tables),
so it can never silently merge a backup into live data.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL, make_url


class BackupError(Exception):
    """A backup or restore that cannot be done as asked; the message says why, in Chinese."""


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("内存中的 SQLite 数据库无法备份。")
    return Path(url.database)


def _pg_environment(url: URL) -> dict[str, str]:
    environment = {
        **os.environ,
        "PGHOST": url.host or "127.0.0.1",
        "PGPORT": str(url.port or 5432),
        "PGUSER": url.username or "postgres",
        "PGDATABASE": url.database or "",
    }
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    return environment


def _run(command: list[str], environment: dict[str, str]) -> None:
    try:
        done = subprocess.run(
            command, env=environment, capture_output=True, text=True, timeout=3600
        )
    except FileNotFoundError as missing:
        raise BackupError(
            f"找不到 {command[0]}：请安装 PostgreSQL 客户端（postgresql-client）。"
        ) from missing
    if done.returncode != 0:
        raise BackupError(f"{command[0]} 失败：{done.stderr.strip()}")


def backup(database_url: str, out: Path) -> Path:
    """Write a backup of the database at ``database_url`` to ``out`` (which must not exist)."""
    url = make_url(database_url)
    if out.exists():
        raise BackupError(f"{out} 已存在：请换一个文件名，备份不覆盖已有文件。")
    out.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        with sqlite3.connect(_sqlite_path(url)) as source, sqlite3.connect(out) as target:
            source.backup(target)
        return out
    _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(out)], _pg_environment(url))
    return out


def restore(backup_file: Path, database_url: str) -> None:
    """Load ``backup_file`` into the empty database at ``database_url``."""
    url = make_url(database_url)
    if not backup_file.is_file():
        raise BackupError(f"找不到备份文件 {backup_file}。")
    if url.get_backend_name() == "sqlite":
        target = _sqlite_path(url)
        if target.exists() and target.stat().st_size > 0:
            raise BackupError(f"{target} 已存在：恢复只写入新的空数据库。")
        target.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(backup_file) as source, sqlite3.connect(target) as copy:
            source.backup(copy)
        return
    environment = _pg_environment(url)
    _refuse_non_empty_postgres(environment)
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--exit-on-error",
            "--single-transaction",
            "--dbname",
            url.database or "",
            str(backup_file),
        ],
        environment,
    )
    _run(["psql", "--no-psqlrc", "--quiet", "--command", "ANALYZE"], environment)


def _refuse_non_empty_postgres(environment: dict[str, str]) -> None:
    tables = subprocess.run(
        [
            "psql",
            "--no-psqlrc",
            "--tuples-only",
            "--no-align",
            "--command",
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
        ],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if tables.returncode != 0:
        raise BackupError(f"无法连接目标数据库：{tables.stderr.strip()}")
    if int(tables.stdout.strip() or 0) > 0:
        raise BackupError(
            f"数据库 {environment['PGDATABASE']} 已有数据表：恢复只写入新的空数据库。"
        )
