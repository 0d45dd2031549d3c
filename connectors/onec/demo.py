"""``make demo``: a 1C exchange session played against a gateway of its own.

Starts ``komus-gateway serve`` on a free port with a temporary SQLite database
and the built-in Komus sandbox on another free port (config.yaml otherwise as it
is, so ``make run`` can keep running), then speaks to it the way 1C does:

1. ``checkauth`` with the demo tenant's 1C login, ``init`` (CommerceML 2.10);
2. a real 1C file (sample 06, UT 11 through the Bitrix module) in chunks of the
   ``file_limit`` the gateway announced, and ``import`` until ``success``;
3. the orders the gateway placed, as the Komus sandbox lists them;
4. the sandbox clock moved on by four hours (reserve, invoice, pay, pick, ship);
5. ``query`` in new sessions until every order has shipped, what 1C receives
   (statuses, the invoice and the УПД with links to their files), ``success``,
   and a last ``query`` that finds nothing waiting.

Exits 0 only when every step held.

    .venv/bin/python -m connectors.onec.demo --config config.yaml
"""

from __future__ import annotations

import argparse
import base64
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from ruamel.yaml import YAML

from connectors.onec.reader import CommerceMLDocument, iter_documents
from gateway.config import load_settings
from gateway.mapping.fixtures import samples_root

REPO = Path(__file__).resolve().parents[2]
SAMPLE = "1c/06_ut11_bitrixmodule65_documents_cml31_container_utf8bom.xml"
TENANT = "demo"
CHUNK = 4096
MINUTES = 240
SHIPPED = "S"


