"""The operations the federation tests send, and sending them."""

from __future__ import annotations

import httpx

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


def post(url: str, query: str, variables: dict | None = None, token: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.post(f"{url}/graphql", json={"query": query, "variables": variables or {}},
                      headers=headers, timeout=30)


def representations(type_name: str, ids: list[str]) -> list[dict]:
    return [{"__typename": type_name, "id": id_} for id_ in ids]
