"""Who may open a console page: sessions, permissions, CSRF, and their refusals."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

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


Row = TypeVar("Row")


def tenant_row(
    request: Request, operator: Operator, model: type[Row], ident: int
) -> Row:
    """The row of ``model`` with this id, if it is of a tenant the operator sees."""
    with console_of(request).hub.db.session() as session:
        found = session.get(model, ident)
    if found is None:
        raise PageMissing()
    visible(operator, found.tenant_id)  # type: ignore[attr-defined]
    return found


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

Handler = Callable[[Request, Exception], Awaitable[Response]]
PLACES = {"path": "в адресе", "query": "в параметрах адреса", "body": "в форме"}


def _operator(request: Request) -> Operator | None:
    return console_of(request).sessions.operator(request.cookies.get(COOKIE))


async def _page_error(request: Request, exc: Exception) -> Response:
    """Starlette's own refusals (no such page, method not taken) as console pages."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return await _missing(request, exc)
    context = {"operator": _operator(request), "reason": "http"}
    return render("refused.html", context, status_code=exc.status_code)


async def _invalid_url(request: Request, exc: Exception) -> Response:
    """A path or query value of the wrong shape, e.g. letters where an id goes."""
    assert isinstance(exc, RequestValidationError)
    fields = []
    for error in exc.errors():
        place, *names = [str(part) for part in error.get("loc", ())] or [""]
        name = ".".join(names) or place
        fields.append(f"«{name}» {PLACES.get(place, '')}".strip())
    context = {"operator": _operator(request), "reason": "invalid", "fields": fields}
    return render("refused.html", context, status_code=422)


def console_paths_only(
    exception: type[Exception], console_handler: Handler, other: Handler | None
) -> Handler:
    """Answer under ``/console`` with a page; leave every other path to ``other``.

    The REST API keeps its JSON problems for the same framework exceptions, so the
    console wraps the handler that was there before it rather than replacing it.
    """
    fallback = other or FRAMEWORK_DEFAULTS[exception]

    async def handle(request: Request, exc: Exception) -> Response:
        path = request.url.path
        if path == "/console" or path.startswith("/console/"):
            return await console_handler(request, exc)
        return await fallback(request, exc)  # type: ignore[no-any-return]

    return handle


FRAMEWORK_DEFAULTS: dict[type[Exception], Handler] = {
    HTTPException: http_exception_handler,
    RequestValidationError: request_validation_exception_handler,  # type: ignore[dict-item]
}
PATH_HANDLERS: dict[type[Exception], Handler] = {
    HTTPException: _page_error,
    RequestValidationError: _invalid_url,
}
"""Framework exceptions answered as console pages on console paths only."""
