"""The viewer: who is asking, as every layer below the portal sees them.

Built from a validated access token (our own issuer or a trusted external one); resolvers decide
rows and fields from these values only, never from the raw token.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from models.organisations import Role
from models.regions import RegionLevel


@dataclass(frozen=True)
class Viewer:
    user_id: int | None = None
    role: Role | None = None
    organisation_id: int | None = None
    region_code: str | None = None
    region_level: RegionLevel | None = None
    person_id: int | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    client_id: str | None = None

    @property
    def is_authenticated(self) -> bool:
        return self.role is not None


ANONYMOUS = Viewer()


def viewer_from_claims(
    claims: dict, scopes: frozenset[str], client_id: str | None = None
) -> Viewer:
    """The viewer our own access token's claims describe (auth.tokens.viewer_claims); background
    jobs and the command line build theirs from the same claims (auth.acting)."""
    level = claims.get("region_level")
    return Viewer(
        user_id=claims.get("uid"),
        role=Role(claims["role"]),
        organisation_id=claims.get("organisation"),
        region_code=claims.get("region"),
        region_level=RegionLevel(level) if level else None,
        person_id=claims.get("person"),
        scopes=scopes,
        client_id=client_id,
    )
