"""The authorization server's state: clients, codes, refresh-token families, revocations, keys.

Secrets that grant access (client secrets, authorization codes, refresh tokens) are stored as
SHA-256 digests: they are long random strings, so a fast digest is enough and a leaked table
reveals nothing usable. Signing keys are stored encrypted with a key derived from the secret key.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Timestamped, enum_column


class OAuthClient(Timestamped, Base):
    __tablename__ = "oauth_clients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    # None for a public client (a browser or native app): it proves itself with PKCE alone.
    client_secret_hash: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(128))
    redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    grant_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The scopes this client may ask for, space-separated.
    scope: Mapped[str] = mapped_column(String(512), default="")
    # First-party clients (the portal itself) skip the consent screen.
    first_party: Mapped[bool] = mapped_column(Boolean, default=False)
    # A member system's client_credentials tokens act as this (service) user: its role,
    # organisation and region go into the token, and audit records name it.
    service_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )


class AuthorizationCode(Base):
    __tablename__ = "oauth_authorization_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(
        ForeignKey("oauth_clients.client_id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    redirect_uri: Mapped[str] = mapped_column(String(512))
    scope: Mapped[str] = mapped_column(String(512))
    code_challenge: Mapped[str] = mapped_column(String(128))
    code_challenge_method: Mapped[str] = mapped_column(String(8))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # A code is kept once exchanged, with what it was exchanged for: presenting it again means
    # it leaked, and the tokens it bought are revoked (RFC 6749 §4.1.2).
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    access_token_jti: Mapped[str | None] = mapped_column(String(64))
    refresh_family_id: Mapped[str | None] = mapped_column(String(32))


class RefreshToken(Base):
    """One refresh token; every rotation adds a row to the same family.

    A token is used once (``rotated_at`` set); presenting it again means it was stolen or
    replayed, and the whole family is revoked (OAuth 2.0 Security BCP, refresh token rotation).
    """

    __tablename__ = "oauth_refresh_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    family_id: Mapped[str] = mapped_column(String(32), index=True)
    client_id: Mapped[str] = mapped_column(
        ForeignKey("oauth_clients.client_id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(String(512))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The access token issued alongside: revoking the family puts it on the deny list too.
    access_token_jti: Mapped[str] = mapped_column(String(64))
    access_token_expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    rotated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RevokedAccessToken(Base):
    """The jti deny list: JWT access tokens are stateless, so revocation needs this table.

    A row matters only until ``expires_at``; after that the token is refused as expired anyway.
    """

    __tablename__ = "oauth_revoked_access_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class KeyState(enum.StrEnum):
    CURRENT = "current"  # signs new tokens; published
    PREVIOUS = "previous"  # published so tokens it signed stay valid until they expire
    RETIRED = "retired"  # neither signs nor verifies


class SigningKey(Base):
    __tablename__ = "oauth_signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[KeyState] = mapped_column(enum_column(KeyState), index=True)
    # PKCS#8 PEM, Fernet-encrypted with a key derived from the settings' secret key.
    private_key_encrypted: Mapped[str] = mapped_column(Text)
    public_jwk: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class SignInFailure(Base):
    """A failed sign-in from one network address, and the username it tried: many of them,
    whatever the usernames, slow that address down (guessing across accounts); a few for one
    username lock that username for that address only (see auth.passwords). Keyed by the name
    typed, not the account, so an unknown username backs off exactly like a known one."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (Index("ix_sign_in_failures_source_at", "source", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    username: Mapped[str | None] = mapped_column(String(64))


class BrowserSession(Base):
    """A signed-in browser. The session cookie names it by a random id, stored here as its
    digest; every request that carries the cookie finds its row or is signed out, so deleting
    the row (sign-out, a password reset, deactivation) ends every copy of the cookie."""

    __tablename__ = "browser_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
