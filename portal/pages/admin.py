"""The alliance's system administrator: organisations asking to join (approve or reject each),
OAuth clients (register one — its secret shown once — or remove one), the token-signing key
(rotate), and sign-in accounts (create, reset a password, unlock, deactivate).

The client and account operations need the ``admin`` scope, which the portal asks for at sign-in
and the authorization server grants to admins only (auth.tokens)."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from auth.portal_signin import PORTAL_CLIENT_ID
from portal import operations
from portal.forms import FormErrors, FormSpec
from portal.labels import FALLBACK_ERROR, LABELS, options
from portal.notices import home_notices
from portal.pages import organisations
from portal.web import act, post, redirect, render, require_role, submit

ROLE = "ADMIN"
GRANT_TYPES = (
    ("authorization_code", "授权码（authorization_code，需 PKCE）"),
    ("refresh_token", "刷新令牌（refresh_token）"),
    ("client_credentials", "客户端凭据（client_credentials，系统对接）"),
)
CLIENT_FORM = FormSpec(
    texts=("clientId", "name", "scope", "serviceUsername"),
    lists=("grantTypes",),
    flags=("confidential", "firstParty"),
    required=("clientId", "grantTypes"),
)
USER_FORM = FormSpec(
    texts=("username", "password", "role", "displayName", "organisationId", "idNumber"),
    required=("username", "password", "role"),
)


async def pending_members(request: Request) -> Response:
    user = await require_role(request, ROLE)
    data = await operations.run(request, "PendingMembers")
    organisations = data["organisations"]
    return await render(
        request,
        "admin/members.html",
        total=organisations["totalCount"],
        pending=[edge["node"] for edge in organisations["edges"]],
        notices=await home_notices(request, user),
    )


async def decide(request: Request, form: FormData) -> Response:
    """Approving offers the member's first account next (portal.pages.organisations)."""
    return await organisations.decide(request, form, ROLE, "/admin")


# --- OAuth clients and signing keys ----------------------------------------------------------


# The blank form registers, as it stands, the one kind of client that needs nothing site-specific:
# a desktop or mobile app (public, PKCE) whose redirect is the loopback address (RFC 8252, 7.3).
# A web or server system is one change away: tick 机密客户端 and give its own callback.
LOOPBACK_REDIRECT = "http://127.0.0.1/callback"


def _unused_client_id(clients: list[dict]) -> str:
    taken = {client["clientId"] for client in clients}
    return next(
        f"app-{number}" for number in range(1, len(taken) + 2) if f"app-{number}" not in taken
    )


def _blank_client(clients: list[dict]) -> dict:
    return {
        "clientId": _unused_client_id(clients),
        "confidential": False,
        "firstParty": False,
        "grantTypes": ["authorization_code", "refresh_token"],
        "redirectUris": LOOPBACK_REDIRECT,
    }


async def _clients_page(
    request: Request,
    values: dict | None,
    errors: FormErrors,
    created: dict | None = None,
    status: int = 200,
) -> Response:
    """``values`` None: the blank form."""
    data = await operations.run(request, "OAuthClients")
    clients = data["oauthClients"]
    return await render(
        request,
        "admin/clients.html",
        status,
        clients=clients,
        values=_blank_client(clients) if values is None else values,
        errors=errors,
        created=created,
        grant_types=GRANT_TYPES,
        portal_client=PORTAL_CLIENT_ID,
    )


async def clients(request: Request) -> Response:
    await require_role(request, ROLE)
    return await _clients_page(request, None, FormErrors())


def _client_input(form: FormData) -> tuple[dict, FormErrors]:
    values, errors = CLIENT_FORM.parse(form)
    uris = [line.strip() for line in str(form.get("redirectUris", "")).splitlines() if line.strip()]
    values["redirectUris"] = uris
    values.setdefault("name", values.get("clientId"))
    return values, errors


