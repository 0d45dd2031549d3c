"""Who may open a console page: sessions, permissions, CSRF, and their refusals."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from gateway.config import ConsoleSettings
from gateway.console import csrf
from gateway.console.rendering import render
from gateway.console.roles import allows
from gateway.console.sessions import COOKIE, Operator, Sessions
from gateway.hub import Hub


@dataclass
class Console:
    """What every console page needs; kept on ``app.state.console``."""

    hub: Hub
    settings: ConsoleSettings
    sessions: Sessions
    login_tokens: csrf.LoginTokens


class SignInRequired(Exception):
    def __init__(self, next_url: str):
        self.next_url = next_url


class Forbidden(Exception):
    pass


class PageMissing(Exception):
    """Missing, or another tenant's: the two look the same from outside."""


def console_of(request: Request) -> Console:
    found: Console = request.app.state.console
    return found


def signed_in(request: Request) -> Operator:
    operator = console_of(request).sessions.operator(request.cookies.get(COOKIE))
    if operator is None:
        raise SignInRequired(request.url.path)
    return operator


def allowed(permission: str) -> Callable[..., Operator]:
    def dependency(operator: Operator = Depends(signed_in)) -> Operator:
        if not allows(operator.role, permission):
            raise Forbidden()
        return operator

    return dependency


@dataclass
class Posted:
    operator: Operator
    form: FormData


def posted(permission: str) -> Callable[..., Awaitable[Posted]]:
    """A form POST by someone with ``permission``, its CSRF token checked first."""

    async def dependency(
        request: Request, operator: Operator = Depends(signed_in)
    ) -> Posted:
        form = await request.form()
        csrf.check(request, form, operator.csrf_token)
        if not allows(operator.role, permission):
            raise Forbidden()
        return Posted(operator, form)

    return dependency


def visible(operator: Operator, tenant_id: str | None) -> None:
    if not operator.can_see(tenant_id):
        raise PageMissing()


async def _sign_in(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequired)
    if request.method != "GET":
        return render("refused.html", {"reason": "signin"}, status_code=401)
    return RedirectResponse(
        f"/console/login?next={quote(exc.next_url, safe='/')}", status_code=303
    )


async def _forbidden(request: Request, exc: Exception) -> Response:
    operator = console_of(request).sessions.operator(request.cookies.get(COOKIE))
    return render(
        "refused.html", {"operator": operator, "reason": "role"}, status_code=403
    )


async def _missing(request: Request, exc: Exception) -> Response:
    operator = console_of(request).sessions.operator(request.cookies.get(COOKIE))
    return render(
        "refused.html", {"operator": operator, "reason": "missing"}, status_code=404
    )


async def _csrf(request: Request, exc: Exception) -> Response:
    return render("refused.html", {"reason": "csrf"}, status_code=403)


HANDLERS = {
    SignInRequired: _sign_in,
    Forbidden: _forbidden,
    PageMissing: _missing,
    csrf.CsrfRejected: _csrf,
}
