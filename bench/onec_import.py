"""1C order import at size: a generated CommerceML orders file through the exchange.

Generates a CommerceML 2.08 file of many ``Документ`` («Заказ товара») with 50 to
400 ``Товар`` lines each (Cyrillic names, units, prices, VAT, requisites), in
windows-1251 or UTF-8 with a BOM, then measures, each in a process of its own:

* ``bare``: lxml ``iterparse`` with the reader's safety flags, dropping each
  document once parsed: the floor any reader on lxml stands on;
* ``exchange``: a real gateway (the HTTP app ``komus-gateway serve`` runs, on
  loopback, with the 1C connector, SQLite in a scratch folder, the shipped
  mappings with an item table covering every item)
  and 1C's side of the protocol over HTTP: ``checkauth``, ``init``, the file in
  ``file_limit`` chunks, then ``import`` repeated while the answer is
  ``progress``. Every ``import`` call is timed; the gateway's peak resident
  memory is its ``ru_maxrss`` as reported by ``wait4`` when it exits. Afterwards
  the database is checked: one requisition per order, none twice.

    .venv/bin/python bench/onec_import.py                      # 200 MB, windows-1251
    .venv/bin/python bench/onec_import.py --size-mb 20 --encoding utf-8
    .venv/bin/python bench/onec_import.py --keep /tmp/cml --only exchange

Targets: the gateway's peak memory under 300 MB, every ``import`` call answered
within 25 s. Tests never assert on these figures (``tests/onec/test_bench_import.py``
runs the same exchange on a small file for correctness); record them in
bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ENCODINGS = ("windows-1251", "utf-8")
MEMORY_TARGET_MB = 300
CALL_TARGET_SECONDS = 25
FLUSH_BYTES = 1 << 20
ITEMS = 50_000

GOODS = (
    ("Бумага для офисной техники SvetoCopy (А4, 80 г/кв.м, 500 листов)", "778"),
    ("Ручка шариковая Erich Krause R-301 синяя (толщина линии 0.5 мм)", "796"),
    ("Папка-регистратор Attache 75 мм мраморная", "796"),
    ("Картридж лазерный HP 85A CE285A черный", "796"),
    ("Скобы для степлера №10 Комус оцинкованные (1000 штук в упаковке)", "778"),
    ("Блок-кубик Attache 90x90x90 мм белый", "796"),
    ("Чай Greenfield Golden Ceylon черный 100 пакетиков", "778"),
    ("Маркер текстовыделитель Stabilo Boss Original желтый", "796"),
)


# -- the file ---------------------------------------------------------------------


def _header(encoding: str) -> str:
    return (
        f'<?xml version="1.0" encoding="{encoding.upper()}"?>\n'
        '<КоммерческаяИнформация xmlns="urn:1C.ru:commerceml_2" '
        'ВерсияСхемы="2.08" ДатаФормирования="2026-02-10T09:00:00">\n'
    )


def item_code(number: int) -> str:
    return f"{number % ITEMS:08d}-55bc-11d9-848a-00112f43529a"


def write_item_table(path: Path) -> None:
    """The demo tenant's item table covering every item the file orders, so that
    requisitions are taken, not held for an unknown item."""
    with path.open("w", encoding="utf-8") as table:
        table.write("client_item_code,article,name\n")
        for number in range(ITEMS):
            table.write(f"{item_code(number)},{1_000_000 + number},товар {number}\n")


def _line(rng: random.Random, number: int) -> str:
    name, okei = GOODS[number % len(GOODS)]
    quantity = rng.randint(1, 40)
    price = rng.randint(3_000, 900_000) / 100
    item = item_code(number)
    return (
        f"<Товар><Ид>{item}</Ид><Артикул>A-{number % ITEMS:05d}</Артикул>"
        f"<Наименование>{name}</Наименование>"
        f'<БазоваяЕдиница Код="{okei} " НаименованиеПолное="Штука" '
        f'МеждународноеСокращение="PCE">шт</БазоваяЕдиница>'
        f"<ЦенаЗаЕдиницу>{price:.2f}</ЦенаЗаЕдиницу>"
        f"<Количество>{quantity}</Количество>"
        f"<Сумма>{price * quantity:.2f}</Сумма>"
        "<СтавкиНалогов><СтавкаНалога><Наименование>НДС</Наименование>"
        "<Ставка>22</Ставка></СтавкаНалога></СтавкиНалогов>"
        "<ЗначенияРеквизитов>"
        "<ЗначениеРеквизита><Наименование>ВидНоменклатуры</Наименование>"
        "<Значение>Товар</Значение></ЗначениеРеквизита>"
        "<ЗначениеРеквизита><Наименование>ТипНоменклатуры</Наименование>"
        "<Значение>Товар</Значение></ЗначениеРеквизита>"
        "</ЗначенияРеквизитов></Товар>\n"
    )


def order_id(number: int) -> str:
    """The order's Ид, a GUID as 1C writes them."""
    return f"{number:08x}-7f1e-11ef-9c3a-0050569d2b{number % 256:02x}"


