"""Running the sandbox: in a background thread, from the CLI, beside ``serve``."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from connectors.komus.sandbox import create_sandbox_app, start_sandbox_in_background
from connectors.komus.sandbox.server import SandboxStartFailed
from gateway.config import KomusSettings
from tests.komus_sandbox.conftest import DEMO_TOKEN, in_stock, row, sandbox_options
from tests.support.config import write_config
from tests.support.processes import start_gateway, stop
from tests.support.servers import free_port, serve, wait_for_http


def _komus_settings(database: str, port: int) -> KomusSettings:
    return KomusSettings(
        sandbox=True,
        sandbox_port=port,
        sandbox_options=sandbox_options(database=database),
    )


def test_background_sandbox_answers_until_stopped():
    port = free_port()
    handle = start_sandbox_in_background(_komus_settings(":memory:", port))

    answer = httpx.get(handle.api_url + "/shipdata/", headers={"token": DEMO_TOKEN})
    handle.stop()

    assert handle.api_url == f"http://127.0.0.1:{port}/api2"
    assert answer.status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.get(handle.api_url + "/shipdata/", headers={"token": DEMO_TOKEN})


def test_taken_port_is_reported():
    first = start_sandbox_in_background(_komus_settings(":memory:", free_port()))
    port = int(first.url.rsplit(":", 1)[1])

    try:
        with pytest.raises(SandboxStartFailed, match=str(port)):
            start_sandbox_in_background(_komus_settings(":memory:", port))
    finally:
        first.stop()


def test_orders_survive_a_restart(tmp_path: Path):
    options = sandbox_options(database=str(tmp_path / "komus-sandbox.db"))
    first = create_sandbox_app(options)
    with serve(first) as url, httpx.Client(headers={"token": DEMO_TOKEN}) as komus:
        article = in_stock(first.state.sandbox.catalog)[0]
        order = komus.post(
            url + "/api2/orders", json={"externalId": "REQ-1", "rows": [row(article)]}
        ).json()
        httpx.post(url + "/sandbox/clock/advance", json={"minutes": 5})
    first.state.sandbox.close()

    second = create_sandbox_app(options)
    with serve(second) as url, httpx.Client(headers={"token": DEMO_TOKEN}) as komus:
        again = komus.post(
            url + "/api2/orders", json={"externalId": "REQ-1", "rows": [row(article)]}
        )
        clock = httpx.get(url + "/sandbox/clock").json()
    second.state.sandbox.close()

    assert again.status_code == 200 and again.json()["id"] == order["id"]
    assert again.json()["status"]["code"] == "R"
    assert clock["now"] >= "2026-02-02 09:05:00"


def _config(tmp_path: Path, sandbox_port: int) -> Path:
    database = tmp_path / "komus-sandbox.db"
    return write_config(
        tmp_path,
        f"sqlite:///{tmp_path / 'gateway.db'}",
        extra=f"""
komus:
  base_url: http://127.0.0.1:{sandbox_port}/api2
  sandbox: true
  sandbox_port: {sandbox_port}
  sandbox_options:
    database: {database}
""",
    )


def test_cli_runs_the_sandbox_on_the_given_port(tmp_path: Path):
    port = free_port()
    config = _config(tmp_path, free_port())
    process = start_gateway(
        "sandbox", config, tmp_path / "sandbox.log", "--port", str(port)
    )

    try:
        wait_for_http(f"http://127.0.0.1:{port}/sandbox/clock")
        answer = httpx.get(
            f"http://127.0.0.1:{port}/api2/shipdata/", headers={"token": DEMO_TOKEN}
        )
    finally:
        stop(process)

    assert answer.status_code == 200
    assert (tmp_path / "komus-sandbox.db").exists()


def test_serve_starts_the_sandbox_beside_the_gateway(tmp_path: Path):
    sandbox_port, gateway_port = free_port(), free_port()
    config = _config(tmp_path, sandbox_port)
    process = start_gateway(
        "serve", config, tmp_path / "gateway.log", "--port", str(gateway_port)
    )

    try:
        wait_for_http(f"http://127.0.0.1:{gateway_port}/health/live")
        answer = httpx.get(
            f"http://127.0.0.1:{sandbox_port}/api2/shipdata/",
            headers={"token": DEMO_TOKEN},
        )
    finally:
        stop(process)

    assert answer.status_code == 200, (tmp_path / "gateway.log").read_text()
