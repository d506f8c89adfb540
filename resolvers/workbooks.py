"""Writing and reading ``.xlsx`` workbooks: the one place the product touches the file format.

``write_workbook`` turns sheets (headers, rows, column widths, drop-down lists, a sheet that
explains each column) into the bytes of an ``.xlsx`` file with xlsxwriter; ledger templates,
list exports and the yearly report all use it. ``read_rows`` streams a sheet's rows with
python-calamine (Rust, low memory), so a 100,000-row upload is never held as cell objects.
xlsxwriter's constant-memory mode writes row by row, so an export's rows may be a generator.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import xlsxwriter
from python_calamine import CalamineWorkbook

Cell = str | int | float | bool | date | datetime | None

EXCEL_ROWS = 1_048_576
"""Rows an .xlsx sheet holds (the header included)."""
DROP_DOWN_ROWS = 10_000
"""How far down a template's drop-down lists reach."""
LIST_SOURCE_LIMIT = 255
"""Excel's limit on an inline list (``a,b,c``); longer choice lists go on a hidden sheet."""


@dataclass(frozen=True)
class Column:
    """A sheet column: its header, its width in characters, and (for coded columns) the values
    a drop-down list offers."""

    header: str
    width: float = 14
    choices: Sequence[str] = ()


@dataclass
class Sheet:
    """A sheet to write. ``rows`` may be any iterable (a generator streams a large export)."""

    name: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Cell]] = ()
    freeze_header: bool = True


@dataclass
class Explanation:
    """The explanation sheet: one line per column (header, required or not, the rule, an
    example), under a short introduction."""

    name: str = "填写说明"
    introduction: Sequence[str] = ()
    lines: Sequence[Sequence[Cell]] = field(default_factory=list)
    headers: Sequence[str] = ("列名", "是否必填", "填写规则", "示例")


def write_workbook(sheets: Sequence[Sheet], explanation: Explanation | None = None) -> bytes:
    """The ``.xlsx`` bytes of ``sheets`` (in order, the first one active), then the explanation
    sheet if given. Headers are bold and frozen; dates are written as dates (yyyy-mm-dd); every
    column with ``choices`` gets a drop-down list (validated: a value outside it is refused by
    Excel) on its first ``DROP_DOWN_ROWS`` data rows."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": False})
    formats = _Formats(book)
    lists = _ChoiceLists(book)
    for sheet in sheets:
        _write_sheet(book, sheet, formats, lists)
    if explanation is not None:
        _write_explanation(book, explanation, formats)
    lists.finish()
    book.close()
    return buffer.getvalue()


class _Formats:
    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.header = book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1})
        self.date = book.add_format({"num_format": "yyyy-mm-dd"})
        self.datetime = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})


class _ChoiceLists:
    """Choice lists too long to write inline live on one hidden sheet, a column each."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.book = book
        self.columns: list[Sequence[str]] = []

    def source(self, choices: Sequence[str]) -> str | list[str]:
        if len(",".join(choices)) <= LIST_SOURCE_LIMIT:
            return list(choices)
        self.columns.append(choices)
        letter = xlsxwriter.utility.xl_col_to_name(len(self.columns) - 1)
        return f"=代码表!${letter}$1:${letter}${len(choices)}"

    def finish(self) -> None:
        if not self.columns:
            return
        sheet = self.book.add_worksheet("代码表")
        for column, choices in enumerate(self.columns):
            for row, choice in enumerate(choices):
                sheet.write_string(row, column, choice)
        sheet.hide()


def _write_sheet(
    book: xlsxwriter.Workbook, sheet: Sheet, formats: _Formats, lists: _ChoiceLists
) -> None:
    worksheet = book.add_worksheet(sheet.name)
    for index, column in enumerate(sheet.columns):
        worksheet.set_column(index, index, column.width)
        if column.choices:
            worksheet.data_validation(
                1,
                index,
                DROP_DOWN_ROWS,
                index,
                {
                    "validate": "list",
                    "source": lists.source(column.choices),
                    "error_title": column.header,
                    "error_message": "请从下拉列表中选择。",
                },
            )
    if sheet.freeze_header:
        worksheet.freeze_panes(1, 0)
    worksheet.write_row(0, 0, [column.header for column in sheet.columns], formats.header)
    for row_index, row in enumerate(sheet.rows, start=1):
        for column_index, value in enumerate(row):
            _write_cell(worksheet, row_index, column_index, value, formats)


def _write_cell(worksheet: Any, row: int, column: int, value: Cell, formats: _Formats) -> None:
    if value is None or value == "":
        return
    if isinstance(value, datetime):
        worksheet.write_datetime(row, column, value.replace(tzinfo=None), formats.datetime)
    elif isinstance(value, date):
        worksheet.write_datetime(
            row, column, datetime(value.year, value.month, value.day), formats.date
        )
    elif isinstance(value, bool):
        worksheet.write_string(row, column, "是" if value else "否")
    elif isinstance(value, int | float):
        worksheet.write_number(row, column, value)
    else:
        # Always text: an ID number or a phone written as a number would lose digits in Excel.
        worksheet.write_string(row, column, str(value))


def _write_explanation(
    book: xlsxwriter.Workbook, explanation: Explanation, formats: _Formats
) -> None:
    worksheet = book.add_worksheet(explanation.name)
    worksheet.set_column(0, 0, 18)
    worksheet.set_column(1, 1, 10)
    worksheet.set_column(2, 2, 60, formats.wrap)
    worksheet.set_column(3, 3, 24)
    row = 0
    for line in explanation.introduction:
        worksheet.write_string(row, 0, line)
        row += 1
    if explanation.introduction:
        row += 1
    worksheet.write_row(row, 0, list(explanation.headers), formats.header)
    for line in explanation.lines:
        row += 1
        for column, value in enumerate(line):
            _write_cell(worksheet, row, column, value, formats)


# --- reading ---------------------------------------------------------------------------------


class UnreadableWorkbook(ValueError):
    """The upload is not an .xlsx workbook calamine can read (the message is for the user)."""


def open_sheet(source: bytes | Path, sheet_name: str | None = None) -> Any:
    """The named sheet (or the first) of an ``.xlsx`` file given as bytes or a path."""
    try:
        book = (
            CalamineWorkbook.from_path(str(source))
            if isinstance(source, Path)
            else CalamineWorkbook.from_filelike(io.BytesIO(source))
        )
        if sheet_name is not None and sheet_name in book.sheet_names:
            return book.get_sheet_by_name(sheet_name)
        return book.get_sheet_by_index(0)
    except Exception as error:  # calamine raises several error types for a broken file
        raise UnreadableWorkbook("无法读取该文件：请上传 Excel（.xlsx）工作簿。") from error


def read_rows(source: bytes | Path, sheet_name: str | None = None) -> Iterator[list[Any]]:
    """The rows of a sheet, header first, as lists of Python values (str, int, float, bool,
    date, datetime; "" for an empty cell), one at a time."""
    sheet = open_sheet(source, sheet_name)
    yield from sheet.iter_rows()
