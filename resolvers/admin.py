"""Admin mutations: OAuth clients, users and signing keys, over auth/admin.py.

The work itself is auth/admin.py's (the same functions `yulu clients|users|keys` call); this
module runs them in the request's session through ``attempt`` (role gate with the admin scope,
savepoint, audit) and answers their refusals as user errors in Chinese. Secrets and passwords
never reach the audit log: it records which client or user was managed, not with what.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from stdnum.cn import ric

from auth import admin, passwords, rules
from models.oauth import OAuthClient, SigningKey
from models.organisations import Organisation, OrganisationKind, Role, User
from models.people import Person
from models.settings import get_settings
from resolvers.context import Context
from resolvers.outcomes import Checks, Outcome, Rejected, UserError, attempt, camel, key_of

MESSAGES = {
    "PASSWORD_TOO_SHORT": f"密码至少需要 {admin.MIN_PASSWORD_LENGTH} 个字符。",
    "INVALID_USERNAME": "用户名须为 1 至 64 个字符。",
    "USER_EXISTS": "该用户名已存在。",
    "CLIENT_EXISTS": "该客户端 ID 已存在。",
    "UNKNOWN_GRANT_TYPE": "不支持的授权方式。",
    "UNKNOWN_SCOPE": "不存在的权限范围（scope）。",
    "SERVICE_USER_REQUIRED": "client_credentials 授权方式需要机密客户端和一个服务账号。",
    "REDIRECT_URI_REQUIRED": "authorization_code 授权方式至少需要一个回调地址。",
    "INVALID_CLIENT_ID": "客户端 ID 须为 1 至 64 个字符。",
    "NOT_FOUND": "没有找到该账号或客户端。",
    "PORTAL_CLIENT": "门户自用的客户端不可删除，否则任何人都无法登录门户。",
}
"""auth.admin's refusal codes, as the portal shows them."""

# The admin pages list every client and account in one page; past this many they show the first
# ones by name (the cost limit counts these lists at this bound).
MAX_ADMIN_LIST = 1000

ROLE_KINDS = {
    Role.SCHOOL: OrganisationKind.SCHOOL,
    Role.ENTERPRISE: OrganisationKind.ENTERPRISE,
    Role.AGENCY: OrganisationKind.AGENCY,
    Role.BUREAU: OrganisationKind.BUREAU,
}
"""A member's user signs in for an organisation of the matching kind."""


@dataclass
class CreatedClient:
    client: OAuthClient
    client_secret: str | None


@dataclass
class DeletedClient:
    client_id: str


def _rejected(error: admin.AdminError, field_names: dict[str, str] | None = None) -> Rejected:
    field_name = (field_names or {}).get(error.field, error.field) if error.field else None
    return Rejected(
        UserError(
            camel(field_name) if field_name else None,
            error.code,
            MESSAGES.get(error.code, "无法完成此操作。"),
        )
    )


async def _hashed(password: str) -> admin.HashedPassword:
    """The new password checked and hashed in a worker thread: Argon2 never runs on the loop."""
    try:
        return await passwords.hashed_off_the_loop(admin.hashed_password, password)
    except admin.AdminError as error:
        raise _rejected(error, None) from error


async def _run(
    ctx: Context,
    function: Callable[..., Any],
    *args: Any,
    field_names: dict[str, str] | None = None,
    **kwargs: Any,
) -> Any:
    try:
        return await ctx.session.run_sync(lambda session: function(session, *args, **kwargs))
    except admin.AdminError as error:
        raise _rejected(error, field_names) from error


# --- queries ----------------------------------------------------------------------------------


async def oauth_clients(ctx: Context) -> list[OAuthClient]:
    rules.require_query(ctx.viewer, "oauthClients")
    return await ctx.session.run_sync(admin.list_clients, MAX_ADMIN_LIST)


async def user_accounts(ctx: Context) -> list[User]:
    rules.require_query(ctx.viewer, "userAccounts")
    return await ctx.session.run_sync(admin.list_users, MAX_ADMIN_LIST)


async def service_username(ctx: Context, client: OAuthClient) -> str | None:
    if client.service_user_id is None:
        return None
    return await ctx.session.scalar(select(User.username).where(User.id == client.service_user_id))


# --- clients ----------------------------------------------------------------------------------


async def create_client(ctx: Context, values: dict[str, Any]) -> Outcome[CreatedClient]:
    """The secret is in the answer once; only its digest is stored."""

    async def work() -> CreatedClient:
        client, secret = await _run(
            ctx,
            admin.create_client,
            values["client_id"],
            values.get("name") or values["client_id"],
            confidential=values.get("confidential", True),
            grant_types=values["grant_types"],
            redirect_uris=values.get("redirect_uris") or [],
            scope=values.get("scope") or "",
            first_party=values.get("first_party", False),
            service_username=values.get("service_username"),
            field_names={"username": "service_username"},
        )
        return CreatedClient(client, secret)

    return await attempt(ctx, "createOAuthClient", work, client_id=values["client_id"])


async def delete_client(ctx: Context, client_id: str) -> Outcome[DeletedClient]:
    async def work() -> DeletedClient:
        await _run(ctx, admin.delete_client, client_id)
        await ctx.session.flush()
        return DeletedClient(client_id)

    return await attempt(ctx, "deleteOAuthClient", work, client_id=client_id)


