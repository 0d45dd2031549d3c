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
    sandbox = None
    if settings.komus.sandbox:
        from connectors.komus.sandbox import start_sandbox_in_background

        sandbox = start_sandbox_in_background(settings)
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
        if sandbox is not None:
            sandbox.stop()
        log.info("gateway_stopped")


@app.command("sandbox")
def komus_sandbox(
    config: ConfigOption = DEFAULT_CONFIG,
    port: Annotated[
        int | None, typer.Option(help="Override komus.sandbox_port.")
    ] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
) -> None:
    """Run the Komus sandbox alone: its API under /api2, controls under /sandbox."""
    import uvicorn

    from connectors.komus.sandbox import create_sandbox_app

    settings = _settings(config)
    bind_port = port or settings.komus.sandbox_port
    log.info("komus_sandbox_serving", host=host, port=bind_port)
    uvicorn.run(
        create_sandbox_app(settings),
        host=host,
        port=bind_port,
        log_config=None,
        access_log=False,
    )


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


users_app = typer.Typer(help="Console users.", no_args_is_help=True)
app.add_typer(users_app, name="users")


@users_app.command("add")
def add_console_user(
    login: Annotated[str, typer.Option(help="The name to sign in with.")],
    role: Annotated[
        str, typer.Option(help="admin, integrator, manager, accountant or viewer.")
    ],
    tenant: Annotated[
        str | None, typer.Option(help="Tenant id; leave out for all tenants.")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Create a console user (the first admin, say); the password is asked for."""
    from gateway.console.users import create_user
    from gateway.errors import ValidationFailed
    from gateway.hub import Hub

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    hub = Hub(_settings(config))
    hub.prepare()
    try:
        create_user(hub, login, password, role, tenant, actor="cli")
    except ValidationFailed as failure:
        for reason in failure.reasons:
            typer.echo(reason, err=True)
        raise typer.Exit(code=2) from failure
    finally:
        hub.stop()
    typer.echo(f"console user {login} ({role}) created")


mappings_app = typer.Typer(
    help="Check and preview the YAML mappings integrators edit.",
    no_args_is_help=True,
)
app.add_typer(mappings_app, name="mappings")

MappingsDirectory = Annotated[
    Path, typer.Option("--dir", "-d", help="The mappings directory.")
]


@mappings_app.command("check")
def mappings_check(directory: MappingsDirectory = Path("mappings")) -> None:
    """Load every mapping and table; print each problem as FILE:LINE:COL, exit 2."""
    from gateway.mapping import check_all

    logs.configure("WARNING", "console")
    problems = check_all(directory)
    for problem in problems:
        typer.echo(str(problem), err=True)
    if problems:
        typer.echo(f"{len(problems)} problem(s) found", err=True)
        raise typer.Exit(code=2)
    typer.echo(f"{directory}: ok")


@mappings_app.command("preview")
def mappings_preview(
    mapping: Annotated[
        Path,
        typer.Option(
            "--mapping", "-m", help="The mapping file (mappings/demo/onec.yaml)."
        ),
    ],
    input_file: Annotated[
        Path, typer.Option("--input", "-i", help="A real document to run through it.")
    ],
    reader: Annotated[
        str | None,
        typer.Option(help="commerceml, json, …; by default the mapping's reader."),
    ] = None,
    outbound: Annotated[
        str | None,
        typer.Option(help="Run this outbound mapping; the input is then JSON."),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", "-c", help="Take the tenant (its addresses) from this config."
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the result as JSON.")
    ] = False,
) -> None:
    """Map a document; print each output field with the mapping line that made it.

    Exits 2 when the mapping has problems or the input cannot be read, 1 when a
    document failed to map.
    """
    import json

    from gateway.mapping import preview

    logs.configure("WARNING", "console")
    tenant = None
    if config is not None:
        tenant = _settings(config).tenant(mapping.parent.name)
    result = preview(
        mapping,
        input_file.read_bytes(),
        reader,
        outbound=outbound,
        tenant=tenant,
        filename=input_file.name,
    )
    if as_json:
        typer.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        typer.echo(result.render())
    if result.problems:
        raise typer.Exit(code=2)
    if not result.ok:
        raise typer.Exit(code=1)


def main() -> None:  # pragma: no cover - console entry point
    sys.exit(app())