def _document_head(number: int) -> str:
    return (
        f"<Документ><Ид>{order_id(number)}</Ид><Номер>ЗК-{number:06d}</Номер>"
        "<Дата>2026-02-10</Дата><ХозОперация>Заказ товара</ХозОперация>"
        "<Роль>Продавец</Роль><Валюта>руб</Валюта><Курс>1</Курс>"
        f"<НомерВерсии>AAAAAQAAA{number % 10}=</НомерВерсии>"
        "<Контрагенты><Контрагент><Ид>4a65ecb6-8b1b-11df-be16-e0cb4ed5f70f</Ид>"
        '<Наименование>ООО "Акме"</Наименование><Роль>Покупатель</Роль>'
        "<ИНН>7707083893</ИНН><КПП>773601001</КПП></Контрагент></Контрагенты>"
        "<Товары>\n"
    )


def _document_tail() -> str:
    return (
        "</Товары><ЗначенияРеквизитов>"
        "<ЗначениеРеквизита><Наименование>Статус заказа</Наименование>"
        "<Значение>[N] Принят</Значение></ЗначениеРеквизита>"
        "<ЗначениеРеквизита><Наименование>Отменен</Наименование>"
        "<Значение>false</Значение></ЗначениеРеквизита>"
        "</ЗначенияРеквизитов></Документ>\n"
    )


def generate(
    path: Path, encoding: str, megabytes: float, seed: int = 7
) -> dict[str, int]:
    """Documents of 50 to 400 lines until the file is ``megabytes`` long."""
    rng = random.Random(seed)
    limit = int(megabytes * 1_000_000)
    written = documents = lines = 0
    pending: list[bytes] = []
    pending_size = 0
    with path.open("wb") as out:

        def put(text: str) -> None:
            nonlocal written, pending_size
            data = text.encode(encoding)
            pending.append(data)
            pending_size += len(data)
            written += len(data)
            if pending_size >= FLUSH_BYTES:
                out.write(b"".join(pending))
                pending.clear()
                pending_size = 0

        if encoding == "utf-8":
            out.write(b"\xef\xbb\xbf")
            written += 3
        put(_header(encoding))
        while written < limit:
            documents += 1
            put(_document_head(documents))
            for _ in range(rng.randint(50, 400)):
                lines += 1
                put(_line(rng, lines))
            put(_document_tail())
        put("</КоммерческаяИнформация>\n")
        out.write(b"".join(pending))
    return {"bytes": written, "documents": documents, "lines": lines}


# -- 1C's side of the exchange ------------------------------------------------------