# --- users ------------------------------------------------------------------------------------


async def _person_by_id_number(ctx: Context, id_number: str) -> int:
    """The person holding this ID number, for an account of their own. Only admins call
    createUser (auth.rules), so only an admin learns whether the number is registered."""
    number = id_number.strip().upper()
    checks = Checks()
    checks.require(
        ric.is_valid(number),
        "id_number",
        "INVALID_ID_NUMBER",
        "身份证号无效：须为 18 位，最后一位为校验码（GB 11643）。",
    )
    checks.done()
    person_id = await ctx.session.scalar(select(Person.id).where(Person.id_number == number))
    checks.require(
        person_id is not None, "id_number", "UNKNOWN_ID_NUMBER", "没有登记这个身份证号的人员。"
    )
    checks.done()
    assert person_id is not None  # checks.done() raised otherwise
    return person_id


async def _person_of(ctx: Context, values: dict[str, Any]) -> tuple[int | None, str]:
    """The graduate's record, by ``id_number`` or ``person_id`` (never both), and which field named it."""
    if values.get("id_number") and values.get("person_id"):
        raise Rejected(UserError("idNumber", "ONE_OF", "请只填身份证号或档案 ID 其中一项。"))
    if values.get("id_number"):
        return await _person_by_id_number(ctx, values["id_number"]), "id_number"
    return (
        key_of(values["person_id"], "Person", "person_id") if values.get("person_id") else None
    ), "person_id"


async def _check_new_user(ctx: Context, values: dict[str, Any]) -> tuple[int | None, int | None]:
    role = Role(values["role"])
    organisation_id = (
        key_of(values["organisation_id"], "Organisation", "organisation_id")
        if values.get("organisation_id")
        else None
    )
    person_id, person_field = await _person_of(ctx, values)
    checks = Checks()
    checks.require(
        len(values.get("password", "")) >= admin.MIN_PASSWORD_LENGTH,
        "password",
        "PASSWORD_TOO_SHORT",
        MESSAGES["PASSWORD_TOO_SHORT"],
    )
    if role in ROLE_KINDS:
        kind = (
            await ctx.session.scalar(
                select(Organisation.kind).where(Organisation.id == organisation_id)
            )
            if organisation_id
            else None
        )
        checks.require(
            kind is not None,
            "organisation_id",
            "ORGANISATION_REQUIRED",
            "该角色的账号须属于一个已登记的单位。",
        )
        checks.require(
            kind is None or kind == ROLE_KINDS[role],
            "organisation_id",
            "ROLE_MISMATCH",
            "账号角色与单位类型不符（如学校账号须属于学校）。",
        )
    else:
        checks.require(
            organisation_id is None,
            "organisation_id",
            "NO_ORGANISATION",
            "毕业生和管理员账号不属于任何单位。",
        )
    if role == Role.GRADUATE:
        found = (
            await ctx.session.scalar(select(Person.id).where(Person.id == person_id))
            if person_id
            else None
        )
        checks.require(
            found is not None,
            person_field,
            "PERSON_REQUIRED",
            "毕业生账号须关联一名已登记的毕业生。",
        )
        taken = found is not None and await ctx.session.scalar(
            select(User.id).where(User.person_id == found)
        )
        checks.require(
            not taken, person_field, "HAS_ACCOUNT", "这名毕业生已有登录账号，请为其重置密码。"
        )
    else:
        checks.require(person_id is None, person_field, "NO_PERSON", "只有毕业生账号关联个人。")
    checks.done()
    return organisation_id, person_id


async def create_user(ctx: Context, values: dict[str, Any]) -> Outcome[User]:
    async def work() -> User:
        organisation_id, person_id = await _check_new_user(ctx, values)
        password = await _hashed(values["password"])
        return await _run(
            ctx,
            admin.create_user,
            values["username"],
            password,
            role=Role(values["role"]),
            display_name=values.get("display_name"),
            organisation_id=organisation_id,
            person_id=person_id,
        )

    return await attempt(
        ctx, "createUser", work, username=values["username"], role=str(values["role"])
    )


async def reset_password(ctx: Context, username: str, password: str) -> Outcome[User]:
    async def work() -> User:
        return await _run(ctx, admin.set_password, username, await _hashed(password))

    return await attempt(ctx, "resetPassword", work, username=username)


async def unlock_user(ctx: Context, username: str) -> Outcome[User]:
    async def work() -> User:
        return await _run(ctx, admin.unlock_user, username)

    return await attempt(ctx, "unlockUser", work, username=username)


async def deactivate_user(ctx: Context, username: str) -> Outcome[User]:
    async def work() -> User:
        me = (
            await ctx.session.scalar(select(User.username).where(User.id == ctx.viewer.user_id))
            if ctx.viewer.user_id
            else None
        )
        if me is not None and me == username:
            raise Rejected(UserError("username", "SELF", "不能停用自己的账号。"))
        return await _run(ctx, admin.deactivate_user, username)

    return await attempt(ctx, "deactivateUser", work, username=username)


# --- keys -------------------------------------------------------------------------------------


async def rotate_keys(ctx: Context) -> Outcome[SigningKey]:
    """A new current key; the previous one stays published until the next rotation."""

    async def work() -> SigningKey:
        return await _run(ctx, admin.rotate_keys, get_settings().secret_key)

    return await attempt(ctx, "rotateSigningKeys", work)
