"""Pages anyone may see: the alliance's landing page, sign-in and sign-out, the role redirect."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from auth.portal_signin import portal_signout
from portal import operations
from portal.web import home_path, post, redirect, render, sign_in_url, signed_in_user

LANDING_POSITIONS = 8


async def landing(request: Request) -> Response:
    data = await operations.run(request, "Landing", {"first": LANDING_POSITIONS}, signed_in=False)
    summary = data["allianceSummary"]
    members = {member["kind"]: member["count"] for member in summary["members"]}
    return await render(
        request,
        "landing.html",
        summary=summary,
        members=members,
        positions=[edge["node"] for edge in data["positions"]["edges"]],
    )


async def home(request: Request) -> Response:
    user = await signed_in_user(request)
    if user is None:
        return redirect(sign_in_url())
    return redirect(home_path(user["role"].lower()))


async def sign_out(request: Request, _form) -> Response:
    """Revokes the portal's tokens (the whole refresh family) and forgets the session."""
    return await portal_signout(request)


ROUTES = [
    Route("/", landing),
    Route("/home", home),
    post("/logout", sign_out),
]
