"""The sandbox on a uvicorn server in a background thread, for ``serve`` and tests."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import structlog
import uvicorn
from fastapi import FastAPI

from connectors.komus.sandbox.app import create_sandbox_app
from connectors.komus.sandbox.gate import API_PREFIX
from gateway.config import KomusSettings, Settings
from gateway.errors import GatewayError

log = structlog.get_logger(__name__)


class SandboxStartFailed(GatewayError):
    """The sandbox server did not come up (port taken, bad settings)."""


@dataclass
class SandboxHandle:
    url: str
    app: FastAPI
    _server: uvicorn.Server
    _thread: threading.Thread

    @property
    def api_url(self) -> str:
        return self.url + API_PREFIX

    def stop(self, timeout: float = 15.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=timeout)
        self.app.state.sandbox.close()
        log.info("komus_sandbox_stopped", url=self.url)


def start_sandbox_in_background(
    settings: Settings | KomusSettings,
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    ready_timeout: float = 15.0,
) -> SandboxHandle:
    komus = settings.komus if isinstance(settings, Settings) else settings
    bind_port = komus.sandbox_port if port is None else port
    app = create_sandbox_app(komus)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=host,
            port=bind_port,
            log_config=None,
            access_log=False,
            lifespan="on",
        )
    )
    thread = threading.Thread(
        target=_run, args=(server, bind_port), name="komus-sandbox", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + ready_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            app.state.sandbox.close()
            raise SandboxStartFailed(
                f"the Komus sandbox did not start on {host}:{bind_port} "
                "(is the port taken? set komus.sandbox_port)"
            )
        time.sleep(0.02)
    url = f"http://{host}:{bind_port}"
    log.info("komus_sandbox_started", url=url + API_PREFIX)
    return SandboxHandle(url, app, server, thread)


def _run(server: uvicorn.Server, port: int) -> None:
    """uvicorn exits the process when it cannot bind; in a thread, end the thread."""
    try:
        server.run()
    except SystemExit as exit_:
        log.error("komus_sandbox_failed", port=port, code=exit_.code)
