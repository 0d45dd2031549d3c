"""A gateway with the 1C and Komus connectors, the Komus sandbox, and a 1C stand-in.

``OneC`` talks to the gateway the way 1C:Enterprise does: Basic credentials at
``checkauth``, then the session cookie, files in chunks of ``file_limit``, and
``import`` repeated while the answer is ``progress``.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from gateway.hub import Hub
from gateway.store.tables import Message, Order, Requisition

REPO = Path(__file__).resolve().parents[2]
MAPPINGS = REPO / "mappings"
DEMO_LOGIN, DEMO_PASSWORD = "demo", "demo"
ACME_LOGIN, ACME_PASSWORD = "acme", "acme-1c-secret"
EXCHANGE = "/1c/exchange"


def write_onec_config(
    directory: Path,
    database_url: str,
    sandbox_port: int,
    *,
    import_seconds: float = 20,
    demo_output: dict[str, Any] | None = None,
    max_body_bytes: int = 10 * 1024 * 1024,
    mappings: Path = MAPPINGS,
) -> Path:
    """config.yaml: tenant ``demo`` (the shipped demo mapping, windows-1251, 2.10)
    and tenant ``acme`` (the shared mapping, UTF-8, 3.1), both known to the sandbox."""
    output = {"version": "2.10", "encoding": "windows-1251"} | (demo_output or {})
    path = directory / "config.yaml"
    path.write_text(
        f"""
server:
  admin_token: test-admin-token
  max_body_bytes: {max_body_bytes}
database:
  url: "{database_url}"
scheduler:
  enabled: false
logging:
  level: INFO
  format: json
mappings:
  directory: "{mappings}"
  reload_interval_seconds: 0
komus:
  base_url: sandbox
  sandbox_port: {sandbox_port}
  timeout_seconds: 5
  requests_per_minute: 150
  price_tolerance_percent: 2
  sandbox_options:
    database: "{directory / "komus-sandbox.db"}"
    time_scale: 0.05
tenants:
  - id: demo
    legal_name: ООО "Ромашка"
    inn: "7707083893"
    kpp: "773601001"
    komus:
      token: demo-komus-token
      region: "77"
    channels:
      onec:
        login: {DEMO_LOGIN}
        password: {DEMO_PASSWORD}
        import_seconds: {import_seconds}
        output: {json.dumps(output)}
    delivery_addresses:
      - code: MAIN
        address: 127015, Москва, ул. Бутырская, д. 76, стр. 1
        default: true
  - id: acme
    legal_name: ООО "Акме"
    inn: "7707083893"
    kpp: "773601001"
    komus:
      token: acme-komus-token
      region: "77"
    channels:
      onec:
        login: {ACME_LOGIN}
        password: {ACME_PASSWORD}
        import_seconds: {import_seconds}
        output: {{version: "3.1", encoding: utf-8}}
    delivery_addresses:
      - code: MAIN
        address: Москва, ул. Тверская, 1
        komus_address_id: "2001"
        default: true