@dataclass
class ExchangeFigures:
    """What one whole exchange of the file took, seen from 1C's side."""

    chunks: int = 0
    upload_seconds: float = 0.0
    import_calls: list[float] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)

    @property
    def import_seconds(self) -> float:
        return sum(self.import_calls)

    @property
    def longest_call(self) -> float:
        return max(self.import_calls, default=0.0)

    @property
    def last_answer(self) -> str:
        return self.answers[-1] if self.answers else ""


def exchange(
    base_url: str,
    path: Path,
    *,
    login: str = "demo",
    password: str = "demo",
    name: str = "orders.xml",
    max_calls: int = 10_000,
) -> ExchangeFigures:
    """Upload ``path`` and import it as 1C does; every answer and call time."""
    figures = ExchangeFigures()
    with httpx.Client(base_url=base_url, timeout=300) as http:

        def call(mode: str, body: bytes | None = None, **params: str) -> list[str]:
            query = {"type": "sale", "mode": mode, **params}
            headers = {"User-Agent": "1C+Enterprise/8.3"}
            if mode == "checkauth":
                http.auth = (login, password)
            if body is None:
                response = http.get("/1c/exchange", params=query, headers=headers)
            else:
                response = http.post(
                    "/1c/exchange", params=query, headers=headers, content=body
                )
            response.raise_for_status()
            charset = response.headers.get("content-type", "").partition("charset=")[2]
            return response.content.decode(charset or "utf-8").splitlines()

        answer = call("checkauth")
        if answer[:1] != ["success"]:
            raise RuntimeError(f"checkauth: {answer}")
        http.auth = None
        http.cookies.set(answer[1], answer[2])
        sessid = answer[3].removeprefix("sessid=")
        init = call("init", version="2.10", sessid=sessid)
        limit = int(dict(line.split("=", 1) for line in init)["file_limit"])

        began = time.perf_counter()
        with path.open("rb") as source:
            while chunk := source.read(limit):
                answer = call("file", chunk, filename=name, sessid=sessid)
                figures.chunks += 1
                if answer[:1] != ["success"]:
                    raise RuntimeError(f"file chunk {figures.chunks}: {answer}")
        figures.upload_seconds = time.perf_counter() - began

        for _ in range(max_calls):
            began = time.perf_counter()
            answer = call("import", filename=name, sessid=sessid)
            figures.import_calls.append(time.perf_counter() - began)
            figures.answers.append(answer[0] if answer else "")
            if figures.last_answer != "progress":
                break
        if figures.last_answer != "success":
            raise RuntimeError(f"import answered {answer[:5]}")
    return figures


def stored_requisitions(database_url: str, tenant: str = "demo") -> dict[str, int]:
    """How many requisitions each 1C Ид became, read from the gateway's store."""
    from sqlalchemy import create_engine, func, select

    from gateway.store.tables import Requisition

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(Requisition.external_id, func.count())
                .where(Requisition.tenant_id == tenant)
                .group_by(Requisition.external_id)
            ).all()
    finally:
        engine.dispose()
    return {external_id: count for external_id, count in rows}


# -- a gateway of its own -------------------------------------------------------------


GATEWAY_CONFIG = """
server:
  admin_token: bench-admin-token
database:
  url: "sqlite:///{database}"
scheduler:
  enabled: false
logging:
  level: WARNING
  format: json
komus:
  base_url: "http://127.0.0.1:9/api2"
mappings:
  directory: "{mappings}"
  reload_interval_seconds: 0
tenants:
  - id: demo
    legal_name: ООО "Ромашка"
    inn: "7707083893"
    kpp: "773601001"
    channels:
      onec:
        login: demo
        password: demo
        max_file_bytes: {max_bytes}
        import_seconds: 20
    delivery_addresses:
      - code: MAIN
        address: Москва, ул. Тверская, 1
        default: true
"""


