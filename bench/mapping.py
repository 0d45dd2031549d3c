"""Mapping throughput: requisition lines mapped per second, and item-table load time.

Builds a scratch mappings directory (the shipped tables, the demo 1C mapping and a
generated 50 000-row item table), generates documents shaped like the CommerceML
reader's records, and maps them with the same code the pipeline runs. A second
figure reads a generated CommerceML file with the real reader.

    .venv/bin/python bench/mapping.py                 # 200 000 lines
    .venv/bin/python bench/mapping.py --lines 50000 --rounds 5

Tests never assert on these figures; record them in bench/README.md.
"""

from __future__ import annotations

import argparse
import csv
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from connectors.onec.reader import Limits, read_orders
from gateway.config import DeliveryAddress, TenantSettings
from gateway.mapping.loader import compile_file
from gateway.mapping.tables import TableStore, load_table
from gateway.records import SourceRecord

ROOT = Path(__file__).resolve().parents[1]
ITEMS = 50_000
LINES_PER_DOCUMENT = 100


def item_code(number: int) -> str:
    return f"{number % ITEMS:08d}-55bc-11d9-848a-00112f43529a"


def write_items(path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["client_item_code", "article", "name"])
        for number in range(ITEMS):
            writer.writerow(
                [item_code(number), str(1_000_000 + number), f"товар {number}"]
            )


def scratch_directory(base: Path) -> Path:
    root = base / "mappings"
    shutil.copytree(ROOT / "mappings" / "tables", root / "tables")
    write_items(root / "tables" / "bench_items.csv")
    text = (ROOT / "mappings" / "demo" / "onec.yaml").read_text(encoding="utf-8")
    (root / "demo").mkdir()
    (root / "demo" / "onec.yaml").write_text(
        text.replace("table: demo_items", "table: bench_items"), encoding="utf-8"
    )
    return root


def documents(lines: int) -> list[SourceRecord]:
    records = []
    for start in range(0, lines, LINES_PER_DOCUMENT):
        count = min(LINES_PER_DOCUMENT, lines - start)
        body = [
            {
                "id": item_code(start + offset),
                "name": f"Бумага офисная А4, пачка {offset}",
                "unit": {"code": "796" if offset % 3 else "778", "name": "шт"},
                "quantity": f"{1 + offset % 7}",
                "price": f"{100 + offset},50",
                "vat_rate": "22",
                "requisites": {"ТипНоменклатуры": "Товар"},
            }
            for offset in range(count)
        ]
        number = start // LINES_PER_DOCUMENT
        fields = {
            "id": f"Z-{number}",
            "number": f"{number}",
            "number_1c": f"ТДЦУ-{number:06d}",
            "date": "2026-02-10",
            "date_1c": "2026-02-10",
            "currency": "руб",
            "deletion_mark": "false",
            "comment": None,
            "warehouse": {"id": "6f87e83f-722c-11df-b336-0011955cba6b"},
            "counterparty": {"id": "4a65ecb6-8b1b-11df-be16-e0cb4ed5f70f"},
            "requisites": {"Отменен": "false"},
        }
        records.append(
            SourceRecord("demo", "onec", f"Z-{number}", b"", fields=fields, lines=body)
        )
    return records


def commerceml(lines: int) -> bytes:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>']
    parts.append(
        '<КоммерческаяИнформация xmlns="urn:1C.ru:commerceml_2" ВерсияСхемы="2.09">'
    )
    for start in range(0, lines, LINES_PER_DOCUMENT):
        number = start // LINES_PER_DOCUMENT
        parts.append(
            f"<Документ><Ид>{number}</Ид><Номер>{number}</Номер>"
            "<Дата>2026-02-10</Дата><ХозОперация>Заказ товара</ХозОперация><Товары>"
        )
        for offset in range(min(LINES_PER_DOCUMENT, lines - start)):
            parts.append(
                f"<Товар><Ид>{item_code(start + offset)}</Ид>"
                "<Наименование>Бумага офисная А4</Наименование>"
                '<БазоваяЕдиница Код="796 " МеждународноеСокращение="PCE">шт'
                "</БазоваяЕдиница><ЦенаЗаЕдиницу>245.50</ЦенаЗаЕдиницу>"
                "<Количество>3</Количество><Сумма>736.50</Сумма></Товар>"
            )
        parts.append("</Товары></Документ>")
    parts.append("</КоммерческаяИнформация>")
    return "".join(parts).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()

    tenant = TenantSettings(
        id="demo",
        legal_name='ООО "Ромашка"',
        inn="7707083893",
        kpp="773601001",
        delivery_addresses=[
            DeliveryAddress(code="MAIN", address="Москва", default=True)
        ],
    )
    with tempfile.TemporaryDirectory() as scratch:
        root = scratch_directory(Path(scratch))
        items = root / "tables" / "bench_items.csv"

        loads = []
        for _ in range(5):
            began = time.perf_counter()
            table, problems = load_table(items, "bench_items.csv")
            loads.append(time.perf_counter() - began)
            assert table is not None and not problems and len(table) == ITEMS

        tables = TableStore(root)
        tables.refresh()
        mapping, problems = compile_file(root / "demo" / "onec.yaml", root, tables)
        assert mapping is not None and mapping.inbound is not None, problems
        inbound = mapping.inbound
        records = documents(arguments.lines)

        rates = []
        for _ in range(arguments.rounds):
            began = time.perf_counter()
            mapped = sum(len(inbound.to_requisition(tenant, r).lines) for r in records)
            rates.append(mapped / (time.perf_counter() - began))
            assert mapped == arguments.lines

    payload = commerceml(arguments.lines)
    began = time.perf_counter()
    read = sum(
        len(r.lines)
        for r in read_orders(payload, limits=Limits(max_bytes=len(payload)))
    )
    reader_rate = read / (time.perf_counter() - began)

    print(
        f"machine: {platform.processor() or platform.machine()}, Python "
        f"{platform.python_version()}"
    )
    print(
        f"item table: {ITEMS} rows, load median {statistics.median(loads):.3f} s "
        f"(min {min(loads):.3f}, max {max(loads):.3f})"
    )
    print(
        f"mapping: {arguments.lines} lines in {len(records)} documents × "
        f"{arguments.rounds} rounds: median {statistics.median(rates):,.0f} lines/s "
        f"(min {min(rates):,.0f}, max {max(rates):,.0f})"
    )
    print(
        f"reader: {read} lines, {len(payload) / 1e6:.1f} MB of CommerceML: "
        f"{reader_rate:,.0f} lines/s"
    )


if __name__ == "__main__":
    main()
