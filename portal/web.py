"""What every portal page shares: templates, the signed-in user, CSRF-checked forms, error pages.

Pages are plain Starlette endpoints that run named operations (portal.operations) and render a
Jinja2 template extending ``layout.html``. POST routes are only ever built with :func:`post`,
which checks the CSRF token before the handler runs — so no form can forget it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from auth.csrf import csrf_token, csrf_valid
from auth.portal_signin import TOKENS
from models.db import database_unavailable
from portal import operations
from portal.forms import FormErrors, FormSpec
from portal.graphql_http import RETRY_LATER, failure_before_endpoint
from portal.labels import FALLBACK_ERROR
from portal.operations import OperationFailed, ServiceUnavailable, SignInRequired

log = logging.getLogger(__name__)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.globals["csrf_token"] = csrf_token

SIGN_IN = "/auth/login"  # the authorization server's portal sign-in (auth.portal_signin)
ME = "portal_me"  # session key: who is signed in, as the API's `viewer` query described them
NOTICE = "portal_notice"  # session key: a one-time message for the next page ("岗位已发布")


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str


# Each role's home comes first: it is where sign-in lands.
NAVIGATION: dict[str, tuple[NavItem, ...]] = {
    "enterprise": (
        NavItem("我的岗位", "/enterprise"),
        NavItem("发布岗位", "/enterprise/positions/new"),
    ),
    "school": (
        NavItem("学生台账", "/school"),
        NavItem("推荐与投递", "/school/referrals"),
        NavItem("订单班", "/school/classes"),
    ),
    "agency": (
        NavItem("岗位匹配", "/agency"),
        NavItem("我的推荐", "/agency/referrals"),
        NavItem("专场招聘会", "/agency/fairs"),
        NavItem("一对一帮扶", "/agency/people"),
    ),
    "bureau": (NavItem("区域看板", "/bureau"),),
    "graduate": (NavItem("我的就业", "/me"),),
    "admin": (
        NavItem("成员审核", "/admin"),
        NavItem("用户账号", "/admin/users"),
        NavItem("OAuth 客户端", "/admin/clients"),
        NavItem("联盟概况", "/"),
    ),
}


def home_path(role: str | None) -> str:
    items = NAVIGATION.get(role or "")
    return items[0].path if items else "/"


def sign_in_url(next_path: str = "/home") -> str:
    """Where the 登录 link goes: the portal's OAuth client start, then back to ``next_path``."""
    return SIGN_IN + "?" + urlencode({"next": next_path})


templates.env.globals["sign_in_url"] = sign_in_url


async def signed_in_user(request: Request) -> dict | None:
    """The user's name, role and organisation, fetched once per session from the API."""
    if TOKENS not in request.session:
        return None
    if ME not in request.session:
        data = await operations.run(request, "PortalViewer")
        request.session[ME] = data["viewer"]
    return request.session[ME]


async def require_role(request: Request, role: str) -> dict:
    """The signed-in user, if their role is ``role`` (an API enum name, e.g. ``ENTERPRISE``)."""
    user = await signed_in_user(request)
    if user is None:
        raise SignInRequired()
    if user["role"] != role:
        raise HTTPException(403)
    return user


async def render(request: Request, template: str, status_code: int = 200, **context) -> Response:
    user = await signed_in_user(request)
    role = user["role"].lower() if user else None
    context.update(
        user=user,
        navigation=NAVIGATION.get(role or "", ()),
        home=home_path(role),
        notice=request.session.pop(NOTICE, None),
    )
    return templates.TemplateResponse(request, template, context, status_code=status_code)


FormHandler = Callable[[Request, FormData], Awaitable[Response]]


def post(path: str, handler: FormHandler) -> Route:
    """A POST route whose handler gets the form only after its CSRF token was checked."""

    async def endpoint(request: Request) -> Response:
        form = await request.form()
        if not csrf_valid(request, form):
            raise HTTPException(403, "页面已过期，请刷新后重新提交。")
        return await handler(request, form)

    return Route(path, endpoint, methods=["POST"], name=handler.__name__)


def redirect(
    path: str, notice: str | None = None, request: Request | None = None, failed: bool = False
) -> RedirectResponse:
    """303 to ``path`` (after a POST: a reload never resubmits); ``notice`` shows there once."""
    if notice and request is not None:
        request.session[NOTICE] = {"text": notice, "failed": failed}
    return RedirectResponse(path, status_code=303)


