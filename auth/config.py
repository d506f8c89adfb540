"""Settings of the authorization and resource servers, on top of the process-wide settings.

Environment:
  YULU_AUDIENCE            the ``aud`` of our access tokens (default: ``<issuer>/graphql``)
  YULU_TRUSTED_ISSUERS     JSON list of external OIDC issuers whose access tokens the API accepts,
                           see :class:`TrustedIssuer`
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

from models.organisations import Role
from models.settings import Settings, SettingsError

# Roles an external identity provider may assert. Admin and graduate are ours alone: an admin
# manages this server, and a graduate must be linked to a person record here.
EXTERNAL_ROLES = frozenset({Role.ENTERPRISE, Role.SCHOOL, Role.AGENCY, Role.BUREAU})


@dataclass(frozen=True)
class TrustedIssuer:
    """An external OIDC issuer (a province's identity platform, a central SOE's SSO ...).

    Its tokens name the member by its unified social credit code; organisation and region are
    then taken from our own records, so an issuer cannot place a member in another region.
    """

    issuer: str
    jwks_uri: str
    audience: str
    algorithms: tuple[str, ...] = ("RS256", "ES256")
    token_types: tuple[str, ...] = ("at+jwt",)
    role_claim: str = "role"
    organisation_claim: str = "organisation_credit_code"
    scope_claim: str = "scope"
    # External role names → ours, e.g. {"hr": "agency"}; unmapped values are taken as they are.
    role_map: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict) -> TrustedIssuer:
        known = {name: value for name, value in data.items() if name in cls.__dataclass_fields__}
        for name in ("algorithms", "token_types"):
            if name in known:
                known[name] = tuple(known[name])
        return cls(**known)


@dataclass(frozen=True)
class AuthConfig:
    issuer: str
    audience: str
    secret_key: str
    access_token_seconds: int
    refresh_token_seconds: int
    trusted_issuers: tuple[TrustedIssuer, ...] = ()
    authorization_code_seconds: int = 300
    # Tolerated clock difference between us and external issuers when checking exp / nbf.
    leeway_seconds: int = 30
    # A token with an unknown kid makes us refetch that issuer's keys, at most this often.
    jwks_refetch_seconds: float = 10.0
    # Keys are reloaded this often anyway, so a key retired by rotation stops verifying.
    jwks_max_age_seconds: float = 300.0

    @classmethod
    def from_settings(cls, settings: Settings) -> AuthConfig:
        issuer = settings.issuer.rstrip("/")
        return cls(
            issuer=issuer,
            audience=os.environ.get("YULU_AUDIENCE", f"{issuer}/graphql"),
            secret_key=settings.secret_key,
            access_token_seconds=settings.access_token_seconds,
            refresh_token_seconds=settings.refresh_token_seconds,
            trusted_issuers=_trusted_issuers(os.environ.get("YULU_TRUSTED_ISSUERS", "[]")),
        )


def _trusted_issuers(value: str) -> tuple[TrustedIssuer, ...]:
    try:
        return tuple(TrustedIssuer.from_dict(item) for item in json.loads(value))
    except (ValueError, TypeError, AttributeError) as error:
        raise SettingsError(
            [
                f"YULU_TRUSTED_ISSUERS：须为 JSON 数组，每项含 issuer、jwks_uri、audience（{error}）。"
            ]
        ) from None
