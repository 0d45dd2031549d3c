"""Liveness, readiness and Prometheus metrics: the endpoints that need no token.

Readiness answers in the shape of draft-inadarei-api-health-check (``status`` pass or
fail, a ``checks`` entry per dependency with ``output`` when it failed), one object per
check rather than the draft's list. Failure details go to the log, not to the
anonymous caller.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import structlog
from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text

from gateway.api.dependencies import get_hub
from gateway.hub import Hub
from gateway.metrics import render

log = structlog.get_logger(__name__)

HEALTH_MEDIA_TYPE = "application/health+json"
METRICS_MEDIA_TYPE = "text/plain; version=0.0.4; charset=utf-8"

router = APIRouter(tags=["health"])


@router.get("/health/live")
def live() -> JSONResponse:
    """The process answers; nothing else is checked."""
    return JSONResponse({"status": "pass"}, media_type=HEALTH_MEDIA_TYPE)


@router.get("/health/ready")
def ready(hub: Hub = Depends(get_hub)) -> JSONResponse:
    """Whether this node should get traffic: database, schema and scheduler."""
    checks = {
        "database": _check("database", lambda: _database(hub)),
        "migrations": _check("migrations", lambda: _migrations(hub)),
        "scheduler": _check("scheduler", lambda: _scheduler(hub)),
    }
    failed = any(check["status"] == "fail" for check in checks.values())
    return JSONResponse(
        {"status": "fail" if failed else "pass", "checks": checks},
        status_code=503 if failed else 200,
        media_type=HEALTH_MEDIA_TYPE,
    )


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}}},
)
def metrics() -> Response:
    """Prometheus scrape, open without a token.

    It holds counts by channel, state and job and the outbox's age, never a tenant's
    name or data, so it is safe to leave to whoever can reach the port.
    """
    return Response(render(), media_type=METRICS_MEDIA_TYPE)


class CheckFailed(Exception):
    """A dependency answered, but not as a ready node needs."""


def _check(name: str, probe: Callable[[], Any]) -> dict[str, Any]:
    try:
        observed = probe()
    except CheckFailed as failure:
        log.warning("readiness_check_failed", check=name, error=str(failure))
        return {"status": "fail", "output": str(failure)}
    except Exception as error:  # any fault at all means not ready
        log.warning("readiness_check_failed", check=name, error=repr(error))
        return {
            "status": "fail",
            "output": f"{type(error).__name__}; the gateway log has the details",
        }
    result: dict[str, Any] = {"status": "pass"}
    if observed is not None:
        result["observedValue"] = observed
    return result


def _database(hub: Hub) -> None:
    with hub.db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def _migrations(hub: Hub) -> str | None:
    revision = hub.db.current_revision()
    if not hub.db.is_current():
        raise CheckFailed(
            f"the schema is at revision {revision}, not the newest; "
            "the gateway migrates it when it starts"
        )
    return revision


def _scheduler(hub: Hub) -> str:
    if not hub.settings.scheduler.enabled:
        return "not required"
    if hub.scheduler is None or not hub.scheduler.running:
        raise CheckFailed("the scheduler is enabled but not running")
    return "running"
