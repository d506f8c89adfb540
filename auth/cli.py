"""`yulu keys|tokens|clients|users ...`: the operator's side of the authorization server."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from auth import admin
from auth.server import GRANT_TYPES
from models.db import create_engine, session_factory
from models.metrics import track_job
from models.organisations import Role
from models.settings import get_settings


def _in_session(function, *args, **kwargs):
    """Run a synchronous admin function in one committed transaction."""

    async def run():
        engine = create_engine(get_settings().database_url)
        try:
            async with session_factory(engine)() as session:
                result = await session.run_sync(lambda sync: function(sync, *args, **kwargs))
                await session.commit()
                return result
        finally:
            await engine.dispose()

    try:
        return asyncio.run(run())
    except admin.AdminError as error:
        sys.exit(f"yulu: {error}")


def _read_password(args: argparse.Namespace) -> str:
    """From stdin with --password-stdin (scripts), else prompted twice without echo."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass("密码 / password: ")
    if password != getpass.getpass("再次输入 / again: "):
        sys.exit("yulu: passwords differ")
    return password


def _keys_rotate(args: argparse.Namespace) -> None:
    key = _in_session(admin.rotate_keys, get_settings().secret_key)
    print(f"new signing key {key.kid}; the previous key stays published until the next rotation")


def _tokens_purge(args: argparse.Namespace) -> None:
    with track_job("tokens-purge"):  # a JSON log line with its outcome and duration
        purged = _in_session(admin.purge_expired)
    for table, count in purged.items():
        print(f"{table}\t{count} expired rows deleted")


def _clients_create(args: argparse.Namespace) -> None:
    client, secret = _in_session(
        admin.create_client,
        args.client_id,
        args.name or args.client_id,
        confidential=not args.public,
        grant_types=args.grant or ["authorization_code", "refresh_token"],
        redirect_uris=args.redirect_uri or [],
        scope=args.scope or "",
        first_party=args.first_party,
        service_username=args.service_user,
    )
    print(f"client_id     {client.client_id}")
    if secret:
        print(f"client_secret {secret}   (shown once; store it now)")


def _clients_list(args: argparse.Namespace) -> None:
    for client in _in_session(admin.list_clients):
        kind = "public" if client.client_secret_hash is None else "confidential"
        print(
            f"{client.client_id}\t{kind}\t{','.join(client.grant_types)}\t{client.scope}\t"
            f"{client.name}"
        )


def _clients_delete(args: argparse.Namespace) -> None:
    _in_session(admin.delete_client, args.client_id)
    print(f"deleted {args.client_id}")


def _users_create(args: argparse.Namespace) -> None:
    user = _in_session(
        admin.create_user,
        args.username,
        _read_password(args),
        role=Role(args.role),
        display_name=args.display_name,
        organisation_id=args.organisation_id,
        person_id=args.person_id,
    )
    print(f"created user {user.username} ({user.role.value}), id {user.id}")


def _users_passwd(args: argparse.Namespace) -> None:
    _in_session(admin.set_password, args.username, _read_password(args))
    print(f"password of {args.username} changed; sign-in lock lifted")


def _users_list(args: argparse.Namespace) -> None:
    for user in _in_session(admin.list_users):
        state = "active" if user.is_active else "inactive"
        print(
            f"{user.id}\t{user.username}\t{user.role.value}\t{user.organisation_id or '-'}\t"
            f"{state}\t{user.display_name}"
        )


def add_auth_commands(commands) -> None:
    keys = commands.add_parser("keys", help="token signing keys").add_subparsers(
        dest="keys_command", required=True
    )
    keys.add_parser("rotate", help="new signing key; the old one stays published").set_defaults(
        handler=_keys_rotate
    )

    tokens = commands.add_parser("tokens", help="issued codes and tokens").add_subparsers(
        dest="tokens_command", required=True
    )
    tokens.add_parser(
        "purge", help="delete expired codes, refresh tokens and deny-list rows (run daily)"
    ).set_defaults(handler=_tokens_purge)

    clients = commands.add_parser("clients", help="OAuth clients").add_subparsers(
        dest="clients_command", required=True
    )
    create = clients.add_parser("create", help="register a client (prints its secret once)")
    create.add_argument("client_id")
    create.add_argument("--name")
    create.add_argument("--public", action="store_true", help="no secret (browser/native app)")
    create.add_argument("--grant", action="append", choices=GRANT_TYPES)
    create.add_argument("--redirect-uri", action="append")
    create.add_argument("--scope", help="space-separated; default: every scope")
    create.add_argument("--first-party", action="store_true", help="skip the consent screen")
    create.add_argument("--service-user", help="username client_credentials tokens act as")
    create.set_defaults(handler=_clients_create)
    clients.add_parser("list").set_defaults(handler=_clients_list)
    delete = clients.add_parser("delete")
    delete.add_argument("client_id")
    delete.set_defaults(handler=_clients_delete)

    users = commands.add_parser("users", help="people who sign in").add_subparsers(
        dest="users_command", required=True
    )
    user_create = users.add_parser("create")
    user_create.add_argument("username")
    user_create.add_argument("--role", required=True, choices=[role.value for role in Role])
    user_create.add_argument("--display-name")
    user_create.add_argument("--organisation-id", type=int)
    user_create.add_argument("--person-id", type=int)
    user_create.add_argument("--password-stdin", action="store_true")
    user_create.set_defaults(handler=_users_create)
    passwd = users.add_parser("passwd", help="set a new password")
    passwd.add_argument("username")
    passwd.add_argument("--password-stdin", action="store_true")
    passwd.set_defaults(handler=_users_passwd)
    users.add_parser("list").set_defaults(handler=_users_list)