""",
        encoding="utf-8",
    )
    return path


def basic(login: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()


@dataclass
class Answer:
    """One answer of the gateway as 1C reads it."""

    status_code: int
    content_type: str
    body: bytes
    charset: str

    @property
    def text(self) -> str:
        return self.body.decode(self.charset)

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    @property
    def first(self) -> str:
        return self.lines[0] if self.lines else ""


@dataclass
class OneC:
    """1C:Enterprise's side of the exchange, over real HTTP."""

    base_url: str
    login: str = DEMO_LOGIN
    password: str = DEMO_PASSWORD
    path: str = EXCHANGE
    cookie: tuple[str, str] | None = None
    sessid: str | None = None
    file_limit: int | None = None
    calls: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.base_url, timeout=60)

    def close(self) -> None:
        self.http.close()

    def call(
        self,
        mode: str,
        type_: str = "sale",
        *,
        body: bytes | None = None,
        credentials: bool = False,
        **params: str,
    ) -> Answer:
        query = {"type": type_, "mode": mode, **params}
        if self.sessid and mode != "checkauth":
            query["sessid"] = self.sessid
        headers = {"User-Agent": "1C+Enterprise/8.3"}
        if credentials or mode == "checkauth":
            headers["Authorization"] = basic(self.login, self.password)
        if self.cookie is not None and mode != "checkauth":
            headers["Cookie"] = f"{self.cookie[0]}={self.cookie[1]}"
        if body is None:
            response = self.http.get(self.path, params=query, headers=headers)
        else:
            response = self.http.post(
                self.path, params=query, headers=headers, content=body
            )
        self.calls.append({"mode": mode, "status": response.status_code})
        content_type = response.headers.get("content-type", "")
        charset = content_type.partition("charset=")[2] or "utf-8"
        return Answer(response.status_code, content_type, response.content, charset)

    def checkauth(self) -> Answer:
        answer = self.call("checkauth")
        if answer.first == "success":
            self.cookie = (answer.lines[1], answer.lines[2])
            self.sessid = answer.lines[3].removeprefix("sessid=")
        return answer

    def init(self, version: str | None = "2.10", type_: str = "sale") -> Answer:
        params = {"version": version} if version else {}
        answer = self.call("init", type_, **params)
        values = dict(line.split("=", 1) for line in answer.lines if "=" in line)
        if "file_limit" in values:
            self.file_limit = int(values["file_limit"])
        return answer

    def upload(
        self, name: str, data: bytes, *, chunk: int | None = None, type_: str = "sale"
    ) -> list[Answer]:
        """``mode=file`` once per chunk of at most ``chunk`` (or file_limit) bytes."""
        size = chunk or self.file_limit or len(data)
        return [
            self.call("file", type_, body=data[i : i + size], filename=name)
            for i in range(0, len(data), size)
        ]

    def import_file(self, name: str, *, limit: int = 200) -> list[Answer]:
        """``mode=import`` until the answer is not ``progress``; every answer."""
        answers = []
        for _ in range(limit):
            answer = self.call("import", filename=name)
            answers.append(answer)
            if answer.first != "progress":
                return answers
        raise AssertionError(f"import of {name} still in progress after {limit} calls")

    def exchange(self, name: str, data: bytes, *, chunk: int | None = None) -> Answer:
        """A whole upload: checkauth, init, the file in chunks, import to the end."""
        self.checkauth()
        self.init()
        self.upload(name, data, chunk=chunk)
        return self.import_file(name)[-1]

    def query(self) -> Answer:
        return self.call("query")

    def success(self) -> Answer:
        return self.call("success")


def demo_price(sandbox: Any, artnumber: int, region: str = "77") -> Decimal:
    """The demo tenant's contract price at the sandbox (5 % off the regional one)."""
    regional = sandbox.catalog.prices[(region, artnumber)]
    return (regional * Decimal("0.95")).quantize(Decimal("0.01"))


def count(hub: Hub, model: Any, *conditions: Any) -> int:
    with hub.db.session() as session:
        query = select(func.count()).select_from(model)
        if conditions:
            query = query.where(*conditions)
        return session.execute(query).scalar_one()


def requisitions(hub: Hub, tenant: str = "demo") -> dict[str, Requisition]:
    with hub.db.session() as session:
        found = session.execute(
            select(Requisition).where(Requisition.tenant_id == tenant)
        ).scalars()
        return {r.external_id: r for r in found}


def orders(hub: Hub, tenant: str = "demo") -> dict[str, Order]:
    """Komus orders by the 1C Ид of their requisition."""
    with hub.db.session() as session:
        rows = session.execute(
            select(Requisition.external_id, Order)
            .join(Order, Order.requisition_id == Requisition.id)
            .where(Order.tenant_id == tenant)
        ).all()
        return {external_id: order for external_id, order in rows}


def messages(hub: Hub, **where: Any) -> list[Message]:
    with hub.db.session() as session:
        query = select(Message).order_by(Message.id)
        for name, value in where.items():
            query = query.where(getattr(Message, name) == value)
        return list(session.execute(query).scalars())
