"""Words that help (issue 14): one form of address (您, never 你) in every template and Chinese
message of the code, and no user error that only says "something was wrong" — each names the
field and the rule it broke."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import pytest

from portal import forms, labels

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("auth", "portal", "resolvers", "schema", "models", "seeds", "gateway")
TEXT_SUFFIXES = {".py", ".html", ".js", ".graphql", ".css", ".json", ".md"}

# Messages that say something went wrong without saying what: each used to be shown to users.
GENERIC = {
    "数值超出允许范围。",
    "此项必填。",
    "必填。",
    "请填写名称。",
    "日期不能晚于今天。",
    "请输入整数。",
    "输入有误。",
    "提交失败。",
    "操作失败。",
    "结束日期须晚于开始日期。",
    "已存在相同的记录。",
    "请选择有效的行政区划。",
    "无效。",
    "格式不正确。",
    "参数错误。",
    "操作未成功。",
    "登录失败，请重新登录。",
    "授权请求无效。",
    "不是您已管理的人员时必填。",
}
CJK = re.compile(r"[\u4e00-\u9fff]")


def tracked_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", *SCANNED], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return [
        ROOT / name
        for name in listed
        if Path(name).suffix in TEXT_SUFFIXES
        and "node_modules" not in name
        and "vendor" not in name
    ]


def chinese_literals(path: Path) -> list[tuple[int, str]]:
    """Every Chinese string literal of a Python file, f-strings by their constant parts joined."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and CJK.search(node.value)
        ):
            found.append((node.lineno, node.value))
    return found


def test_the_scan_sees_the_templates_and_the_messages():
    names = {path.relative_to(ROOT).as_posix() for path in tracked_files()}
    assert {
        "auth/templates/signin.html",
        "portal/templates/layout.html",
        "resolvers/people.py",
        "portal/labels.py",
    } <= names


def test_every_text_addresses_the_user_as_nin_never_ni():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in tracked_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "你" in line
    ]
    assert offenders == [], "use 您:\n" + "\n".join(offenders)


def test_no_message_in_the_code_is_a_generic_text():
    generic = [
        f"{path.relative_to(ROOT)}:{line}: {text}"
        for path in tracked_files()
        if path.suffix == ".py"
        for line, text in chinese_literals(path)
        if text.strip() in GENERIC
    ]
    assert generic == []


@pytest.mark.parametrize("message", [*labels.ERROR_MESSAGES.values(), labels.FALLBACK_ERROR])
def test_the_portal_s_own_wordings_are_not_generic(message):
    assert message not in GENERIC


def test_the_portal_s_own_checks_name_the_field_by_its_label():
    for message in (forms.REQUIRED, forms.NOT_A_NUMBER):
        assert labels.FIELD in message
        assert labels.named_field(message, "毕业年份").startswith("「毕业年份」")


def test_a_message_without_a_label_still_reads_well():
    assert labels.named_field(forms.REQUIRED, None) == forms.REQUIRED
    assert forms.REQUIRED.startswith("此项")  # joined into a notice, it needs no label


def test_a_too_long_value_is_named_by_the_field_s_label():
    error = {"field": "title", "code": "TOO_LONG", "message": "最多 128 个字符。"}
    assert (
        labels.named_field(labels.error_message(error), "岗位名称")
        == "「岗位名称」最多 128 个字符。"
    )


def test_the_api_s_message_is_shown_where_it_names_the_field_and_rule():
    error = {
        "field": "graduationYear",
        "code": "YEAR_RANGE",
        "message": "毕业年份须在 2000 至 2032 之间。",
    }
    assert labels.error_message(error) == "毕业年份须在 2000 至 2032 之间。"
    assert (
        labels.error_message({"field": "stage", "code": "NOT_YOUR_STEP", "message": "recommended"})
        == "您的角色不能执行这一步操作。"
    )
