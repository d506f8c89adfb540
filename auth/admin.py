"""Managing users, OAuth clients and signing keys — for `yulu users|clients|keys` and admin
mutations. Synchronous functions over a Session (call them through ``run_sync``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.orm import Session

from auth import keys, passwords, scopes
from auth.browser_sessions import close_all_sessions
from auth.clock import utcnow
from auth.digests import digest, new_secret
from auth.portal_signin import PORTAL_CLIENT_ID
from auth.revocations import revoking
from auth.server import GRANT_TYPES
from models.oauth import (
    AuthorizationCode,
    BrowserSession,
    OAuthClient,
    RefreshToken,
    RevokedAccessToken,
    SignInFailure,
    SigningKey,
)
from models.organisations import Role, User

MIN_PASSWORD_LENGTH = 12
# A client has a few redirect URIs (one per deployment); the cap bounds the API's list field.
MAX_REDIRECT_URIS = 20


class AdminError(ValueError):
    """A request that cannot be carried out; the message says why, for the operator, and
    ``code`` and ``field`` which rule and argument, for the admin mutations (they answer in the
    portal's language)."""

    def __init__(self, message: str, code: str = "INVALID", field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.field = field


def check_password(password: str) -> None:
    """The one password rule (sign-in accounts, the first administrator of ``yulu init``)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AdminError(
            f"the password needs at least {MIN_PASSWORD_LENGTH} characters",
            "PASSWORD_TOO_SHORT",
            "password",
        )


@dataclass(frozen=True)
class HashedPassword:
    """A new password, checked and hashed already (``hashed_password``, in a worker thread when
    a request sets it), so the database work does not hash on the event loop."""

    value: str


def hashed_password(password: str) -> HashedPassword:
    check_password(password)
    return HashedPassword(passwords.hash_password(password))


def _password_hash(password: str | HashedPassword) -> str:
    return (
        password.value if isinstance(password, HashedPassword) else hashed_password(password).value
    )


def create_user(
    session: Session,
    username: str,
    password: str | HashedPassword,
    *,
    role: Role,
    display_name: str | None = None,
    organisation_id: int | None = None,
    person_id: int | None = None,
) -> User:
    if not username or len(username) > 64:
        raise AdminError("the username must be 1 to 64 characters", "INVALID_USERNAME", "username")
    if session.scalars(select(User.id).where(User.username == username)).first() is not None:
        raise AdminError(f"user {username!r} exists", "USER_EXISTS", "username")
    user = User(
        username=username,
        password_hash=_password_hash(password),
        display_name=display_name or username,
        role=role,
        organisation_id=organisation_id,
        person_id=person_id,
    )
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, username: str, password: str | HashedPassword) -> User:
    """New password; also lifts the sign-in back-off. Whoever knew the old one may hold a session
    or tokens: they all end (see :func:`end_sessions_and_tokens`)."""
    password_hash = _password_hash(password)
    user = unlock_user(session, username)
    user.password_hash = password_hash
    end_sessions_and_tokens(session, user)
    return user


def unlock_user(session: Session, username: str) -> User:
    """Lifts the sign-in back-off after repeated failures; the password stays."""
    user = _user(session, username)
    passwords.forget_failures(session, user)
    return user


def deactivate_user(session: Session, username: str) -> User:
    """The user can no longer sign in nor refresh, and whatever they hold ends now."""
    user = _user(session, username)
    user.is_active = False
    end_sessions_and_tokens(session, user)
    return user


def end_sessions_and_tokens(session: Session, user: User) -> None:
    """Every browser session of the user (each copy of each cookie), every refresh token, every
    access token issued so far — a client_credentials token of a service user too, it carries the
    same generation — and authorization codes not yet exchanged (they would buy fresh tokens)."""
    user.token_generation += 1
    revoking(session)
    close_all_sessions(session, user.id)
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    session.execute(
        delete(AuthorizationCode).where(
            AuthorizationCode.user_id == user.id, AuthorizationCode.used_at.is_(None)
        )
    )
    session.flush()


def list_users(session: Session, limit: int | None = None) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username).limit(limit)))


def create_client(
    session: Session,
    client_id: str,
    name: str,
    *,
    confidential: bool,
    grant_types: list[str],
    redirect_uris: Sequence[str] = (),
    scope: str = "",
    first_party: bool = False,
    service_username: str | None = None,
) -> tuple[OAuthClient, str | None]:
    """Register a client; returns it with its secret, which is shown once and never stored."""
    _check_client(client_id, confidential, grant_types, redirect_uris, scope, service_username)
    if session.scalars(select(OAuthClient.id).where(OAuthClient.client_id == client_id)).first():
        raise AdminError(f"client {client_id!r} exists", "CLIENT_EXISTS", "client_id")
    secret = new_secret(32) if confidential else None
    client = OAuthClient(
        client_id=client_id,
        client_secret_hash=digest(secret) if secret else None,
        name=name,
        redirect_uris=list(redirect_uris),
        grant_types=list(dict.fromkeys(grant_types)),
        scope=scopes.join(scopes.parse(scope) or scopes.ALL),
        first_party=first_party,
        service_user_id=_user(session, service_username).id if service_username else None,
    )
    session.add(client)
    session.flush()
    return client, secret


def _check_client(client_id, confidential, grant_types, redirect_uris, scope, service_username):
    unknown = set(grant_types) - set(GRANT_TYPES)
    if unknown:
        raise AdminError(
            f"unknown grant types: {', '.join(sorted(unknown))}",
            "UNKNOWN_GRANT_TYPE",
            "grant_types",
        )
    unknown_scopes = scopes.parse(scope) - set(scopes.ALL)
    if unknown_scopes:
        raise AdminError(
            f"unknown scopes: {', '.join(sorted(unknown_scopes))}", "UNKNOWN_SCOPE", "scope"
        )
    if "client_credentials" in grant_types and not (confidential and service_username):
        raise AdminError(
            "client_credentials needs a confidential client and a service user",
            "SERVICE_USER_REQUIRED",
            "service_username",
        )
    if len(redirect_uris) > MAX_REDIRECT_URIS:
        raise AdminError(f"at most {MAX_REDIRECT_URIS} redirect URIs", "TOO_MANY", "redirect_uris")
    if "authorization_code" in grant_types and not redirect_uris:
        raise AdminError(
            "authorization_code needs at least one redirect URI",
            "REDIRECT_URI_REQUIRED",
            "redirect_uris",
        )
    if not client_id or len(client_id) > 64:
        raise AdminError("client id must be 1 to 64 characters", "INVALID_CLIENT_ID", "client_id")


def list_clients(session: Session, limit: int | None = None) -> list[OAuthClient]:
    return list(session.scalars(select(OAuthClient).order_by(OAuthClient.client_id).limit(limit)))


def delete_client(session: Session, client_id: str) -> None:
    """Its codes and refresh tokens go with it (ON DELETE CASCADE). The portal's own client
    stays: without it nobody could sign in to the portal, the admin included."""
    if client_id == PORTAL_CLIENT_ID:
        raise AdminError("the portal's own client cannot be deleted", "PORTAL_CLIENT", "client_id")
    client = session.scalars(select(OAuthClient).where(OAuthClient.client_id == client_id)).first()
    if client is None:
        raise AdminError(f"no client {client_id!r}", "NOT_FOUND", "client_id")
    session.delete(client)


def purge_expired(session: Session) -> dict[str, int]:
    """Delete what can no longer be used: expired authorization codes, refresh tokens (a
    family's live token keeps the family revocable) and browser sessions, deny-list rows of
    access tokens past their expiry (refused as expired anyway), and sign-in failures older than
    the back-off window. Returns the rows deleted per table."""
    now = utcnow()
    deleted = {}
    for table in (AuthorizationCode, RefreshToken, RevokedAccessToken, BrowserSession):
        result = session.execute(delete(table).where(table.expires_at < now))
        assert isinstance(result, CursorResult)  # what a DELETE returns
        deleted[table.__tablename__] = result.rowcount
    failures = session.execute(
        delete(SignInFailure).where(SignInFailure.at <= now - passwords.WINDOW)
    )
    assert isinstance(failures, CursorResult)
    deleted[SignInFailure.__tablename__] = failures.rowcount
    return deleted


def rotate_keys(session: Session, secret_key: str) -> SigningKey:
    return keys.rotate(session, secret_key)


def _user(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise AdminError(f"no user {username!r}", "NOT_FOUND", "username")
    return user
