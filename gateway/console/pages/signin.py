"""Sign-in and sign-out."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from gateway.console import csrf
from gateway.console.access import Posted, console_of, posted
from gateway.console.audit import audit
from gateway.console.rendering import render
from gateway.console.sessions import COOKIE, COOKIE_PATH
from gateway.console.users import sign_in

router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Only a path inside the console: never another site after sign-in."""
    if target and target.startswith("/console/") and "//" not in target:
        return target
    return "/console/"


def _form(request: Request, *, error: str | None, status_code: int = 200) -> Response:
    console = console_of(request)
    token, cookie = console.login_tokens.issue()
    response = render(
        "login.html",
        {
            "login_csrf": token,
            "next": _safe_next(request.query_params.get("next")),
            "error": error,
        },
        status_code=status_code,
    )
    response.set_cookie(
        csrf.LOGIN_COOKIE,
        cookie,
        max_age=csrf.LOGIN_MAX_AGE,
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=console.settings.cookie_secure,
    )
    return response


@router.get("/login")
def login_page(request: Request) -> Response:
    return _form(request, error=None)


@router.post("/login")
async def login(request: Request) -> Response:
    console = console_of(request)
    form = await request.form()
    csrf.check(
        request,
        form,
        console.login_tokens.expected(request.cookies.get(csrf.LOGIN_COOKIE)),
    )
    login_name = str(form.get("login") or "").strip()[:64]
    password = str(form.get("password") or "")
    outcome = sign_in(console.hub, console.settings, login_name, password)
    if outcome.user is None:
        error = (
            "Учётная запись заблокирована после нескольких неудачных попыток. "
            "Обратитесь к администратору."
            if outcome.locked
            else "Неверный логин или пароль."
        )
        return _form(request, error=error, status_code=401)
    cookie = console.sessions.open(outcome.user)
    response = RedirectResponse(_safe_next(str(form.get("next") or "")), 303)
    response.set_cookie(
        COOKIE,
        cookie,
        max_age=int(console.sessions.lifetime.total_seconds()),
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=console.settings.cookie_secure,
    )
    response.delete_cookie(csrf.LOGIN_COOKIE, path=COOKIE_PATH)
    return response


@router.post("/logout")
def logout(request: Request, done: Posted = Depends(posted("dashboard"))) -> Response:
    console = console_of(request)
    console.sessions.close(done.operator)
    with console.hub.db.session() as session:
        audit(
            session,
            console.hub.clock,
            done.operator.actor,
            "console.sign_out",
            f"console_user:{done.operator.user_id}",
            tenant_id=done.operator.tenant_id,
        )
    response = RedirectResponse("/console/login", 303)
    response.delete_cookie(COOKIE, path=COOKIE_PATH)
    return response