async def create_client(request: Request, form: FormData) -> Response:
    """The secret is in this response only: rendered here, never put in a redirect or the session."""
    await require_role(request, ROLE)
    values, errors = _client_input(form)
    if not errors:
        result, payload_errors = await operations.mutate(
            request, "CreateOAuthClient", {"input": values}
        )
        if result:
            return await _clients_page(request, None, FormErrors(), created=result)
        errors = FormErrors.from_payload(payload_errors, CLIENT_FORM.names | {"redirectUris"})
    shown = CLIENT_FORM.values(form) | {"redirectUris": form.get("redirectUris", "")}
    return await _clients_page(request, shown, errors, status=400)


async def delete_client(request: Request, form: FormData) -> Response:
    await require_role(request, ROLE)
    client_id = request.path_params["client_id"]
    return await act(
        request,
        "DeleteOAuthClient",
        {"clientId": client_id},
        "/admin/clients",
        f"已删除客户端 {client_id}，其授权码和刷新令牌一并失效。",
    )


async def rotate_keys(request: Request, form: FormData) -> Response:
    await require_role(request, ROLE)
    result, errors = await operations.mutate(request, "RotateSigningKeys", {})
    if result:
        return redirect(
            "/admin/clients",
            f"已生成新的签名密钥 {result['kid']}；上一把密钥在下次轮换前仍可验证。",
            request,
        )
    message = "；".join(FormErrors.from_payload(errors, set()).general) or FALLBACK_ERROR
    return redirect("/admin/clients", message, request, failed=True)


# --- user accounts ---------------------------------------------------------------------------


async def _users_page(
    request: Request, values: dict, errors: FormErrors, status: int = 200
) -> Response:
    data = await operations.run(request, "UserAccounts")
    organisations = await operations.run(request, "AccountOrganisations")
    kinds = LABELS["organisation_kind"]
    choices = [
        (edge["node"]["id"], f"{edge['node']['name']}（{kinds.get(edge['node']['kind'], '')}）")
        for edge in organisations["organisations"]["edges"]
    ]
    return await render(
        request,
        "admin/users.html",
        status,
        accounts=data["userAccounts"],
        values=values,
        errors=errors,
        roles=options("role"),
        organisations=choices,
    )


async def users(request: Request) -> Response:
    await require_role(request, ROLE)
    return await _users_page(request, {"role": "SCHOOL"}, FormErrors())


async def create_user(request: Request, form: FormData) -> Response:
    await require_role(request, ROLE)
    result, shown, errors = await submit(
        request, form, USER_FORM, "CreateUser", lambda values: {"input": values}
    )
    if result:
        person = result["person"]  # masked: the admin confirms the number named the right person
        linked = f"，已关联毕业生 {person['name']}（{person['idNumber']}）" if person else ""
        return redirect("/admin/users", f"已创建账号 {result['username']}{linked}。", request)
    shown |= {"password": ""}  # a password is never sent back to the browser
    return await _users_page(request, shown, errors, status=400)


ACCOUNT_ACTIONS = {
    "unlock": ("UnlockUser", "已解除 {username} 的登录锁定。"),
    "deactivate": ("DeactivateUser", "已停用 {username}，其已登录的会话和全部令牌随即失效。"),
}


async def account_action(request: Request, form: FormData) -> Response:
    await require_role(request, ROLE)
    username = request.path_params["username"]
    action = request.path_params["action"]
    if action == "password":
        variables = {"username": username, "password": str(form.get("password", ""))}
        return await act(
            request,
            "ResetPassword",
            variables,
            "/admin/users",
            f"已为 {username} 设置新密码，登录锁定同时解除；其已登录的会话和全部令牌随即失效。",
        )
    if action not in ACCOUNT_ACTIONS:
        return redirect("/admin/users", "未知的操作。", request, failed=True)
    operation, done = ACCOUNT_ACTIONS[action]
    return await act(
        request, operation, {"username": username}, "/admin/users", done.format(username=username)
    )


ROUTES = [
    Route("/admin", pending_members),
    post("/admin/members/{id}/decision", decide),
    Route("/admin/clients", clients),
    post("/admin/clients", create_client),
    post("/admin/clients/{client_id}/delete", delete_client),
    post("/admin/keys/rotate", rotate_keys),
    Route("/admin/users", users),
    post("/admin/users", create_user),
    post("/admin/users/{username}/{action}", account_action),
]
