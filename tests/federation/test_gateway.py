"""Through Hive Gateway: a query across the alliance and both partners, refusals at the gateway
and in the partners, and batched entity resolution (counted SQL statements)."""

from __future__ import annotations

from collections import defaultdict

import pytest

from auth import scopes
from gateway.local import Federation
from gateway.partners.job_board import data as job_board_data
from gateway.partners.social_insurance import data as social_insurance_data
from resolvers.ids import decode_id
from tests.federation.conftest import statements
from tests.federation.queries import ALLIANCE_PART, EMPLOYMENT_VERIFICATION, post
from tests.tokens import mint_access_token

FIRST = 40


@pytest.fixture(scope="module")
def insured_by_person() -> dict[int, dict]:
    ((_, rows),) = social_insurance_data.seed_rows("test")
    return {row["person_id"]: row for row in rows}


@pytest.fixture(scope="module")
def postings_by_organisation() -> dict[int, list[dict]]:
    ((_, rows),) = job_board_data.seed_rows("test")
    grouped: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        grouped[row["organisation_id"]].append(
            {"title": row["title"], "headcount": row["headcount"]}
        )
    return grouped


async def test_a_query_across_all_three_subgraphs(
    federation: Federation, token_of, insured_by_person, postings_by_organisation
) -> None:
    token = await token_of("city")
    response = post(federation.gateway_url, EMPLOYMENT_VERIFICATION, {"first": FIRST}, token)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    persons = [edge["node"] for edge in body["data"]["persons"]["edges"]]

    direct = post(federation.alliance_url, ALLIANCE_PART, {"first": FIRST}, token).json()
    assert [_alliance_part(person) for person in persons] == [
        e["node"] for e in direct["data"]["persons"]["edges"]
    ]

    for person in persons:
        expected = insured_by_person.get(decode_id(person["id"], "Person"))
        assert person["insuredEmployment"] == (
            expected
            and {
                "employer": expected["employer"],
                "contributionMonths": expected["contribution_months"],
                "lastContributionMonth": expected["last_contribution_month"],
            }
        )
    employers = [r["employer"] for p in persons for r in p["employmentRecords"] if r["employer"]]
    for employer in employers:
        assert employer["jobBoardPostings"] == postings_by_organisation.get(
            decode_id(employer["id"], "Organisation"), []
        )
    # Not vacuous: insured graduates, and employers with openings on the board, are in the answer.
    assert sum(person["insuredEmployment"] is not None for person in persons) >= 10
    assert any(employer["jobBoardPostings"] for employer in employers)


def _alliance_part(person: dict) -> dict:
    records = [
        {
            "employerName": r["employerName"],
            "employer": r["employer"]
            and {"id": r["employer"]["id"], "name": r["employer"]["name"]},
        }
        for r in person["employmentRecords"]
    ]
    return {"id": person["id"], "name": person["name"], "employmentRecords": records}


async def test_each_partner_resolves_its_entities_with_one_statement(
    federation: Federation, token_of
) -> None:
    token = await token_of("city")
    post(
        federation.gateway_url, EMPLOYMENT_VERIFICATION, {"first": FIRST}, token
    )  # connections opened
    before = {name: len(statements(log)) for name, log in federation.sql_logs.items()}

    response = post(federation.gateway_url, EMPLOYMENT_VERIFICATION, {"first": FIRST}, token)

    assert "errors" not in response.json()
    new = {name: statements(log)[before[name] :] for name, log in federation.sql_logs.items()}
    assert (
        len(new["social_insurance"]) == 1
        and "FROM insured_employments" in new["social_insurance"][0]
    )
    assert len(new["job_board"]) == 1 and "FROM job_postings" in new["job_board"][0]


def test_personal_partner_fields_are_refused_at_the_gateway_without_a_token(
    federation: Federation,
) -> None:
    before = {name: len(statements(log)) for name, log in federation.sql_logs.items()}

    response = post(federation.gateway_url, EMPLOYMENT_VERIFICATION, {"first": FIRST})

    assert response.status_code == 401
    assert {error["extensions"]["code"] for error in response.json()["errors"]} == {
        "UNAUTHENTICATED"
    }
    assert response.json().get("data") is None
    after = {name: len(statements(log)) for name, log in federation.sql_logs.items()}
    assert after == before  # refused before any subgraph was asked


async def test_missing_scope_is_forbidden_at_the_gateway(
    federation: Federation, seeded_url: str
) -> None:
    read_only = await mint_access_token(
        federation.auth_config(), seeded_url, "city", scope=scopes.READ
    )
    response = post(federation.gateway_url, EMPLOYMENT_VERIFICATION, {"first": FIRST}, read_only)

    assert response.status_code == 403
    assert "FORBIDDEN" in {error["extensions"]["code"] for error in response.json()["errors"]}


def test_an_invalid_token_is_refused_by_the_gateway(federation: Federation) -> None:
    forged = "eyJhbGciOiJFUzI1NiIsImtpZCI6IngiLCJ0eXAiOiJhdCtqd3QifQ.e30.c2ln"
    response = post(
        federation.gateway_url, "{ jobBoardPostings(first: 1) { title } }", token=forged
    )
    assert response.status_code == 401


def test_public_partner_data_needs_no_token(federation: Federation) -> None:
    response = post(
        federation.gateway_url, "{ jobBoardPostings(first: 2) { title employer { name } } }"
    )
    postings = response.json()["data"]["jobBoardPostings"]
    assert len(postings) == 2 and all(posting["employer"]["name"] for posting in postings)
