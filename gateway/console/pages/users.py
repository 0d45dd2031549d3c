"""Console users, for admins: the list, a new user, unlock, disable, new password."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from gateway.console.access import (
    PageMissing,
    Posted,
    allowed,
    console_of,
    posted,
    visible,
)
from gateway.console.rendering import render
from gateway.console.roles import ROLES
from gateway.console.sessions import Operator
from gateway.console.user_admin import reset_password, set_disabled
from gateway.console.users import create_user, list_users, unlock
from gateway.errors import NotFound, ValidationFailed
from gateway.hub import Hub
from gateway.store.tables import ConsoleUser, Tenant

router = APIRouter()


def _page(
    request: Request,
    operator: Operator,
    *,
    problems: list[str] | None = None,
    issued: tuple[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    hub = console_of(request).hub
    with hub.db.session() as session:
        tenants = list(session.execute(select(Tenant.id).order_by(Tenant.id)).scalars())
    return render(
        "users.html",
        {
            "operator": operator,
            "users": list_users(hub),
            "roles": ROLES,
            "tenants": tenants,
            "problems": problems or [],
            "issued": issued,
            "note": "Готово." if request.query_params.get("note") else None,
        },
        status_code=status_code,
    )


@router.get("/users")
def users_page(
    request: Request, operator: Operator = Depends(allowed("users.manage"))
) -> Response:
    return _page(request, operator)


@router.post("/users")
def add_user(
    request: Request, done: Posted = Depends(posted("users.manage"))
) -> Response:
    form = done.form
    tenant = str(form.get("tenant") or "") or None
    try:
        create_user(
            console_of(request).hub,
            str(form.get("login") or "").strip(),
            str(form.get("password") or ""),
            str(form.get("role") or ""),
            tenant,
            actor=done.operator.actor,
        )
    except ValidationFailed as failure:
        return _page(request, done.operator, problems=failure.reasons, status_code=422)
    return RedirectResponse("/console/users?note=added", 303)


@router.post("/users/{user_id}/unlock")
def unlock_user(
    user_id: int, request: Request, done: Posted = Depends(posted("users.manage"))
) -> Response:
    _manageable(console_of(request).hub, done.operator, user_id)
    if unlock(console_of(request).hub, user_id, actor=done.operator.actor) is None:
        raise PageMissing()
    return RedirectResponse("/console/users?note=unlocked", 303)


@router.post("/users/{user_id}/{action}")
def change_user(
    user_id: int,
    action: str,
    request: Request,
    done: Posted = Depends(posted("users.manage")),
) -> Response:
    """``disable`` and ``enable`` a user; ``password`` shows a new one, once."""
    if action not in ("disable", "enable", "password"):
        raise PageMissing()
    hub = console_of(request).hub
    _manageable(hub, done.operator, user_id)
    try:
        if action == "password":
            user, password = reset_password(hub, user_id, actor=done.operator.actor)
            return _page(request, done.operator, issued=(user.login, password))
        set_disabled(
            hub,
            user_id,
            action == "disable",
            actor=done.operator.actor,
            actor_id=done.operator.user_id,
        )
    except NotFound:
        raise PageMissing() from None
    except ValidationFailed as failure:
        return _page(request, done.operator, problems=failure.reasons, status_code=409)
    return RedirectResponse(f"/console/users?note={action}d", 303)


def _manageable(hub: Hub, operator: Operator, user_id: int) -> None:
    """An admin of one tenant changes that tenant's users only, never all-tenant
    ones: resetting a wider admin's password would widen their own reach."""
    with hub.db.session() as session:
        user = session.get(ConsoleUser, user_id)
    if user is None:
        raise PageMissing()
    visible(operator, user.tenant_id)
