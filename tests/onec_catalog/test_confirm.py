"""Confirmed suggestions become rows of the tenant's item table, which mappings use."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import select

from connectors.onec.catalog_match import (
    CatalogMatchResult,
    confirm_suggestions,
    match_catalog_upload,
)
from connectors.onec.reader import read_orders
from gateway.errors import NotFound, ValidationFailed
from gateway.hub import Hub
from gateway.store.tables import AuditEntry, ItemSuggestion, RequisitionLine

from .builders import ClientGood, client_goods, import_xml, offers_xml
from .conftest import REPO, KomusSandbox


@pytest.fixture
def goods(komus_sandbox: KomusSandbox) -> list[ClientGood]:
    return client_goods(komus_sandbox.catalog)


@pytest.fixture
def matched(gateway: Hub, goods: list[ClientGood]) -> CatalogMatchResult:
    files = {"import.xml": import_xml(goods), "offers.xml": offers_xml(goods)}
    return match_catalog_upload(gateway, "acme", files)


@pytest.fixture
def acme_mapping(mappings: Path) -> Path:
    """The demo 1C mapping, looking items up in acme's own (still empty) table."""
    (mappings / "tables" / "acme_items.csv").write_text(
        "client_item_code,article,name\n", encoding="utf-8"
    )
    text = (REPO / "mappings" / "demo" / "onec.yaml").read_text(encoding="utf-8")
    path = mappings / "acme" / "onec.yaml"
    path.parent.mkdir()
    path.write_text(text.replace("demo_items", "acme_items"), encoding="utf-8")
    return path


def table_rows(mappings: Path) -> list[dict[str, str]]:
    with (mappings / "tables" / "acme_items.csv").open(encoding="utf-8") as table:
        return list(csv.DictReader(table))


