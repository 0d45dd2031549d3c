"""The web console at ``/console/``: server-rendered pages in Russian, no build step.

``install(app, hub)`` mounts it: the pages, their refusals (sign-in redirect, 403,
404, CSRF), the demo admin when config names its password, and a reader so that
requisitions the console raised can be replayed like any others.
"""

from __future__ import annotations

import secrets

import structlog
from fastapi import APIRouter, FastAPI

from gateway.console.access import (
    HANDLERS,
    PATH_HANDLERS,
    Console,
    console_paths_only,
)
from gateway.console.csrf import LoginTokens
from gateway.console.pages import (
    approvals,
    budgets,
    cart,
    catalog,
    claims,
    dashboard,
    deliveries,
    finances,
    mappings,
    messages,
    notifications,
    orders,
    reports,
    settings,
    signin,
    static,
    users,
)
from gateway.console.sessions import Sessions
from gateway.console.users import ensure_demo_admin
from gateway.hub import Hub
from gateway.plain import read_json_message

log = structlog.get_logger(__name__)

CHANNEL = "console"


def install(app: FastAPI, hub: Hub) -> None:
    settings = hub.settings.console
    secret = (
        settings.session_secret.get_secret_value() if settings.session_secret else ""
    )
    if not secret:
        secret = secrets.token_urlsafe(32)
        log.warning(
            "console_session_secret_random",
            next_step="set GATEWAY_SESSION_SECRET so sessions survive restarts and "
            "work on every node",
        )
    app.state.console = Console(
        hub, settings, Sessions(hub, settings, secret), LoginTokens(secret)
    )
    for exception, handler in HANDLERS.items():
        app.add_exception_handler(exception, handler)
    for exception, handler in PATH_HANDLERS.items():
        earlier = app.exception_handlers.get(exception)
        app.add_exception_handler(
            exception, console_paths_only(exception, handler, earlier)
        )
    hub.pipeline.readers.setdefault(CHANNEL, read_json_message)
    ensure_demo_admin(hub, settings)
    app.include_router(router())


def router() -> APIRouter:
    console = APIRouter(prefix="/console", include_in_schema=False)
    for module in (signin, static, dashboard, orders, messages, deliveries, users):
        console.include_router(module.router)
    console.include_router(mappings.router)
    console.include_router(settings.router)
    console.include_router(claims.router)
    console.include_router(notifications.router)
    for page in (catalog, cart, approvals, budgets):
        console.include_router(page.router)
    for page in (finances, reports):
        console.include_router(page.router)
    return console
