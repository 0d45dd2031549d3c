"""1C order import at size: a 200 MB CommerceML orders file, read three ways.

Generates a CommerceML 2.08 file of many ``Документ`` («Заказ товара») with many
``Товар`` lines each, in windows-1251 and in UTF-8 with a BOM, then measures, each
in a fresh process so that its peak resident memory (``ru_maxrss``) is its own:

* ``bare``: lxml ``iterparse`` with the reader's safety flags, dropping each
  document once parsed: the floor any reader on lxml stands on (elements/s);
* ``reader``: ``connectors.onec.reader.iter_orders`` over the file as a stream:
  lines/s and peak memory;
* ``importer``: the exchange importer's sliced import, when
  ``connectors/onec/importer.py`` exists: the longest single slice.

    .venv/bin/python bench/onec_import.py                  # 200 MB, both encodings
    .venv/bin/python bench/onec_import.py --megabytes 50 --keep /tmp/cml

Targets: peak memory under 300 MB, every import slice under 25 s. Tests never
assert on these figures; record them in bench/README.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ENCODINGS = ("windows-1251", "utf-8")
MEMORY_TARGET_MB = 300
SLICE_TARGET_SECONDS = 25
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


def _document_head(number: int) -> str:
    return (
        f"<Документ><Ид>{number}</Ид><Номер>{number}</Номер>"
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


def generate(path: Path, encoding: str, megabytes: int, seed: int = 7) -> dict:
    """Documents of 50 to 400 lines until the file is ``megabytes`` long."""
    rng = random.Random(seed)
    limit = megabytes * 1_000_000
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


# -- measurements, each run in its own process --------------------------------------


def measure_bare(path: Path) -> dict:
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
    return {"elements": elements, "seconds": time.perf_counter() - began}


def measure_reader(path: Path) -> dict:
    from connectors.onec.reader import Limits, iter_orders

    documents = lines = 0
    limits = Limits(max_bytes=path.stat().st_size + 1)
    began = time.perf_counter()
    with path.open("rb") as stream:
        for record in iter_orders(stream, tenant_id="bench", limits=limits):
            documents += 1
            lines += len(record.lines)
    return {
        "documents": documents,
        "lines": lines,
        "seconds": time.perf_counter() - began,
    }


def measure_importer(path: Path) -> dict:
    """The exchange importer's ``mode=import`` job over the file, slice by slice.

    A scratch gateway (SQLite, the shipped mappings, tenant ``demo`` with a 1C
    channel) with the 1C connector installed; the file is put where ``mode=file``
    would have written it, and the job is run with the tenant's ``import_seconds``
    deadline until it answers, as 1C would repeat ``mode=import``.
    """
    import shutil

    from connectors.onec.connector import OneCConnector
    from connectors.onec.sessions import SessionStore
    from connectors.onec.settings import OneCProfile, exchange_settings
    from gateway import logs
    from gateway.config import load_settings
    from gateway.hub import Hub

    logs.configure("WARNING", "json")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        shutil.copytree(ROOT / "mappings", folder / "mappings")
        write_item_table(folder / "mappings" / "tables" / "demo_items.csv")
        config = folder / "config.yaml"
        config.write_text(
            IMPORTER_CONFIG.format(
                database=folder / "gateway.db", max_bytes=path.stat().st_size + 1
            ),
            encoding="utf-8",
        )
        hub = Hub(load_settings(config))
        hub.prepare()
        connector = OneCConnector()
        connector.install(hub)
        importer = connector.importer
        assert importer is not None
        tenant = hub.settings.tenants[0]
        settings = exchange_settings(tenant)
        assert settings is not None
        profile = OneCProfile(tenant, "demo", settings)
        session = SessionStore(hub.db, hub.clock).open(profile).session
        target = importer.uploads.path(tenant.id, session.id, "orders.xml")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)

        job = importer.job(profile, session, "orders.xml")
        assert job is not None
        slices: list[float] = []
        began = time.perf_counter()
        while True:
            started = time.perf_counter()
            reply = job.run(time.monotonic() + settings.import_seconds)
            slices.append(time.perf_counter() - started)
            if job.done:
                break
        total = time.perf_counter() - began
        connector.close()
        hub.stop()
    return {
        "slices": len(slices),
        "longest_slice": max(slices),
        "seconds": total,
        "orders": len(job.outcomes),
        "answer": reply.status,
        "import_seconds": settings.import_seconds,
    }


IMPORTER_CONFIG = """
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
  reload_interval_seconds: 0
