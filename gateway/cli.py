"""``komus-gateway``: run, check and operate the gateway from a terminal."""

from __future__ import annotations

import os
import secrets
import signal
import sys
import threading
from pathlib import Path
from typing import Annotated

import structlog
import typer

from gateway import logs
from gateway.config import Settings, load_settings
from gateway.errors import ConfigError

app = typer.Typer(
    help="Komus Gateway: purchase requisitions from 1C, SAP and CRMs to Komus orders.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
log = structlog.get_logger("gateway.cli")

ConfigOption = Annotated[
    Path,
    typer.Option(
        "--config",
        "-c",
        envvar="GATEWAY_CONFIG",
        help="Path to config.yaml.",
    ),
]
DEFAULT_CONFIG = Path("config.yaml")
ROLES = ("admin", "integrator", "manager", "viewer")


def _settings(path: Path) -> Settings:
    try:
        settings = load_settings(path)
    except ConfigError as error:
        for problem in error.problems:
            typer.echo(str(problem), err=True)
        raise typer.Exit(code=2) from error
    logs.configure(settings.logging.level, settings.logging.format)
    return settings


@app.command()
def check(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Validate the configuration; print every problem as FILE:LINE:COL and exit 2."""
    try:
        settings = load_settings(config)
    except ConfigError as error:
        for problem in error.problems:
            typer.echo(str(problem), err=True)
        typer.echo(f"{len(error.problems)} problem(s) found", err=True)
        raise typer.Exit(code=2) from error
    typer.echo(f"{config}: ok ({len(settings.tenants)} tenant(s))")


@app.command()
def serve(
    config: ConfigOption = DEFAULT_CONFIG,
    host: Annotated[str | None, typer.Option(help="Override server.host.")] = None,
    port: Annotated[int | None, typer.Option(help="Override server.port.")] = None,
) -> None:
    """Run the HTTP server with the scheduler (dispatch, submission, housekeeping)."""
    import uvicorn

    from gateway.api.app import create_app
    from gateway.hub import Hub

    settings = _settings(config)
    hub = Hub(settings)
    hub.start(scheduler=True)
    bind_host = host or settings.server.host
    bind_port = port or settings.server.port
    log.info("gateway_serving", host=bind_host, port=bind_port, pid=os.getpid())
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(hub),
            host=bind_host,
            port=bind_port,
            log_config=None,
            access_log=False,
            limit_max_requests=None,
        )
    )
    try:
        server.run()
    finally:
        hub.stop()
        log.info("gateway_stopped")


@app.command()
def worker(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Dispatch deliveries without the HTTP server; run as many as the load needs."""
    from gateway.hub import Hub

    settings = _settings(config)
    stop = threading.Event()

    def _stop(signum: int, _frame: object) -> None:
        log.info("worker_stopping", signal=signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    Hub(settings).run_worker(stop)


@app.command()
def migrate(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Apply schema migrations and exit (serve and worker also do this on start)."""
    from gateway.hub import Hub

    hub = Hub(_settings(config))
    hub.prepare()
    typer.echo(f"schema at revision {hub.db.current_revision()}")
    hub.stop()


@app.command("token")
def create_token(
    name: Annotated[str, typer.Option(help="Who or what uses the token.")],
    role: Annotated[str, typer.Option(help="admin, integrator, manager or viewer.")],
    tenant: Annotated[
        str | None, typer.Option(help="Tenant id; leave out for all tenants.")
    ] = None,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Create an API token and print it once; only its hash is kept."""
    from gateway.hub import Hub, hash_token
    from gateway.store.tables import ApiToken, AuditEntry

    if role not in ROLES:
        typer.echo(f"role must be one of {', '.join(ROLES)}", err=True)
        raise typer.Exit(code=2)
    settings = _settings(config)
    if tenant is not None and settings.tenant(tenant) is None:
        typer.echo(f"tenant {tenant!r} is not in {config}", err=True)
        raise typer.Exit(code=2)
    hub = Hub(settings)
    hub.prepare()
    token = "kgw_" + secrets.token_urlsafe(32)
    with hub.db.session() as session:
        session.add(
            ApiToken(
                name=name, token_hash=hash_token(token), role=role, tenant_id=tenant
            )
        )
        session.add(
            AuditEntry(
                actor="cli", tenant_id=tenant, action="token.create", target=name
            )
        )
    hub.stop()
    typer.echo(token)


def main() -> None:  # pragma: no cover - console entry point
    sys.exit(app())