async def submit(
    request: Request,
    form: FormData,
    spec: FormSpec,
    operation: str,
    variables: Callable[[dict], dict],
) -> tuple[dict | None, dict, FormErrors]:
    """A form's mutation: ``spec`` parses and checks ``form``; if it passes, ``operation`` runs with
    ``variables(values)``. Returns the payload's result (None when refused), the values to show
    again, and the errors, each next to its field."""
    values, errors = spec.parse(form)
    if not errors:
        result, payload_errors = await operations.mutate(request, operation, variables(values))
        if result:
            return result, values, errors
        errors = FormErrors.from_payload(payload_errors, spec.names)
    return None, spec.values(form), errors


async def act(request: Request, operation: str, variables: dict, back: str, done: str) -> Response:
    """A one-click mutation (publish, enrol, refer ...), then back to ``back`` with ``done`` or
    the payload's errors as the notice."""
    result, errors = await operations.mutate(request, operation, variables)
    if result:
        return redirect(back, done, request)
    message = "；".join(FormErrors.from_payload(errors, set()).general) or FALLBACK_ERROR
    return redirect(back, message, request, failed=True)


# --- errors ----------------------------------------------------------------------------------

ERROR_TEXT = {
    400: ("请求有误", "链接或表单中的内容无效，请返回上一页检查后重新操作。"),
    403: ("无权访问", "您的账号没有查看此页面的权限。如需开通，请联系本单位管理员。"),
    404: ("页面不存在", "您要找的页面不存在或已被移除。"),
    500: ("系统出错了", "服务器处理请求时出现问题，我们已记录该错误，请稍后再试。"),
    503: ("服务暂时不可用", "系统暂时无法访问数据，请稍后刷新页面重试。"),
}


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


async def error_page(
    request: Request, status: int, detail: str | None = None, headers: dict[str, str] | None = None
) -> Response:
    if not _wants_html(request):
        return PlainTextResponse(
            detail or ERROR_TEXT[status][0], status_code=status, headers=headers
        )
    title, message = ERROR_TEXT[status]
    try:
        page = await render(
            request, "error.html", status, title=title, status=status, message=detail or message
        )
    except Exception:  # the page must render even when the API behind the user menu is down
        log.warning("error page without user menu", exc_info=True)
        context = {
            "title": title,
            "status": status,
            "message": detail or message,
            "user": None,
            "navigation": (),
            "home": "/",
        }
        page = templates.TemplateResponse(request, "error.html", context, status_code=status)
    page.headers.update(headers or {})
    return page


async def on_http_exception(request: Request, error: HTTPException) -> Response:
    if error.status_code in ERROR_TEXT:
        detail = error.detail if error.detail and error.detail != _default_phrase(error) else None
        return await error_page(request, error.status_code, detail)
    return PlainTextResponse(error.detail, status_code=error.status_code, headers=error.headers)


def _default_phrase(error: HTTPException) -> str:
    return HTTPException(error.status_code).detail


# Sign-in redirects of a session that holds tokens the API keeps refusing (say, right after a
# key rotation, before the API reloads its keys): past this many within the window, an error
# page instead of a redirect loop the browser gives up on.
LOOP_REDIRECTS, LOOP_WINDOW_SECONDS = 3, 30
LOOP = "portal_signin_redirects"


def _looping(request: Request) -> bool:
    if TOKENS not in request.session:
        return False
    now = time.time()
    recent = [stamp for stamp in request.session.get(LOOP, []) if now - stamp < LOOP_WINDOW_SECONDS]
    request.session[LOOP] = [*recent, now]
    return len(recent) >= LOOP_REDIRECTS


async def on_sign_in_required(request: Request, _error: SignInRequired) -> Response:
    if _looping(request):
        log.warning("sign-in loop on %s: the API refuses freshly issued tokens", request.url.path)
        return await error_page(request, 500, "暂时无法确认您的登录状态，请稍后刷新页面重试。")
    target = request.url.path + ("?" + request.url.query if request.url.query else "")
    return redirect(sign_in_url(target))


async def on_server_error(request: Request, error: Exception) -> Response:
    """Also what the API answers when a middleware before it fails (the bearer-token check
    reads the database): a GraphQL error there, a page here; never the exception's text."""
    if request.url.path == "/graphql":
        return failure_before_endpoint(request, error)
    if isinstance(error, ServiceUnavailable) or database_unavailable(error):
        log.warning("database unavailable on %s: %r", request.url.path, error)
        return await error_page(request, 503, headers=RETRY_LATER)
    if not isinstance(error, OperationFailed):
        log.exception("unhandled error on %s", request.url.path, exc_info=error)
    return await error_page(request, 500)


# Each handler takes the request and the exception class it is registered for.
EXCEPTION_HANDLERS: dict[type[Exception], Callable[..., Awaitable[Response]]] = {
    HTTPException: on_http_exception,
    SignInRequired: on_sign_in_required,
    OperationFailed: on_server_error,
    Exception: on_server_error,
}
