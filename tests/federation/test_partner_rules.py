"""The partners do not take the gateway's word: they verify the forwarded token against the
alliance's JWKS themselves and apply their own rules, even to requests that passed the gateway."""

from __future__ import annotations

from gateway.local import Federation
from resolvers.ids import to_global_id
from tests.federation.queries import (
    EMPLOYMENT_VERIFICATION,
    INSURED_ENTITIES,
    post,
    representations,
)

INSURED_PERSON = to_global_id("Person", 148)  # insured at 中国邮政 in the test seed (石柱县)


def _insured(federation: Federation, token: str | None):
    variables = {"representations": representations("Person", [INSURED_PERSON])}
    return post(
        federation.partner_urls["social_insurance"],
        INSURED_ENTITIES,
        variables,
        token,
        signed_with=federation.gateway_secret,
    )


def test_a_forged_token_is_refused_by_the_partner(federation: Federation) -> None:
    forged = "eyJhbGciOiJFUzI1NiIsImtpZCI6IngiLCJ0eXAiOiJhdCtqd3QifQ.e30.c2ln"
    response = _insured(federation, forged)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_the_partner_refuses_personal_fields_without_a_token(federation: Federation) -> None:
    body = _insured(federation, None).json()
    assert body["data"]["_entities"] == [{"insuredEmployment": None}]
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_the_partner_verifies_a_real_alliance_token(federation: Federation, token_of) -> None:
    body = _insured(federation, await token_of("city")).json()  # a bureau of the person's region
    assert "errors" not in body, body
    assert (
        body["data"]["_entities"][0]["insuredEmployment"]["employer"]
        == "中国邮政集团有限公司重庆市分公司"
    )


async def test_the_partner_own_rule_refuses_enterprises_even_through_the_gateway(
    federation: Federation, token_of
) -> None:
    # The gateway lets it through (the token has personal:read); the bureau's own rule does not.
    response = post(
        federation.gateway_url, EMPLOYMENT_VERIFICATION, {"first": 5}, await token_of("enterprise")
    )
    errors = response.json().get("errors", [])
    refused = [error for error in errors if error.get("path", [None])[-1] == "insuredEmployment"]
    assert refused and {error["extensions"]["code"] for error in refused} == {"FORBIDDEN"}
