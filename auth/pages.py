"""The browser side of the authorization server: sign-in (中文), consent, sign-out.

The signed-in user lives in Starlette's signed session cookie (``uid``, with the ``sid`` of its
live row in browser_sessions, checked on every request: auth.browser_sessions); the authorization
endpoint reads it, sends the browser to /signin when it is missing, and asks for consent
unless the client is first-party.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from authlib.oauth2.rfc6749 import OAuth2Error
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from auth import passwords, scopes
from auth.browser_sessions import SID, USER, close_session, end_browser_session, open_session
from auth.clock import utcnow
from auth.csrf import csrf_token, csrf_valid
from auth.server import YuluAuthorizationServer, oauth_request, run_authorization_server
from models.organisations import User

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")

WRONG_CREDENTIALS = "用户名或密码错误，请核对后重新输入（区分大小写）。"
# The back-off's rule in words (auth.passwords), so the user knows how long to wait.
LOCKED = (
    f"登录失败次数过多：同一账号连续输错 {passwords.FREE_ATTEMPTS} 次后需等待再试，"
    f"每次等待加倍，最长 {int(passwords.LONGEST_LOCK.total_seconds() // 60)} 分钟。"
    "如忘记密码，请联系本单位管理员或联盟管理员重置。"
)
STALE_FORM = "页面已过期（安全校验码失效），请刷新页面后重新提交。"
# The portal's half-finished sign-in (state, PKCE verifier) must survive the session reset.
PORTAL_PENDING_KEY = "portal_signin"


def _text(value: UploadFile | str | None) -> str | None:
    """A text form field's value; a file sent under its name counts as absent."""
    return value if isinstance(value, str) else None


