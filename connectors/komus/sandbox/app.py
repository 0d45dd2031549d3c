"""The sandbox app: the Komus API under ``/api2``, its controls under ``/sandbox``."""

from __future__ import annotations

import structlog
from fastapi import FastAPI

from connectors.komus.sandbox import admin, api, claims, payments, promotions
from connectors.komus.sandbox.errors import install_error_handlers
from connectors.komus.sandbox.gate import KomusGate
from connectors.komus.sandbox.state import SandboxState
from gateway.config import KomusSandboxOptions, KomusSettings, Settings

log = structlog.get_logger(__name__)


def sandbox_options(
    settings: Settings | KomusSettings | KomusSandboxOptions,
) -> KomusSandboxOptions:
    if isinstance(settings, Settings):
        return settings.komus.sandbox_options
    if isinstance(settings, KomusSettings):
        return settings.sandbox_options
    return settings


def create_sandbox_app(
    settings: Settings | KomusSettings | KomusSandboxOptions,
) -> FastAPI:
    """A fresh sandbox; its state is ``app.state.sandbox`` (close it when done)."""
    options = sandbox_options(settings)
    state = SandboxState(options)
    app = FastAPI(
        title="Komus sandbox",
        openapi_url="/sandbox/openapi.json",
        docs_url="/sandbox/docs",
        redoc_url=None,
    )
    app.state.sandbox = state
    install_error_handlers(app)
    app.include_router(api.router)
    app.include_router(admin.router)
    app.include_router(claims.routes)
    app.include_router(promotions.routes)
    app.include_router(payments.router)
    app.add_middleware(KomusGate, state=state)
    log.info(
        "komus_sandbox_ready",
        articles=len(state.catalog.articles),
        database=options.database,
        clients=len(state.clients.tokens()),
    )
    return app
