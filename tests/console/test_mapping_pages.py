"""The mappings page: files, check, preview, item table edits and suggestions."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from gateway.store.tables import AuditEntry, ItemSuggestion
from tests.console.harness import csrf_of
from tests.console.mapping_setup import install_mappings
from tests.console.payloads import store_message
from tests.mapping.conftest import UT11_ORDERS

BROKEN = "inbound:\n  header:\n    numbr: {path: doc.number}\n"
PAGE = "/console/mappings"
TABLE = "/console/mappings/tables/acme_items"


@pytest.fixture
def mappings(gateway):
    return install_mappings(gateway)


def _suggestion(gateway, tenant: str = "acme", article: str | None = "304391") -> int:
    message_id = store_message(gateway, b"<catalog/>", "application/xml", tenant=tenant)
    with gateway.db.session() as session:
        row = ItemSuggestion(
            tenant_id=tenant,
            message_id=message_id,
            client_item_id="PEN-BLUE",
            client_name="Ручка синяя",
            article=article,
            komus_name="Ручка шариковая синяя" if article else None,
            method="name" if article else None,
            confidence=0.93 if article else 0.0,
            state="suggested" if article else "unmatched",
        )
        session.add(row)
        session.flush()
        return row.id


def test_the_page_lists_files_tables_and_every_problem_as_file_line_col(
    gateway, browser, mappings
):
    (mappings / "acme" / "onec.yaml").write_text(BROKEN, encoding="utf-8")
    integrator = browser("irina", "integrator")

    page = integrator.get(PAGE)

    assert page.status_code == 200
    assert "acme/api.yaml" in page.text and "demo/onec.yaml" in page.text
    assert "mappings/acme/onec.yaml:3:5:" in page.text
    assert 'href="/console/mappings/tables/acme_items"' in page.text


def test_preview_shows_each_output_field_with_its_source_line(
    gateway, browser, mappings
):
    document = {
        "external_id": "P-1",
        "number": "77",
        "lines": [{"client_item_code": "PAPER-A4", "quantity": "5"}],
    }
    integrator = browser("ivan", "integrator")

    page = integrator.submit(
        PAGE,
        f"{PAGE}/preview",
        mapping="acme/api.yaml",
        text=json.dumps(document),
    )

    assert page.status_code == 200
    row = page.text.split("<td>lines[1].article</td>", 1)[1].split("</tr>", 1)[0]
    assert "192678" in row
    assert "mappings/acme/api.yaml:11" in row


def test_an_uploaded_1c_file_is_previewed_through_the_demo_mapping(
    gateway, browser, mappings
):
    integrator = browser("iosif", "integrator")
    token = csrf_of(integrator.get(PAGE).text)

    page = integrator.client.post(
        f"{PAGE}/preview",
        data={"csrf": token, "mapping": "demo/onec.yaml"},
        files={"file": (UT11_ORDERS.name, UT11_ORDERS.read_bytes(), "text/xml")},
    )

    assert page.status_code == 200
    assert "чтение commerceml" in page.text
    assert "<td>lines[1].unit_code</td>" in page.text
    assert "mappings/demo/onec.yaml:" in page.text
    assert 'class="problem"' not in page.text.split('id="preview-result"', 1)[1]


def test_preview_of_another_tenants_mapping_is_refused(gateway, browser, mappings):
    outsider = browser("gala", "integrator", "globex")

    page = outsider.submit(
        PAGE, f"{PAGE}/preview", mapping="acme/api.yaml", text='{"external_id": "1"}'
    )

    assert page.status_code == 404
    assert "does not exist" in page.text


def test_a_row_added_to_an_item_table_serves_at_once_and_is_audited(
    gateway, browser, mappings
):
    integrator = browser("inga", "integrator")

    answer = integrator.submit(
        TABLE,
        f"{TABLE}/rows",
        **{"cell:client_item_code": "PEN-BLUE", "cell:article": "304391"},
    )

    assert answer.status_code == 303
    assert answer.headers["location"].endswith("note=added")
    table = gateway.mapping_registry.tables.get("acme_items")
    assert table.find("PEN-BLUE")["article"] == "304391"
    assert "PEN-BLUE,304391," in (mappings / "tables" / "acme_items.csv").read_text()
    with gateway.db.session() as session:
        entry = session.execute(
            select(AuditEntry).where(AuditEntry.action == "mapping.table.row.add")
        ).scalar_one()
    assert entry.actor == "console:inga" and entry.tenant_id == "acme"


def test_a_row_is_changed_and_removed_by_its_key(gateway, browser, mappings):
    integrator = browser("ilya", "integrator")

    changed = integrator.submit(
        TABLE,
        f"{TABLE}/rows",
        original="PAPER-A4",
        **{"cell:client_item_code": "PAPER-A4", "cell:article": "100200"},
    )
    after_change = gateway.mapping_registry.tables.get("acme_items").find("PAPER-A4")
    removed = integrator.submit(TABLE, f"{TABLE}/remove", key="PAPER-A4")

    assert changed.headers["location"].endswith("note=changed")
    assert after_change["article"] == "100200"
    assert removed.headers["location"].endswith("note=removed")
    assert gateway.mapping_registry.tables.get("acme_items").find("PAPER-A4") is None


def test_a_bad_row_is_refused_with_reasons_and_the_file_is_left_alone(
    gateway, browser, mappings
):
    before = (mappings / "tables" / "acme_items.csv").read_bytes()
    integrator = browser("ida", "integrator")

    answer = integrator.submit(
        TABLE,
        f"{TABLE}/rows",
        **{"cell:client_item_code": "", "cell:article": "A-17"},
    )

    assert answer.status_code == 422
    assert "ключ не заполнен" in answer.text
    assert "только цифры" in answer.text
    assert (mappings / "tables" / "acme_items.csv").read_bytes() == before


def test_confirming_a_suggestion_writes_it_into_the_item_table(
    gateway, browser, mappings
):
    suggestion_id = _suggestion(gateway)
    integrator = browser("igor", "integrator", "acme")

    listed = integrator.get(PAGE)
    answer = integrator.submit(PAGE, f"{PAGE}/suggestions/{suggestion_id}/confirm")

    assert "Ручка шариковая синяя" in listed.text
    assert answer.status_code == 303
    table = gateway.mapping_registry.tables.get("acme_items")
    assert table.find("PEN-BLUE")["article"] == "304391"
    with gateway.db.session() as session:
        assert session.get(ItemSuggestion, suggestion_id).state == "confirmed"


def test_rejecting_a_suggestion_leaves_the_table_and_is_audited(
    gateway, browser, mappings
):
    suggestion_id = _suggestion(gateway)
    integrator = browser("inessa", "integrator")

    answer = integrator.submit(PAGE, f"{PAGE}/suggestions/{suggestion_id}/reject")

    assert answer.status_code == 303
    assert gateway.mapping_registry.tables.get("acme_items").find("PEN-BLUE") is None
    with gateway.db.session() as session:
        assert session.get(ItemSuggestion, suggestion_id).state == "rejected"
        actions = session.execute(select(AuditEntry.action)).scalars().all()
    assert "item_suggestions.reject" in actions
    assert "PEN-BLUE" not in integrator.get(PAGE).text


def test_a_manager_may_neither_see_nor_edit_mappings(gateway, browser, mappings):
    manager = browser("mira", "manager", "acme")
    integrator = browser("inna", "integrator", "acme")
    token = integrator.get(TABLE).text

    seen = manager.get(PAGE).status_code
    edit = manager.client.post(
        f"{TABLE}/rows",
        data={"csrf": "x", "cell:client_item_code": "Z", "cell:article": "1"},
    ).status_code

    assert seen == 403
    assert edit == 403
    assert "PAPER-A4" in token


def test_another_tenants_table_and_suggestion_look_missing(gateway, browser, mappings):
    suggestion_id = _suggestion(gateway)
    outsider = browser("gleb", "integrator", "globex")

    table = outsider.get(TABLE).status_code
    decided = outsider.submit(PAGE, f"{PAGE}/suggestions/{suggestion_id}/confirm")
    overview = outsider.get(PAGE).text

    assert table == 404
    assert decided.status_code == 404
    assert "acme_items" not in overview and "Ручка синяя" not in overview


def test_every_mapping_form_refuses_a_post_without_the_csrf_token(
    gateway, browser, mappings
):
    suggestion_id = _suggestion(gateway)
    admin = browser("root", "admin")
    forms = [
        f"{PAGE}/preview",
        f"{TABLE}/rows",
        f"{TABLE}/remove",
        f"{PAGE}/suggestions/{suggestion_id}/confirm",
        f"{PAGE}/suggestions/{suggestion_id}/reject",
    ]

    answers = {path: admin.client.post(path, data={}).status_code for path in forms}

    assert answers == dict.fromkeys(forms, 403)
    with gateway.db.session() as session:
        assert session.get(ItemSuggestion, suggestion_id).state == "suggested"