class StepFailed(Exception):
    """A step of the demo did not give what 1C should get."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--config", type=Path, default=REPO / "config.yaml")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    arguments = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="komus-1c-demo-"))
    demo = Demo(arguments.config.resolve(), scratch)
    try:
        demo.run()
    except StepFailed as failure:
        print(f"\nFAILED: {failure}")
        demo.show_log()
        return 1
    finally:
        demo.stop()
        if not arguments.keep:
            _remove(scratch)
    print("\nEvery step held.")
    return 0


class Demo:
    def __init__(self, config: Path, scratch: Path):
        self.config = config
        self.scratch = scratch
        self.process: subprocess.Popen | None = None
        self.log_file = scratch / "gateway.log"
        settings = load_settings(config)
        tenant = settings.tenant(TENANT)
        if tenant is None or TENANT not in [t.id for t in settings.tenants]:
            raise SystemExit(f"{config} has no tenant {TENANT!r}")
        channel = tenant.channels["onec"]
        assert channel.login and channel.password
        self.login = channel.login
        self.password = channel.password.get_secret_value()
        self.komus_token = (
            tenant.komus.token.get_secret_value() if tenant.komus.token else ""
        )
        self.port, self.sandbox_port = _free_port(), _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.sandbox_url = f"http://127.0.0.1:{self.sandbox_port}"
        self.http = httpx.Client(timeout=60)
        self.cookie: str | None = None

    # -- the gateway ---------------------------------------------------------------

    def start(self) -> None:
        path = self._config()
        handle = self.log_file.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gateway", "serve", "--config", str(path)]
            + ["--port", str(self.port)],
            cwd=REPO,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
        _wait(
            lambda: self._answers(f"{self.url}/health/live"),
            30,
            "the gateway did not start",
        )
        step("gateway", f"serving {self.url}/1c/exchange (log: {self.log_file})")
        step("gateway", f"Komus sandbox at {self.sandbox_url}")

    def _config(self) -> Path:
        """config.yaml with its own port, database and sandbox, quick schedules."""
        yaml = YAML()
        tree = yaml.load(self.config.read_text(encoding="utf-8"))
        tree["database"] = {"url": f"sqlite:///{self.scratch / 'gateway.db'}"}
        tree.setdefault("scheduler", {})["dispatch_interval_seconds"] = 1
        komus = tree.setdefault("komus", {})
        komus["sandbox"] = True
        komus["base_url"] = "sandbox"
        komus["sandbox_port"] = self.sandbox_port
        komus["poll_interval_seconds"] = 2
        komus.setdefault("sandbox_options", {})["database"] = str(
            self.scratch / "komus-sandbox.db"
        )
        tree["mappings"] = {"directory": str(REPO / "mappings")}
        tree.setdefault("logging", {})["level"] = "INFO"
        for tenant in tree.get("tenants", []):
            if tenant.get("id") == TENANT:
                onec = tenant["channels"]["onec"]
                onec["file_limit"] = CHUNK
                onec["import_seconds"] = 0.01
        path = self.scratch / "config.yaml"
        with path.open("w", encoding="utf-8") as out:
            yaml.dump(tree, out)
        return path

    def stop(self) -> None:
        self.http.close()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def show_log(self) -> None:
        if self.log_file.exists():
            tail = self.log_file.read_text(encoding="utf-8", errors="replace")
            print("\n--- gateway log (last lines) ---")
            print("\n".join(tail.splitlines()[-25:]))

    def _answers(self, url: str) -> bool:
        try:
            return self.http.get(url, timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    # -- 1C ------------------------------------------------------------------------

    def call(
        self, mode: str, body: bytes | None = None, **params: str
    ) -> httpx.Response:
        headers = {"User-Agent": "1C+Enterprise/8.3"}
        if mode == "checkauth" or self.cookie is None:
            pair = f"{self.login}:{self.password}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        if self.cookie is not None and mode != "checkauth":
            headers["Cookie"] = self.cookie
        query = {"type": "sale", "mode": mode, **params}
        url = f"{self.url}/1c/exchange"
        if body is None:
            response = self.http.get(url, params=query, headers=headers)
        else:
            response = self.http.post(url, params=query, headers=headers, content=body)
        if response.status_code != 200:
            raise StepFailed(f"mode={mode} answered HTTP {response.status_code}")
        return response

    def checkauth(self) -> None:
        lines = _lines(self.call("checkauth"))
        if lines[0] != "success":
            raise StepFailed(f"checkauth: {' / '.join(lines)}")
        self.cookie = f"{lines[1]}={lines[2]}"
        step("1C", f"checkauth {self.login}: success, cookie {lines[1]}, {lines[3]}")

    def init(self) -> int:
        lines = _lines(self.call("init", version="2.10"))
        values = dict(line.split("=", 1) for line in lines if "=" in line)
        if "file_limit" not in values or values.get("version") != "2.10":
            raise StepFailed(f"init: {' / '.join(lines)}")
        step("1C", "init version=2.10: " + ", ".join(lines))
        return int(values["file_limit"])

    def upload(self, name: str, data: bytes, limit: int) -> None:
        answers = [
            _lines(self.call("file", data[i : i + limit], filename=name))[0]
            for i in range(0, len(data), limit)
        ]
        if set(answers) != {"success"}:
            raise StepFailed(f"file: {answers}")
        step("1C", f"file {name}: {len(data)} bytes in {len(answers)} chunks, success")

    def import_file(self, name: str) -> list[str]:
        progress = 0
        lines = _lines(self.call("import", filename=name))
        while lines[0] == "progress" and progress < 500:
            progress += 1
            lines = _lines(self.call("import", filename=name))
        if lines[0] != "success":
            raise StepFailed(f"import: {' / '.join(lines)}")
        step("1C", f"import: {progress} × progress, then " + " / ".join(lines))
        return lines

    def query(self) -> list[CommerceMLDocument]:
        response = self.call("query")
        charset = response.headers["content-type"].partition("charset=")[2]
        declared = response.content[:60].decode("ascii", "replace")
        if charset not in declared:
            raise StepFailed(f"query: header charset {charset}, declaration {declared}")
        return list(iter_documents(response.content))

    # -- Komus ---------------------------------------------------------------------

    def komus_orders(self) -> list[dict[str, Any]]:
        response = self.http.get(
            f"{self.sandbox_url}/api2/orders", headers={"token": self.komus_token}
        )
        response.raise_for_status()
        return response.json()["content"]

    # -- the story -----------------------------------------------------------------

    def run(self) -> None:
        sample = samples_root() / SAMPLE
        if not sample.is_file():
            raise StepFailed(f"the sample {sample} is missing (../shared/samples)")
        self.start()

        self.checkauth()
        limit = self.init()
        self.upload(sample.name, sample.read_bytes(), limit)
        self.import_file(sample.name)

        placed = _wait(
            lambda: (found := self.komus_orders()) and len(found) >= 4 and found,
            60,
            "the gateway did not place the four orders at Komus",
        )
        for order in placed:
            rows = ", ".join(
                f"{row['artnumber']} × {row['quantity']} à {row['price']}"
                for row in order["rows"]
            )
            step(
                "Komus",
                f"order {order['orderNum']} ({order['externalId']}): "
                f"{order['status']['name']}; {rows}",
            )

        moved = self.http.post(
            f"{self.sandbox_url}/sandbox/clock/advance", json={"minutes": MINUTES}
        )
        moved.raise_for_status()
        step("Komus", f"sandbox clock advanced by {MINUTES} minutes")

        documents = _wait(self._all_shipped, 90, "the orders did not reach shipped")
        self._show(documents)
        if _lines(self.call("success"))[0] != "success":
            raise StepFailed("success was not answered with success")
        step("1C", "success: what this query sent is marked delivered")

        self.checkauth()
        left = self.query()
        if left:
            raise StepFailed(f"after success, query still sent {len(left)} documents")
        step("1C", "query in a new session: nothing waiting (an empty root)")

    def _all_shipped(self) -> list[CommerceMLDocument] | None:
        """A new exchange session's query; the documents once all orders shipped."""
        time.sleep(2)
        self.checkauth()
        documents = self.query()
        orders = [d for d in documents if d.operation == "Заказ товара"]
        shipped = [
            o for o in orders if o.requisites.get("Статуса заказа ИД") == SHIPPED
        ]
        kinds = {
            sub.requisites.get("Вид документа")
            for o in orders
            for sub in o.subordinates
        }
        step(
            "1C",
            f"query: {len(orders)} order(s), {len(shipped)} shipped, "
            f"documents: {', '.join(sorted(k for k in kinds if k)) or 'none yet'}",
        )
        if (
            orders
            and len(shipped) == len(orders)
            and {"Счет на оплату", "УПД"} <= kinds
        ):
            return documents
        return None

    def _show(self, documents: list[CommerceMLDocument]) -> None:
        for order in documents:
            values = order.requisites
            step(
                "1C receives",
                f"order {order.number} (Ид {order.id}): {values.get('Статус заказа')}"
                f" [{values.get('Статуса заказа ИД')}], Komus "
                f"{values.get('Номер заказа Комус')}, "
                f"paid {values.get('Заказ оплачен')} {values.get('Дата оплаты', '')}, "
                f"shipped {values.get('Отгружен')} {values.get('Номер отгрузки', '')}, "
                f"sum {order.fields.get('total')}",
            )
            for line in order.lines:
                step(
                    "",
                    f"  {line['article']} {line['name']}: {line['quantity']} × "
                    f"{line['price']} = {line['amount']}",
                )
            for document in order.subordinates:
                links = [
                    f"{k}: {v}"
                    for k, v in document.requisites.items()
                    if k.startswith("Файл")
                ]
                step(
                    "",
                    f"  {document.requisites.get('Вид документа')} {document.number} "
                    f"of {document.fields.get('date')}, {document.fields.get('total')}"
                    + (f"; {'; '.join(links)}" if links else ""),
                )


def step(who: str, what: str) -> None:
    print(f"{who:>12}  {what}", flush=True)


def _lines(response: httpx.Response) -> list[str]:
    charset = response.headers.get("content-type", "").partition("charset=")[2]
    return response.content.decode(charset or "utf-8").splitlines() or [""]


def _wait(condition: Callable[[], Any], seconds: float, failure: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.5)
    raise StepFailed(failure)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