def prepare_mappings(target: Path) -> Path:
    """The shipped mappings with an item table for every item the file orders."""
    import shutil

    shutil.copytree(ROOT / "mappings", target, ignore=shutil.ignore_patterns("tests"))
    write_item_table(target / "tables" / "demo_items.csv")
    return target


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def measure_exchange(path: Path, folder: Path) -> dict[str, Any]:
    """``komus-gateway serve`` in a child process, 1C's exchange against it."""
    database = folder / "gateway.db"
    config = folder / "config.yaml"
    config.write_text(
        GATEWAY_CONFIG.format(
            database=database,
            mappings=prepare_mappings(folder / "mappings"),
            max_bytes=path.stat().st_size + 1,
        ),
        encoding="utf-8",
    )
    port = _free_port()
    environment = os.environ | {"GATEWAY_ONEC_UPLOADS": str(folder / "uploads")}
    command = [sys.executable, __file__, "--serve", str(config), "--port", str(port)]
    with (folder / "gateway.log").open("wb") as log_file:
        server = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=log_file, stderr=log_file
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_live(base_url, server)
        figures = exchange(base_url, path)
    finally:
        if server.returncode is None:
            server.send_signal(signal.SIGINT)
        peak_kb = _wait_for(server)
    counted = stored_requisitions(f"sqlite:///{database}")
    return {
        **asdict(figures),
        "import_seconds": figures.import_seconds,
        "longest_call": figures.longest_call,
        "requisitions": len(counted),
        "duplicated": sum(1 for n in counted.values() if n > 1),
        "peak_rss_mb": peak_kb / 1024,
    }