def order(external_id: str, item_id: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<КоммерческаяИнформация xmlns="urn:1C.ru:commerceml_2" ВерсияСхемы="2.08"
    ДатаФормирования="2026-02-10T09:00:00">
  <Документ><Ид>{external_id}</Ид><Номер>77</Номер><Дата>2026-02-10</Дата>
    <ХозОперация>Заказ товара</ХозОперация><Роль>Продавец</Роль>
    <Валюта>RUB</Валюта><Курс>1</Курс><Сумма>300</Сумма>
    <Товары><Товар><Ид>{item_id}</Ид><Наименование>Позиция</Наименование>
      <БазоваяЕдиница Код="796">шт</БазоваяЕдиница><ЦенаЗаЕдиницу>100</ЦенаЗаЕдиницу>
      <Количество>3</Количество><Сумма>300</Сумма></Товар></Товары>
  </Документ>
</КоммерческаяИнформация>""".encode()


def ordered_article(hub: Hub, external_id: str, item_id: str) -> str | None:
    """The Komus article the tenant's 1C mapping gives an ordered item."""
    payload = order(external_id, item_id)
    record = read_orders(payload, tenant_id="acme", channel="onec")[0]
    intake = hub.pipeline.receive(record)
    with hub.db.session() as session:
        line = session.execute(
            select(RequisitionLine).where(
                RequisitionLine.requisition_id == intake.requisition_id
            )
        ).scalar_one()
        return line.article


def test_confirm_writes_the_tenant_item_table(
    gateway: Hub, matched: CatalogMatchResult, goods: list[ClientGood], mappings: Path
):
    chosen = matched.suggestion_ids[:4]

    result = confirm_suggestions(gateway, "acme", chosen)

    assert (result.added, result.updated) == (4, 0)
    assert result.table == "mappings/tables/acme_items.csv"
    rows = table_rows(mappings)
    assert list(rows[0]) == ["client_item_code", "article", "name"]
    expected = {g.id: str(g.komus) for g in goods if g.komus}
    assert len(rows) == 4
    for row in rows:
        assert row["article"] == expected[row["client_item_code"]]


def test_a_mapping_look_up_resolves_once_confirmed(
    gateway: Hub,
    matched: CatalogMatchResult,
    goods: list[ClientGood],
    acme_mapping: Path,
):
    good = next(g for g in goods if g.method == "name")
    with gateway.db.session() as session:
        suggestion = session.execute(
            select(ItemSuggestion).where(ItemSuggestion.client_item_id == good.id)
        ).scalar_one()
    before = ordered_article(gateway, "ЗК-1", good.id)

    confirm_suggestions(gateway, "acme", [suggestion.id])

    assert before is None
    assert ordered_article(gateway, "ЗК-2", good.id) == str(good.komus)


def test_confirming_again_changes_nothing(
    gateway: Hub, matched: CatalogMatchResult, mappings: Path
):
    confirm_suggestions(gateway, "acme", matched.suggestion_ids)
    written = (mappings / "tables" / "acme_items.csv").read_bytes()

    again = confirm_suggestions(gateway, "acme", matched.suggestion_ids)

    assert (again.added, again.updated) == (0, 0)
    assert (mappings / "tables" / "acme_items.csv").read_bytes() == written


def test_rows_already_in_the_table_are_updated_in_place_and_others_kept(
    gateway: Hub, matched: CatalogMatchResult, goods: list[ClientGood], mappings: Path
):
    first = goods[0]
    (mappings / "tables" / "acme_items.csv").write_text(
        "client_item_code;article;name\n"
        "KEEP-1;111111;Ручка клиента\n"
        f"{first.id};999999;Старое соответствие\n",
        encoding="utf-8",
    )

    result = confirm_suggestions(gateway, "acme", matched.suggestion_ids[:2])

    assert (result.added, result.updated) == (1, 1)
    text = (mappings / "tables" / "acme_items.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "client_item_code;article;name"
    assert lines[1] == "KEEP-1;111111;Ручка клиента"
    assert lines[2] == f"{first.id};{first.komus};Старое соответствие"
    assert lines[3].startswith(f"{goods[1].id};{goods[1].komus};")


def test_a_reupload_counts_confirmed_items_as_already_mapped(
    gateway: Hub, matched: CatalogMatchResult, goods: list[ClientGood]
):
    confirm_suggestions(gateway, "acme", matched.suggestion_ids[:5])
    files = {"import.xml": import_xml(goods), "offers.xml": offers_xml(goods)}

    again = match_catalog_upload(gateway, "acme", files)

    assert again.already_mapped == 5
    assert len(again.suggestion_ids) == 13


def test_confirm_is_audited(gateway: Hub, matched: CatalogMatchResult):
    confirm_suggestions(gateway, "acme", matched.suggestion_ids[:1], actor="token:7")

    with gateway.db.session() as session:
        entry = session.execute(select(AuditEntry)).scalar_one()
    assert (entry.actor, entry.tenant_id, entry.action) == (
        "token:7",
        "acme",
        "item_suggestions.confirm",
    )
    assert entry.details["ids"] == matched.suggestion_ids[:1]


def test_an_unmatched_item_cannot_be_confirmed_and_nothing_is_written(
    gateway: Hub, matched: CatalogMatchResult, mappings: Path
):
    with gateway.db.session() as session:
        unmatched = (
            session.execute(
                select(ItemSuggestion.id).where(ItemSuggestion.state == "unmatched")
            )
            .scalars()
            .first()
        )

    with pytest.raises(ValidationFailed, match="names no Komus article"):
        confirm_suggestions(gateway, "acme", [matched.suggestion_ids[0], unmatched])

    assert not (mappings / "tables" / "acme_items.csv").exists()


def test_another_tenants_suggestions_are_not_found(
    gateway: Hub, matched: CatalogMatchResult, mappings: Path
):
    with pytest.raises(NotFound, match="tenant 'globex' has no item suggestion"):
        confirm_suggestions(gateway, "globex", matched.suggestion_ids[:1])

    assert not (mappings / "tables" / "globex_items.csv").exists()
