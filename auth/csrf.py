"""CSRF tokens for the sign-in and consent forms: one random token per browser session."""

from __future__ import annotations

import hmac

from starlette.requests import Request

from auth.digests import new_secret

FIELD = "csrf_token"


def csrf_token(request: Request) -> str:
    if FIELD not in request.session:
        request.session[FIELD] = new_secret(24)
    return request.session[FIELD]


def csrf_valid(request: Request, form) -> bool:
    expected = request.session.get(FIELD)
    presented = form.get(FIELD)
    return bool(
        expected and isinstance(presented, str) and hmac.compare_digest(expected, presented)
    )
