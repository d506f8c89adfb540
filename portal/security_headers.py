"""Security headers on every response: no framing (clickjacking the sign-in or consent page), a
Content-Security-Policy, no MIME sniffing, no referrer to other sites.

The policy allows scripts and styles from this origin only, with no 'unsafe-inline' for scripts:
the portal's templates hold no inline script or handler (the bureau dashboard passes its numbers
in a ``<script type="application/json">`` data block, which is never executed, and ECharts is
served from this origin). ECharts writes its tooltips as HTML with ``style`` attributes, so
inline style *attributes* are allowed (``style-src-attr``); ``<style>`` elements are not.
``form-action`` is left out on purpose: Chromium applies it to the redirects after a form post,
and the consent form's answer is a redirect to the client's own (foreign) redirect URI.

GraphiQL, served at /graphql outside production only, loads its bundle from unpkg with an inline
bootstrap script; that one HTML page gets a policy allowing them, still unframeable.

The middleware wraps the whole application, Starlette's error middleware included, so 500 pages
carry the headers too (see portal.app.AllianceApp).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
GRAPHIQL_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' https://unpkg.com",
        "style-src 'self' 'unsafe-inline' https://unpkg.com",
        "img-src 'self' data:",
        "font-src 'self' data: https://unpkg.com",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _policy(path: str, headers: MutableHeaders) -> str:
    is_graphiql = path == "/graphql" and headers.get("content-type", "").startswith("text/html")
    return GRAPHIQL_POLICY if is_graphiql else POLICY


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = _policy(scope["path"], headers)
                for name, value in HEADERS.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
