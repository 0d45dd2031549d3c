"""A client's nomenclature upload matched against the sandbox over loopback HTTP."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from connectors.onec.catalog_match import (
    CatalogUploadRefused,
    match_catalog_upload,
)
from gateway.hub import Hub
from gateway.store.tables import ItemSuggestion, Message

from .builders import (
    BILLION_LAUGHS,
    EXTERNAL_ENTITY,
    ClientGood,
    client_goods,
    import_xml,
    offers_xml,
)
from .conftest import UT11_COUNTERPARTIES, KomusSandbox


@pytest.fixture
def goods(komus_sandbox: KomusSandbox) -> list[ClientGood]:
    return client_goods(komus_sandbox.catalog)


def upload(goods: list[ClientGood]) -> dict[str, bytes]:
    return {"import.xml": import_xml(goods), "offers.xml": offers_xml(goods)}


def suggestions(hub: Hub, tenant: str = "acme") -> dict[str, ItemSuggestion]:
    with hub.db.session() as session:
        rows = session.execute(
            select(ItemSuggestion).where(ItemSuggestion.tenant_id == tenant)
        ).scalars()
        return {row.client_item_id: row for row in rows}


def messages(hub: Hub) -> list[Message]:
    with hub.db.session() as session:
        return list(session.execute(select(Message).order_by(Message.id)).scalars())


def test_upload_counts_items_by_method(gateway: Hub, goods: list[ClientGood]):
    result = match_catalog_upload(gateway, "acme", upload(goods))

    assert result.files == {"import.xml": "catalog", "offers.xml": "offers"}
    assert (result.items, result.skipped) == (22, 2)
    assert (result.by_barcode, result.by_article, result.by_name) == (6, 6, 6)
    assert result.unmatched == 4
    assert result.already_mapped == 0
    assert len(result.suggestion_ids) == 18


def test_every_suggestion_names_the_article_the_item_is(
    gateway: Hub, goods: list[ClientGood]
):
    match_catalog_upload(gateway, "acme", upload(goods))

    stored = suggestions(gateway)
    for good in goods:
        if good.deleted or good.service:
            assert good.id not in stored
            continue
        row = stored[good.id]
        expected = str(good.komus) if good.komus else None
        assert (row.article, row.method) == (expected, good.method), good.name
        assert row.state == ("suggested" if good.komus else "unmatched")


def test_confidence_follows_the_method(gateway: Hub, goods: list[ClientGood]):
    match_catalog_upload(gateway, "acme", upload(goods))

    stored = suggestions(gateway).values()
    by_method: dict[str | None, list[float]] = {}
    for row in stored:
        by_method.setdefault(row.method, []).append(row.confidence)
    assert set(by_method["barcode"]) == {0.99}
    assert set(by_method["article"]) == {0.9}
    assert all(0.7 <= c <= 1.0 for c in by_method["name"])
    assert set(by_method[None]) == {0.0}


def test_the_client_article_from_offers_completes_the_good(
    gateway: Hub, goods: list[ClientGood]
):
    only_in_offers = next(g for g in goods if g.article_in_offers)

    match_catalog_upload(gateway, "acme", upload(goods))

    row = suggestions(gateway)[only_in_offers.id]
    assert row.method == "article"
    assert row.client_article == only_in_offers.article


def test_each_file_is_kept_in_the_message_log(gateway: Hub, goods: list[ClientGood]):
    files = upload(goods)

    result = match_catalog_upload(gateway, "acme", files)

    kept = {m.filename: m for m in messages(gateway)}
    assert set(kept) == {"import.xml", "offers.xml"}
    for name, message in kept.items():
        assert (message.channel, message.kind, message.direction) == (
            "onec",
            "catalog",
            "in",
        )
        assert message.payload == files[name]
        assert message.state == "processed"
        assert message.id == result.message_ids[name]
    assert result.message_id == kept["import.xml"].id


def test_a_new_upload_supersedes_open_suggestions_for_the_same_items(
    gateway: Hub, goods: list[ClientGood]
):
    first = match_catalog_upload(gateway, "acme", upload(goods))

    second = match_catalog_upload(gateway, "acme", upload(goods))

    with gateway.db.session() as session:
        states = {
            row.id: row.state
            for row in session.execute(select(ItemSuggestion)).scalars()
        }
    assert {states[i] for i in first.suggestion_ids} == {"superseded"}
    assert {states[i] for i in second.suggestion_ids} == {"suggested"}


def test_counterparties_file_is_kept_and_matches_nothing(gateway: Hub):
    result = match_catalog_upload(
        gateway, "acme", {"contragents.xml": UT11_COUNTERPARTIES.read_bytes()}
    )

    assert result.files == {"contragents.xml": "counterparties"}
    assert result.items == 0 and result.suggestion_ids == []
    assert [m.state for m in messages(gateway)] == ["processed"]


def test_matching_works_without_the_komus_connector(
    bare_gateway: Hub, goods: list[ClientGood]
):
    result = match_catalog_upload(bare_gateway, "acme", upload(goods))

    assert result.matched == 18


@pytest.mark.parametrize("hostile", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_a_malicious_upload_is_refused_with_its_reason_and_kept(
    gateway: Hub, goods: list[ClientGood], hostile: bytes
):
    files = {"import.xml": import_xml(goods), "offers.xml": hostile}

    with pytest.raises(CatalogUploadRefused) as refused:
        match_catalog_upload(gateway, "acme", files)

    assert str(refused.value) == (
        "offers.xml: a DOCTYPE is not allowed in a CommerceML file"
    )
    kept = {m.filename: m for m in messages(gateway)}
    assert kept["offers.xml"].state == "failed"
    assert kept["offers.xml"].payload == hostile
    assert kept["offers.xml"].error == "a DOCTYPE is not allowed in a CommerceML file"
    assert kept["import.xml"].state == "failed"
    assert "offers.xml of the same upload was refused" in kept["import.xml"].error
    assert refused.value.message_ids == {n: m.id for n, m in kept.items()}
    assert suggestions(gateway) == {}


def test_the_result_tells_1c_what_happened(gateway: Hub, goods: list[ClientGood]):
    result = match_catalog_upload(gateway, "acme", upload(goods))

    assert result.lines() == [
        "import.xml: catalog; offers.xml: offers",
        "22 item(s): 6 by barcode, 6 by article, 6 by name, 4 unmatched; "
        "0 already mapped, 2 skipped",
        f"18 suggestion(s) wait for an integrator (message {result.message_id})",
    ]
