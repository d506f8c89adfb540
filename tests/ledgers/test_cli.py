"""`yulu ledger template|import|export`, run as the operator would (a subprocess on the test
database): the import prints every problem and writes nothing when there is one, and every
command acts under the named user's rules as the portal would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from models.audit import AuditRecord
from models.db import session_factory
from models.organisations import User
from models.people import Person, StudentRecord, StudentStatus
from resolvers import ledgers
from resolvers.workbooks import read_rows
from tests.ledgers.files import valid_id, workbook


def yulu(database_url: str, *arguments: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "YULU_DATABASE_URL": database_url}
    command = [sys.executable, "-m", "portal.cli", *arguments]
    return subprocess.run(command, capture_output=True, text=True, env=environment, timeout=120)


def _census(path: Path, *rows: tuple[str, str]) -> Path:
    headers = [field.header for field in ledgers.CENSUS.fields]
    values = {
        "户籍地代码": "500229",
        "家庭类别": "边缘易致贫户",
        "摸底年份": 2026,
        "愿意就读职业院校": "否",
    }
    path.write_bytes(
        workbook(
            headers,
            [[{"姓名": n, "身份证号": i, **values}.get(h, "") for h in headers] for n, i in rows],
        )
    )
    return path


async def _persons(engine: AsyncEngine, *id_numbers: str) -> int:
    async with session_factory(engine)() as session:
        return await session.scalar(
            select(func.count()).select_from(Person).where(Person.id_number.in_(id_numbers))
        )


async def test_template_writes_every_kind(database_url: str, tmp_path: Path) -> None:
    for kind in ledgers.KINDS.values():
        out = tmp_path / f"{kind.name}.xlsx"
        done = yulu(database_url, "ledger", "template", kind.name, str(out))
        assert done.returncode == 0, done.stderr
        rows = list(read_rows(out))
        assert rows[0] == [field.header for field in kind.fields]
        assert len(rows) == 2  # the header and the example row


async def test_import_prints_problems_exits_non_zero_and_writes_nothing(
    database_url: str, engine: AsyncEngine, tmp_path: Path
) -> None:
    good, other = valid_id("500229", "20120505", 900), valid_id("500229", "20120506", 901)
    file = _census(tmp_path / "a.xlsx", ("命令甲", good), ("命令乙", other), ("命令丙", other))
    done = yulu(database_url, "ledger", "import", "census", str(file), "--as", "county")
    assert done.returncode == 1
    assert "第 4 行\t身份证号\t文件内重复\t与第 3 行重复" in done.stdout
    assert "未写入任何数据" in done.stdout
    assert await _persons(engine, good, other) == 0

    fixed = _census(tmp_path / "b.xlsx", ("命令甲", good), ("命令乙", other))
    dry = yulu(
        database_url, "ledger", "import", "census", str(fixed), "--as", "county", "--dry-run"
    )
    assert dry.returncode == 0 and "新增 2" in dry.stdout
    assert await _persons(engine, good, other) == 0
    done = yulu(database_url, "ledger", "import", "census", str(fixed), "--as", "county")
    assert done.returncode == 0 and "已导入" in done.stdout, done.stdout + done.stderr
    assert await _persons(engine, good, other) == 2
    again = yulu(database_url, "ledger", "import", "census", str(fixed), "--as", "county")
    assert again.returncode == 0 and "新增 0，更新 0，无变化 2" in again.stdout


async def test_commands_act_under_the_users_rules(database_url: str, tmp_path: Path) -> None:
    file = _census(tmp_path / "c.xlsx", ("命令丁", valid_id("500229", "20120507", 902)))
    done = yulu(database_url, "ledger", "import", "census", str(file), "--as", "school")
    assert done.returncode != 0 and "无权" in done.stderr
    done = yulu(database_url, "ledger", "import", "census", str(file), "--as", "nobody")
    assert done.returncode != 0 and "没有名为 nobody 的有效账号" in done.stderr


async def test_export_is_the_users_list_and_is_audited(
    database_url: str, engine: AsyncEngine, tmp_path: Path
) -> None:
    async with session_factory(engine)() as session:
        school = await session.scalar(select(User.organisation_id).where(User.username == "school"))
        names = sorted(
            await session.scalars(
                select(Person.name)
                .join(StudentRecord, StudentRecord.person_id == Person.id)
                .where(
                    StudentRecord.school_id == school,
                    StudentRecord.status == StudentStatus.STUDYING,
                )
            )
        )
        audited_before = await session.scalar(
            select(func.count())
            .select_from(AuditRecord)
            .where(AuditRecord.operation == "export SchoolLedger")
        )
    out = tmp_path / "students.xlsx"
    done = yulu(database_url, "ledger", "export", "students", str(out), "--as", "school")
    assert done.returncode == 0, done.stderr
    rows = list(read_rows(out))
    assert rows[0][0] == "姓名" and sorted(row[0] for row in rows[1:]) == names
    async with session_factory(engine)() as session:
        audited = await session.scalar(
            select(func.count())
            .select_from(AuditRecord)
            .where(AuditRecord.operation == "export SchoolLedger")
        )
    # The school sees its students' names in clear: one read record per student left in the file.
    assert audited - audited_before == len(names)
