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
