"""The school registry's demo records, derived from the alliance seed so that its students are
the alliance's demo (or test) persons: ``python -m gateway.partners.school_registry.demo_data
--scale test --out FILE``.

This stands in for the registry's own database: the partner itself is Node (server.mjs) and reads
the JSON file this writes. A real registry holds its students by ID number, as here; it never
sees the alliance's internal ids.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from models.catalogue import Major
from models.organisations import Organisation
from models.people import Person, StudentRecord
from seeds import demo

DEFAULT_OUT = Path(__file__).resolve().parents[3] / "var" / "partner-school_registry.json"
STATUS = {"studying": "ENROLLED", "graduated": "GRADUATED", "withdrawn": "LEFT"}
# Every seventh student studied under another province's registry: this one holds no record of
# them, so the join answers null for some persons the alliance knows.
ELSEWHERE_EVERY = 7


def registrations(scale: str) -> list[dict]:
    tables: dict[str, dict] = {"persons": {}, "organisations": {}, "majors": {}}
    records: list[dict] = []
    for table, rows in demo.generate(scale, password_hash=""):
        if table is StudentRecord.__table__:
            records.extend(rows)
        for model, key in ((Person, "id"), (Organisation, "id"), (Major, "code")):
            if table is model.__table__:
                tables[table.name].update((row[key], row) for row in rows)
    return [
        {
            "idNumber": tables["persons"][record["person_id"]]["id_number"],
            "registryNumber": f"XJ{record['entry_year']}{record['id']:07d}",
            "schoolCreditCode": tables["organisations"][record["school_id"]]["credit_code"],
            "majorName": tables["majors"][record["major_code"]]["name"],
            "entryYear": record["entry_year"],
            "status": STATUS[str(record["status"])],
        }
        for record in records
        if record["person_id"] % ELSEWHERE_EVERY
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m gateway.partners.school_registry.demo_data")
    parser.add_argument("--scale", choices=("demo", "bench", "test"), default="demo")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    found = registrations(args.scale)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"registrations": found}, ensure_ascii=False), encoding="utf-8")
    print(f"school_registry: {len(found)} registrations in {args.out}")


if __name__ == "__main__":
    main()