def _wait_until_live(base_url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the gateway exited with {server.returncode}")
        try:
            if httpx.get(f"{base_url}/health/live", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise RuntimeError("the gateway did not come up within 120 s")


def serve(config: Path, port: int) -> None:
    """The gateway as ``komus-gateway serve`` runs it, with only the 1C connector
    installed and no scheduler: what the exchange needs, and nothing that would
    order from Komus meanwhile."""
    import uvicorn

    from connectors.onec.connector import OneCConnector
    from gateway import logs
    from gateway.api.app import create_app
    from gateway.config import load_settings
    from gateway.hub import Hub

    settings = load_settings(config)
    logs.configure(settings.logging.level, settings.logging.format)
    hub = Hub(settings)
    hub.prepare()
    connector = OneCConnector()
    connector.install(hub)
    try:
        uvicorn.run(
            create_app(hub),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            access_log=False,
        )
    finally:
        connector.close()
        hub.stop()


def _wait_for(server: subprocess.Popen[bytes]) -> int:
    """Wait for the gateway to exit; its peak resident set in KiB (``ru_maxrss``),
    0 when it had already been reaped (it died before the exchange began)."""
    if server.returncode is not None:
        return 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        pid, status, usage = os.wait4(server.pid, os.WNOHANG)
        if pid == server.pid:
            server.returncode = os.waitstatus_to_exitcode(status)
            return usage.ru_maxrss
        time.sleep(0.2)
    server.kill()
    _, status, usage = os.wait4(server.pid, 0)
    server.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss


# -- the floor: lxml alone, in a process of its own --------------------------------


def measure_bare(path: Path) -> dict[str, Any]:
    """lxml alone: the reader's ``SAFE_PARSING`` options, spelled out here so that
    importing the gateway does not count in this process's memory."""
    from lxml import etree

    elements = 0
    began = time.perf_counter()
    with path.open("rb") as stream:
        for _, element in etree.iterparse(
            stream,
            events=("end",),
            resolve_entities=False,
            no_network=True,
            huge_tree=False,
            load_dtd=False,
            remove_comments=True,
            remove_pis=True,
        ):
            elements += 1
            parent = element.getparent()
            if parent is not None and parent.getparent() is None:
                element.clear()
                parent.remove(element)
    return {
        "elements": elements,
        "seconds": time.perf_counter() - began,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_bare(path: Path) -> dict[str, Any]:
    answer = subprocess.run(
        [sys.executable, __file__, "--bare", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if answer.returncode != 0:
        return {"failed": answer.stderr.strip().splitlines()[-1:]}
    return json.loads(answer.stdout.strip().splitlines()[-1])


# -- report -----------------------------------------------------------------------


def report(encoding: str, shape: dict[str, int], results: dict[str, Any]) -> list[str]:
    rows = [
        f"{encoding}: {shape['bytes'] / 1e6:.1f} MB, {shape['documents']:,} documents, "
        f"{shape['lines']:,} lines"
    ]
    bare = results.get("bare")
    if bare and "seconds" in bare:
        rows.append(
            f"  bare lxml iterparse: {bare['elements']:,} elements in "
            f"{bare['seconds']:.1f} s, {shape['lines'] / bare['seconds']:,.0f} "
            f"lines/s, peak RSS {bare['peak_rss_mb']:.0f} MB"
        )
    elif bare:
        rows.append(f"  bare lxml iterparse: {bare}")
    done = results.get("exchange")
    if done and "longest_call" in done:
        memory = "ok" if done["peak_rss_mb"] < MEMORY_TARGET_MB else "OVER TARGET"
        call = "ok" if done["longest_call"] < CALL_TARGET_SECONDS else "OVER TARGET"
        rows += [
            f"  upload: {done['chunks']} chunks in {done['upload_seconds']:.1f} s",
            f"  import: {len(done['import_calls'])} calls, "
            f"{done['import_seconds']:.1f} s, "
            f"{shape['lines'] / done['import_seconds']:,.0f} lines/s, longest call "
            f"{done['longest_call']:.1f} s ({call}, target {CALL_TARGET_SECONDS} s)",
            f"  gateway peak RSS {done['peak_rss_mb']:.0f} MB ({memory}, target "
            f"{MEMORY_TARGET_MB} MB)",
            f"  requisitions {done['requisitions']:,} of {shape['documents']:,} "
            f"documents, {done['duplicated']} duplicated, answer {done['answers'][-1]}",
        ]
        if bare and "seconds" in bare:
            rows.append(
                "  import / bare parse: "
                f"{done['import_seconds'] / bare['seconds']:.1f}x"
            )
    elif done:
        rows.append(f"  exchange: {done}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--size-mb", type=float, default=200.0)
    parser.add_argument("--encoding", choices=ENCODINGS, default=ENCODINGS[0])
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument(
        "--only", choices=("bare", "exchange"), action="append", help="measure only"
    )
    parser.add_argument("--bare", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.serve:
        serve(arguments.serve, arguments.port)
        return
    if arguments.bare:
        print(json.dumps(measure_bare(arguments.bare)))
        return

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, lxml {_lxml_version()}, load average "
        f"{' '.join(f'{n:.1f}' for n in os.getloadavg())}"
    )
    with tempfile.TemporaryDirectory() as scratch:
        folder = arguments.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"orders-{arguments.encoding}.xml"
        began = time.perf_counter()
        shape = generate(path, arguments.encoding, arguments.size_mb)
        print(f"generated {path.name} in {time.perf_counter() - began:.1f} s")
        kinds = arguments.only or ["bare", "exchange"]
        results: dict[str, Any] = {}
        if "bare" in kinds:
            results["bare"] = run_bare(path)
        if "exchange" in kinds:
            work = folder / "exchange"
            work.mkdir(exist_ok=True)
            try:
                results["exchange"] = measure_exchange(path, work)
            except Exception as error:  # noqa: BLE001 - reported, with the log's tail
                log_tail = (work / "gateway.log").read_text(errors="replace")[-2000:]
                results["exchange"] = {"failed": repr(error), "log": log_tail}
        print("\n".join(report(arguments.encoding, shape, results)))
        print(f"load average after: {' '.join(f'{n:.1f}' for n in os.getloadavg())}")


def _lxml_version() -> str:
    from lxml import etree

    return ".".join(str(part) for part in etree.LXML_VERSION[:3])


if __name__ == "__main__":
    main()
