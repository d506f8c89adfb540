"""Issuing RFC 9068 JWT access tokens: ES256, ``kid``, ``typ: at+jwt``.

Besides the registered claims, a token carries who the viewer is — role, organisation, region,
person — so the resource server builds the Viewer without a database round trip.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from joserfc import jwt
from sqlalchemy.orm import Session

from auth import keys, scopes
from auth.config import AuthConfig
from auth.digests import new_secret
from models.organisations import Organisation, Role, User
from models.regions import Region

TOKEN_TYPE = "at+jwt"
GENERATION = "gen"  # the user's token generation at issue (models.organisations.User)


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    jti: str
    expires_at: int  # seconds since the epoch
    scope: str


def allowed_scope(user: User, requested: str) -> str:
    """Only an admin's tokens may carry the admin scope, whatever the client asked for."""
    granted = scopes.parse(requested)
    if user.role != Role.ADMIN:
        granted -= {scopes.ADMIN}
    return scopes.join(granted)


def viewer_claims(session: Session, user: User) -> dict:
    """The claims that say who the user is in the alliance (see auth.viewer.Viewer)."""
    region = None
    if user.organisation_id is not None:
        organisation = session.get_one(Organisation, user.organisation_id)
        region = session.get(Region, organisation.region_code)
    return {
        "uid": user.id,
        "role": user.role.value,
        "organisation": user.organisation_id,
        "region": region.code if region else None,
        "region_level": region.level.value if region else None,
        "person": user.person_id,
    }


def issue_access_token(
    session: Session,
    config: AuthConfig,
    *,
    user: User,
    client_id: str,
    subject: str,
    scope: str,
    lifetime_seconds: int | None = None,
) -> IssuedToken:
    """Sign an access token for ``user`` (a person signed in, or a member system's service user
    when ``subject`` is the client itself)."""
    now = int(time.time())
    lifetime = lifetime_seconds or config.access_token_seconds
    scope = allowed_scope(user, scope)
    jti = new_secret(16)
    claims = {
        "iss": config.issuer,
        "aud": config.audience,
        "sub": subject,
        "client_id": client_id,
        "scope": scope,
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
        "jti": jti,
        GENERATION: user.token_generation,  # a password reset or deactivation moves it on
        **viewer_claims(session, user),
    }
    key = keys.signing_key(session, config.secret_key)
    header = {"alg": keys.ALGORITHM, "kid": key.kid, "typ": TOKEN_TYPE}
    return IssuedToken(jwt.encode(header, claims, key), jti, now + lifetime, scope)
