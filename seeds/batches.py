"""Rows collected per table for the seed's streaming inserts."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Table

BATCH = 5_000


class Batches:
    """Rows collected per table, handed out whenever a table holds a full batch.

    Parents are flushed before children: tables are yielded in first-seen order, or in the
    order given (``tables``) when a child may be seen first.
    """

    def __init__(self, *tables: Table) -> None:
        self.rows: dict[Table, list[dict]] = {table: [] for table in tables}

    def add(self, table: Table, row: dict) -> None:
        self.rows.setdefault(table, []).append(row)

    def full(self) -> Iterator[tuple[Table, list[dict]]]:
        if any(len(rows) >= BATCH for rows in self.rows.values()):
            yield from self.rest()

    def rest(self) -> Iterator[tuple[Table, list[dict]]]:
        for table, rows in self.rows.items():
            if rows:
                yield table, rows
        self.rows = {table: [] for table in self.rows}
