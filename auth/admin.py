"""Managing users, OAuth clients and signing keys — for `yulu users|clients|keys` and admin
mutations. Synchronous functions over a Session (call them through ``run_sync``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from auth import keys, passwords, scopes
from auth.digests import digest, new_secret
from auth.server import GRANT_TYPES
from models.oauth import OAuthClient, SigningKey
from models.organisations import Role, User


class AdminError(ValueError):
    """A request that cannot be carried out; the message says why, for the operator."""


def create_user(session: Session, username: str, password: str, *, role: Role,
                display_name: str | None = None, organisation_id: int | None = None,
                person_id: int | None = None) -> User:
    if session.scalars(select(User.id).where(User.username == username)).first() is not None:
        raise AdminError(f"user {username!r} exists")
    user = User(username=username, password_hash=passwords.hash_password(password),
                display_name=display_name or username, role=role,
                organisation_id=organisation_id, person_id=person_id)
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, username: str, password: str) -> User:
    """New password; also lifts a sign-in lock."""
    user = _user(session, username)
    user.password_hash = passwords.hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def create_client(session: Session, client_id: str, name: str, *, confidential: bool,
                  grant_types: list[str], redirect_uris: list[str] = (), scope: str = "",
                  first_party: bool = False, service_username: str | None = None,
                  ) -> tuple[OAuthClient, str | None]:
    """Register a client; returns it with its secret, which is shown once and never stored."""
    _check_client(client_id, confidential, grant_types, redirect_uris, scope, service_username)
    if session.scalars(select(OAuthClient.id).where(OAuthClient.client_id == client_id)).first():
        raise AdminError(f"client {client_id!r} exists")
    secret = new_secret(32) if confidential else None
    client = OAuthClient(
        client_id=client_id, client_secret_hash=digest(secret) if secret else None, name=name,
        redirect_uris=list(redirect_uris), grant_types=list(grant_types),
        scope=scopes.join(scopes.parse(scope) or scopes.ALL), first_party=first_party,
        service_user_id=_user(session, service_username).id if service_username else None,
    )
    session.add(client)
    session.flush()
    return client, secret


def _check_client(client_id, confidential, grant_types, redirect_uris, scope, service_username):
    unknown = set(grant_types) - set(GRANT_TYPES)
    if unknown:
        raise AdminError(f"unknown grant types: {', '.join(sorted(unknown))}")
    unknown_scopes = scopes.parse(scope) - set(scopes.ALL)
    if unknown_scopes:
        raise AdminError(f"unknown scopes: {', '.join(sorted(unknown_scopes))}")
    if "client_credentials" in grant_types and not (confidential and service_username):
        raise AdminError("client_credentials needs a confidential client and a service user")
    if "authorization_code" in grant_types and not redirect_uris:
        raise AdminError("authorization_code needs at least one redirect URI")
    if not client_id or len(client_id) > 64:
        raise AdminError("client id must be 1 to 64 characters")


def list_clients(session: Session) -> list[OAuthClient]:
    return list(session.scalars(select(OAuthClient).order_by(OAuthClient.client_id)))


def delete_client(session: Session, client_id: str) -> None:
    """Its codes and refresh tokens go with it (ON DELETE CASCADE)."""
    client = session.scalars(select(OAuthClient).where(OAuthClient.client_id == client_id)).first()
    if client is None:
        raise AdminError(f"no client {client_id!r}")
    session.delete(client)


def rotate_keys(session: Session, secret_key: str) -> SigningKey:
    return keys.rotate(session, secret_key)


def _user(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise AdminError(f"no user {username!r}")
    return user
