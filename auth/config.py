"""Settings of the authorization and resource servers, on top of the process-wide settings
(``models.settings``: YULU_AUDIENCE and YULU_TRUSTED_ISSUERS are read and validated there)."""

from __future__ import annotations

from dataclasses import dataclass

from models.organisations import Role
from models.settings import Settings, TrustedIssuer

__all__ = ["EXTERNAL_ROLES", "AuthConfig", "TrustedIssuer"]

# Roles an external identity provider may assert. Admin and graduate are ours alone: an admin
# manages this server, and a graduate must be linked to a person record here.
EXTERNAL_ROLES = frozenset({Role.ENTERPRISE, Role.SCHOOL, Role.AGENCY, Role.BUREAU})


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
    # A token found valid is not checked again for this long (auth.resource.CheckedTokens): how
    # late a revocation made through another worker or the command line takes effect here.
    revocation_recheck_seconds: float = 5.0

    @classmethod
    def from_settings(cls, settings: Settings) -> AuthConfig:
        issuer = settings.issuer.rstrip("/")
        return cls(
            issuer=issuer,
            audience=settings.token_audience,
            secret_key=settings.secret_key,
            access_token_seconds=settings.access_token_seconds,
            refresh_token_seconds=settings.refresh_token_seconds,
            trusted_issuers=settings.trusted_issuers,
        )
