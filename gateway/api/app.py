"""The gateway's HTTP surface: REST API under ``/api/v1``, health, metrics, OpenAPI.

``create_app`` only wires routes to a hub; whoever owns the hub starts and stops it
(the CLI does), and should do so before building the app, so that the connectors it
loads have added their routers to ``hub.routers``.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from fastapi import FastAPI

from gateway import console
from gateway.api import (
    cabinet_orders,
    claims,
    deliveries,
    finances,
    health,
    mappings,
    messages,
    notifications,
    orders,
    reports,
    requisition_intake,
    requisitions,
    tokens,
)
from gateway.api.error_responses import install_error_handlers
from gateway.api.request_log import RequestLog
from gateway.api.url_guard import UrlGuard
from gateway.hub import Hub

API_PREFIX = "/api/v1"


def create_app(hub: Hub) -> FastAPI:
    app = FastAPI(
        title="Komus Gateway",
        version=_version(),
        description="Requisitions in, Komus orders and their documents out.",
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    app.state.hub = hub
    install_error_handlers(app)
    app.add_middleware(UrlGuard)
    app.add_middleware(RequestLog)

    app.include_router(health.router)
    for module in (
        tokens,
        orders,
        requisition_intake,
        requisitions,
        messages,
        deliveries,
        mappings,
        cabinet_orders,
        claims,
        notifications,
        finances,
        reports,
    ):
        app.include_router(module.router, prefix=API_PREFIX)
    cabinet_orders.install(hub)
    for router in hub.routers:
        app.include_router(router)
    console.install(app, hub)
    return app


def _version() -> str:
    try:
        return version("komus-gateway")
    except PackageNotFoundError:
        return "0+unknown"
