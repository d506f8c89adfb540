"""The Node partner (学籍系统) in the running federation: a query through Hive Gateway that joins
the alliance, the school registry (by the person key), the alliance again (the school, by credit
code), the job board (by id) and social insurance; and the registry's own checks asked directly.

Expected values come from the registry's records file and the alliance's database, read here;
the person key of each record is computed here with ``hmac``."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import Counter, defaultdict

import httpx2
import pytest
from sqlalchemy import select

from gateway.local import Federation
from gateway.partners.job_board import data as job_board_data
from models.db import create_engine
from models.organisations import Organisation
from models.settings import get_settings
from resolvers.ids import to_global_id
from tests.federation.queries import post

FIRST = 40
REGISTRY_CHECK = """
query SchoolRegistryCheck($first: Int!) {
  persons(ledger: GRADUATES, first: $first) {
    edges { node {
      id
      idNumber
      insuredEmployment { employer }
      schoolRegistration {
        registryNumber status entryYear majorName
        school { id name registeredStudentCount jobBoardPostings { title } }
      }
    } }
  }
}
"""
REGISTRATION_ENTITIES = """
query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Person { schoolRegistration { registryNumber } }
  }
}
"""


def person_key(id_number: str) -> str:
    key = get_settings().federation_key or ""
    return hmac.new(key.encode(), id_number.encode(), hashlib.sha256).hexdigest()


@pytest.fixture(scope="module")
def registrations(federation: Federation) -> dict[str, dict]:
    records = json.loads((federation.workdir / "school_registry.json").read_text())
    return {record["idNumber"]: record for record in records["registrations"]}


@pytest.fixture(scope="module")
async def schools_by_credit_code(seeded_url: str) -> dict[str, tuple[int, str]]:
    engine = create_engine(seeded_url)
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(Organisation.credit_code, Organisation.id, Organisation.name)
        )
        found = {code: (id_, name) for code, id_, name in rows}
    await engine.dispose()
    return found


def _postings_by_organisation() -> dict[int, list[dict]]:
    ((_, rows),) = job_board_data.seed_rows("test")
    grouped: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        grouped[row["organisation_id"]].append({"title": row["title"]})
    return grouped


@pytest.mark.parametrize("username", ["county", "school", "city"])
async def test_a_query_joining_the_alliance_and_all_three_partners(
    federation: Federation, token_of, registrations, schools_by_credit_code, username: str
) -> None:
    response = post(
        federation.gateway_url, REGISTRY_CHECK, {"first": FIRST}, await token_of(username)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    persons = [edge["node"] for edge in body["data"]["persons"]["edges"]]
    counts = Counter(record["schoolCreditCode"] for record in registrations.values())
    postings = _postings_by_organisation()

    joined = 0
    for person in persons:
        # The alliance hands the gateway the key only where the caller sees the ID number in clear.
        clear = "*" not in person["idNumber"]
        record = registrations.get(person["idNumber"]) if clear else None
        if record is None:
            assert person["schoolRegistration"] is None, person
            continue
        joined += 1
        school_id, school_name = schools_by_credit_code[record["schoolCreditCode"]]
        assert person["schoolRegistration"] == {
            "registryNumber": record["registryNumber"],
            "status": record["status"],
            "entryYear": record["entryYear"],
            "majorName": record["majorName"],
            "school": {
                "id": to_global_id("Organisation", school_id),
                "name": school_name,
                "registeredStudentCount": counts[record["schoolCreditCode"]],
                "jobBoardPostings": postings.get(school_id, []),
            },
        }
    if username == "city":  # a city bureau sees its region's ID numbers masked: no key, no join
        assert joined == 0 and persons
    else:
        assert joined >= 3, joined  # not vacuous
    if username == "county":
        assert any(person["insuredEmployment"] for person in persons)


def _registration_entities(
    federation: Federation, keys: list[str], token: str | None, signed: bool = True
):
    variables = {"representations": [{"__typename": "Person", "idNumberHmac": key} for key in keys]}
    return post(
        federation.partner_urls["school_registry"],
        REGISTRATION_ENTITIES,
        variables,
        token,
        signed_with=federation.gateway_secret if signed else None,
    )


async def test_the_registry_answers_only_what_the_gateway_signed(
    federation: Federation, token_of, registrations
) -> None:
    keys = [person_key(next(iter(registrations)))]
    for response in (
        _registration_entities(federation, keys, await token_of("county"), signed=False),
        post(
            federation.partner_urls["school_registry"],
            REGISTRATION_ENTITIES,
            {"representations": []},
            await token_of("county"),
            signed_with="not-the-gateway-secret",
        ),
    ):
        assert response.status_code == 403
        assert response.json()["errors"][0]["extensions"]["code"] == "GATEWAY_SIGNATURE_REQUIRED"


async def test_the_registry_verifies_the_token_and_applies_its_own_roles(
    federation: Federation, token_of, registrations
) -> None:
    id_number, record = next(iter(registrations.items()))
    keys = [person_key(id_number)]

    forged = "eyJhbGciOiJFUzI1NiIsImtpZCI6IngiLCJ0eXAiOiJhdCtqd3QifQ.e30.c2ln"
    assert _registration_entities(federation, keys, forged).status_code == 401

    anonymous = _registration_entities(federation, keys, None).json()
    assert anonymous["data"]["_entities"] == [{"schoolRegistration": None}]
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    enterprise = _registration_entities(federation, keys, await token_of("enterprise")).json()
    assert enterprise["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    county = _registration_entities(federation, keys, await token_of("county")).json()
    assert county == {
        "data": {
            "_entities": [{"schoolRegistration": {"registryNumber": record["registryNumber"]}}]
        }
    }


async def test_the_registry_bounds_its_batches(federation: Federation, token_of) -> None:
    response = _registration_entities(federation, ["0" * 64] * 501, await token_of("county"))
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "TOO_MANY_REPRESENTATIONS"


def test_the_registry_reads_its_records_for_readiness(federation: Federation) -> None:
    assert httpx2.get(f"{federation.partner_urls['school_registry']}/healthz").text == "ok"


@pytest.mark.parametrize(
    ("query", "code"),
    [
        (
            "{ __schema { types { fields { type { ofType { ofType { ofType { ofType { name } } } } } } } } }",
            "QUERY_TOO_DEEP",
        ),
        ("{ " + " ".join(f"a{n}: __typename" for n in range(11)) + " }", "TOO_MANY_ALIASES"),
    ],
    ids=["9 deep", "11 aliases"],
)
def test_the_registry_bounds_its_documents(federation: Federation, query: str, code: str) -> None:
    response = post(
        federation.partner_urls["school_registry"],
        query,
        signed_with=federation.gateway_secret,
    )
    assert code in {error["extensions"]["code"] for error in response.json()["errors"]}
