"""Every named operation the portal sends is valid against the API's schema, so a change of the
API that breaks a page fails here, without a browser."""

from __future__ import annotations

import pytest
from graphql import parse, validate

from portal.operations import operations, parse_operations
from schema.api import build_schema


@pytest.mark.parametrize("name", sorted(operations()))
def test_operation_is_valid_against_the_schema(name: str) -> None:
    schema = build_schema()._schema
    errors = validate(schema, parse(operations()[name].source))
    assert errors == [], [error.message for error in errors]


def test_an_operation_is_sent_with_only_the_fragments_it_uses() -> None:
    document = parse("""
        query A { viewer { organisation { ...Org } } }
        query B { viewer { role } }
        fragment Org on Organisation { id ...Named }
        fragment Named on Organisation { name }
    """)
    found = parse_operations([document])
    assert "fragment Org" in found["A"].source and "fragment Named" in found["A"].source
    assert "fragment" not in found["B"].source


def test_operation_names_are_unique() -> None:
    with pytest.raises(ValueError, match="defined twice"):
        parse_operations(
            [parse("query A { viewer { role } }"), parse("query A { viewer { role } }")]
        )
