"""The operations the federation tests send, and sending them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import httpx2

# A bureau checks graduates' reported jobs against social insurance contributions, and sees
# which of their employers are hiring on the SOE job board: alliance → 人社 and alliance → board.
EMPLOYMENT_VERIFICATION = """
query EmploymentVerification($first: Int!) {
  persons(ledger: GRADUATES, first: $first) {
    edges { node {
      id
      name
      employmentRecords { employerName employer { id name jobBoardPostings { title headcount } } }
      insuredEmployment { employer contributionMonths lastContributionMonth }
    } }
  }
}
"""

# The alliance's part of it alone, as the alliance answers it directly.
ALLIANCE_PART = """
query AlliancePart($first: Int!) {
  persons(ledger: GRADUATES, first: $first) {
    edges { node { id name employmentRecords { employerName employer { id name } } } }
  }
}
"""

INSURED_ENTITIES = """
query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Person { insuredEmployment { employer contributionMonths lastContributionMonth } }
  }
}
"""

POSTINGS_ENTITIES = """
query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Organisation { jobBoardPostings { title headcount } }
  }
}
"""


def post(
    url: str,
    query: str,
    variables: dict | None = None,
    token: str | None = None,
    signed_with: str | None = None,
) -> httpx2.Response:
    """POST to ``url``/graphql; ``signed_with`` a secret: signed as the gateway signs."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body: dict = {"query": query, "variables": variables or {}}
    if signed_with is not None:
        body["extensions"] = {"hmac-signature": gateway_signature(signed_with, query, variables)}
    return httpx2.post(f"{url}/graphql", json=body, headers=headers, timeout=30)


def gateway_signature(secret: str, query: str, variables: dict | None) -> str:
    """What Hive Gateway's hmacSignature sends: base64 HMAC-SHA256 of the stable JSON (sorted
    keys, no spaces) of {query, variables}, variables left out when empty."""
    content = {"query": query, **({"variables": variables} if variables else {})}
    text = json.dumps(content, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return base64.b64encode(
        hmac.new(secret.encode(), text.encode(), hashlib.sha256).digest()
    ).decode()


def representations(type_name: str, ids: list[str]) -> list[dict]:
    return [{"__typename": type_name, "id": id_} for id_ in ids]