def safe_next(value: str | None) -> str:
    """Only same-site paths: an open redirect after sign-in would help phishing."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return "/"


def _signin_page(
    request: Request, *, next_url: str, error: str = "", username: str = "", status: int = 200
) -> Response:
    context = {
        "csrf_token": csrf_token(request),
        "next": next_url,
        "error": error,
        "username": username,
    }
    return templates.TemplateResponse(request, "signin.html", context, status_code=status)


def error_page(request: Request, message: str, status: int = 400) -> Response:
    return templates.TemplateResponse(
        request, "error.html", {"message": message}, status_code=status
    )


async def signin(request: Request) -> Response:
    if request.method == "GET":
        return _signin_page(request, next_url=safe_next(request.query_params.get("next")))
    form = await request.form()
    next_url = safe_next(_text(form.get("next")))
    if not csrf_valid(request, form):
        return _signin_page(request, next_url=next_url, error=STALE_FORM, status=400)
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    # The peer, or the client a trusted proxy names (uvicorn's --forwarded-allow-ips).
    source = request.client.host if request.client else "unknown"
    async with request.app.state.sessions() as session:
        attempt = await _attempt_sign_in(
            session, username, password, source, request.session.get(SID)
        )
        await session.commit()
    if attempt.slowed:
        await asyncio.sleep(passwords.SLOW_DOWN_SECONDS)
    if attempt.locked:
        return _signin_page(request, next_url=next_url, error=LOCKED, username=username, status=429)
    if attempt.session_id is None:
        return _signin_page(
            request, next_url=next_url, error=WRONG_CREDENTIALS, username=username, status=400
        )
    pending = request.session.get(PORTAL_PENDING_KEY)
    request.session.clear()  # nothing of a previous user (or of an attacker's planted session)
    request.session.update(
        {USER: attempt.user_id, SID: attempt.session_id, "auth_time": int(time.time())}
    )
    if pending:
        request.session[PORTAL_PENDING_KEY] = pending
    return RedirectResponse(next_url, status_code=303)


@dataclass(frozen=True)
class _Attempt:
    locked: bool = False  # this address backs off for this username, or altogether
    slowed: bool = False  # the account-wide back-off: answer late, whatever the outcome
    user_id: int | None = None
    session_id: str | None = None  # the new browser session, when the password was right


async def _attempt_sign_in(
    session: AsyncSession, username: str, password: str, source: str, previous_sid: object
) -> _Attempt:
    """The database work in the session's thread of control, the Argon2 check in a worker
    thread (``passwords.verified``): a sign-in never holds the event loop for its hash."""
    user, locked = await session.run_sync(_look_up, username, source)
    slowed = passwords.slowed(user)
    if locked:
        return _Attempt(locked=True, slowed=slowed)
    stored = user.password_hash if user is not None and user.is_active else None
    verdict = await passwords.verified(stored, password)
    return await session.run_sync(_settle, user, username, source, verdict, previous_sid, slowed)


def _look_up(session: Session, username: str, source: str) -> tuple[User | None, bool]:
    user = session.scalars(select(User).where(User.username == username)).first()
    return user, passwords.locked_for(session, username, source, utcnow())


def _settle(
    session: Session,
    user: User | None,
    username: str,
    source: str,
    verdict: passwords.Verdict,
    previous_sid: object,
    slowed: bool,
) -> _Attempt:
    if user is None or not verdict.right:
        passwords.record_failure(session, user, username, source, utcnow())
        return _Attempt(slowed=slowed)
    passwords.record_success(session, user, source, verdict.new_hash)
    close_session(session, previous_sid)  # the cookie is about to be replaced: its copies go too
    return _Attempt(slowed=slowed, user_id=user.id, session_id=open_session(session, user.id))


async def signout(request: Request) -> Response:
    form = await request.form()
    if csrf_valid(request, form):
        await end_browser_session(request)
    return RedirectResponse("/", status_code=303)


@dataclass(frozen=True)
class _ConsentNeeded:
    client_name: str
    scope: str
    user_name: str


@dataclass(frozen=True)
class _SignInNeeded:
    pass


async def authorize(request: Request) -> Response:
    """GET: validate, then sign in / ask consent / issue the code. POST: the consent decision."""
    config = request.app.state.auth.config
    oauth = await oauth_request(request, config)
    deciding = request.method == "POST"
    if deciding and not csrf_valid(request, await request.form()):
        return error_page(request, STALE_FORM)
    decision = _text((await request.form()).get("decision")) if deciding else None
    uid = request.session.get(USER)
    outcome = await run_authorization_server(
        request, lambda server: _authorization_step(server, oauth, uid, decision)
    )
    if isinstance(outcome, _SignInNeeded):
        return RedirectResponse("/signin?" + urlencode({"next": _authorize_url(request)}), 303)
    if isinstance(outcome, _ConsentNeeded):
        return _consent_page(request, outcome)
    if outcome.status_code != 302:
        return error_page(request, _invalid_request_message(outcome))
    return outcome


# RFC 6749 §4.1.2.1 errors that cannot go back to the client (no trusted redirect), in words.
AUTHORIZE_ERRORS = {
    "invalid_client": "该应用（client_id）未在联盟登记",
    "invalid_request": "请求缺少必需的参数，或回调地址与应用登记的不一致",
    "unauthorized_client": "该应用未获准使用这种授权方式",
    "unsupported_response_type": "不支持所请求的授权类型（response_type）",
    "invalid_scope": "请求的权限范围（scope）不存在或未授予该应用",
}


def _invalid_request_message(answer: Response) -> str:
    try:
        code = json.loads(bytes(answer.body)).get("error", "")
    except (ValueError, AttributeError):
        code = ""
    reason = AUTHORIZE_ERRORS.get(code, "请求不符合 OAuth 2.0 授权码流程的要求")
    return f"授权请求无效：{reason}。请回到发起登录的应用重新操作，或联系联盟管理员。"


def _authorize_url(request: Request) -> str:
    return request.url.path + ("?" + request.url.query if request.url.query else "")


def _authorization_step(
    server: YuluAuthorizationServer, oauth, uid: int | None, decision: str | None
):
    try:
        grant = server.get_consent_grant(oauth)
    except OAuth2Error as error:
        return server.handle_error_response(oauth, error)
    user = server.active_user(uid)
    if user is None:
        return _SignInNeeded()
    client = grant.client
    if client.row.first_party or decision == "allow":
        return server.create_authorization_response(oauth, grant_user=user, grant=grant)
    if decision is not None:  # the user said no
        return server.create_authorization_response(oauth, grant_user=None, grant=grant)
    return _ConsentNeeded(client.row.name, grant.request.scope or "", user.display_name)


def _consent_page(request: Request, consent: _ConsentNeeded) -> Response:
    requested = sorted(scopes.parse(consent.scope))
    context = {
        "csrf_token": csrf_token(request),
        "action": _authorize_url(request),
        "client_name": consent.client_name,
        "user_name": consent.user_name,
        "scopes": [(scope, scopes.DESCRIPTIONS.get(scope, scope)) for scope in requested],
    }
    return templates.TemplateResponse(request, "consent.html", context)