tenants:
  - id: demo
    legal_name: ООО "Ромашка"
    inn: "7707083893"
    kpp: "773601001"
    channels:
      onec:
        login: demo
        password: bench-only
        max_file_bytes: {max_bytes}
        import_seconds: 20
    delivery_addresses:
      - code: MAIN
        address: Москва, ул. Тверская, 1
        default: true
"""


MEASURES: dict[str, Callable[[Path], dict]] = {
    "bare": measure_bare,
    "reader": measure_reader,
    "importer": measure_importer,
}


def _child(kind: str, path: Path) -> None:
    """Run one measurement and print it as JSON with this process's peak RSS."""
    figures: dict[str, Any] = MEASURES[kind](path)
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(figures))


def run_child(kind: str, path: Path) -> dict:
    answer = subprocess.run(
        [sys.executable, __file__, "--measure", kind, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if answer.returncode != 0:
        return {"failed": answer.stderr.strip().splitlines()[-1:]}
    return json.loads(answer.stdout.strip().splitlines()[-1])


def importer_present() -> bool:
    return importlib.util.find_spec("connectors.onec.importer") is not None


# -- report -----------------------------------------------------------------------


def report(encoding: str, shape: dict, results: dict[str, dict]) -> list[str]:
    rows = [
        f"{encoding}: {shape['bytes'] / 1e6:.1f} MB, {shape['documents']} documents, "
        f"{shape['lines']} lines"
    ]
    bare = results.get("bare", {})
    if "seconds" in bare:
        rows.append(
            f"  bare iterparse: {bare['elements']:,} elements in "
            f"{bare['seconds']:.1f} s = {bare['elements'] / bare['seconds']:,.0f} "
            f"elements/s, peak RSS {bare['peak_rss_mb']:.0f} MB"
        )
    reader = results.get("reader", {})
    if "seconds" in reader:
        verdict = "ok" if reader["peak_rss_mb"] < MEMORY_TARGET_MB else "OVER TARGET"
        rows.append(
            f"  order reader: {reader['lines']:,} lines in {reader['seconds']:.1f} s "
            f"= {reader['lines'] / reader['seconds']:,.0f} lines/s, peak RSS "
            f"{reader['peak_rss_mb']:.0f} MB ({verdict}, target "
            f"{MEMORY_TARGET_MB} MB)"
        )
    elif reader:
        rows.append(f"  order reader: {reader}")
    importer = results.get("importer")
    if importer is not None and "longest_slice" in importer:
        verdict = (
            "ok" if importer["longest_slice"] < SLICE_TARGET_SECONDS else "OVER TARGET"
        )
        memory = "ok" if importer["peak_rss_mb"] < MEMORY_TARGET_MB else "OVER TARGET"
        rows.append(
            f"  importer: {importer['orders']} orders in {importer['slices']} slices, "
            f"{importer['seconds']:.0f} s, longest slice "
            f"{importer['longest_slice']:.1f} s ({verdict}, target "
            f"{SLICE_TARGET_SECONDS} s; import_seconds {importer['import_seconds']}), "
            f"answer {importer['answer']}, peak RSS {importer['peak_rss_mb']:.0f} MB "
            f"({memory})"
        )
    elif importer is not None:
        rows.append(f"  importer: {importer}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--megabytes", type=int, default=200)
    parser.add_argument("--encoding", choices=ENCODINGS, action="append")
    parser.add_argument("--keep", type=Path, help="write the files here, keep them")
    parser.add_argument(
        "--only", choices=sorted(MEASURES), action="append", help="measure only these"
    )
    parser.add_argument("--measure", choices=sorted(MEASURES), help=argparse.SUPPRESS)
    parser.add_argument("file", nargs="?", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.measure:
        _child(arguments.measure, arguments.file)
        return

    print(
        f"machine: {platform.machine()}, Python {platform.python_version()}, "
        f"lxml {_lxml_version()}"
    )
    with tempfile.TemporaryDirectory() as scratch:
        folder = arguments.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        for encoding in arguments.encoding or ENCODINGS:
            path = folder / f"orders-{encoding}.xml"
            began = time.perf_counter()
            shape = generate(path, encoding, arguments.megabytes)
            print(f"generated {path.name} in {time.perf_counter() - began:.1f} s")
            kinds = arguments.only or [
                "bare",
                "reader",
                *(["importer"] if importer_present() else []),
            ]
            results = {kind: run_child(kind, path) for kind in kinds}
            print("\n".join(report(encoding, shape, results)))


def _lxml_version() -> str:
    from lxml import etree

    return ".".join(str(part) for part in etree.LXML_VERSION[:3])


if __name__ == "__main__":
    main()
