"""Tenant edits over config.yaml: the merge rules, and another node seeing them."""

from __future__ import annotations

from gateway.clock import ManualClock
from gateway.config import load_settings
from gateway.hub import Hub
from gateway.store.tenant_overlay import TenantAddress, TenantRequisites
from gateway.tenant_overlay import (
    Edits,
    overlaid,
    overlay_of,
    save_address,
    set_address_disabled,
)


def _row(code: str, *, default: bool = False, disabled: bool = False) -> TenantAddress:
    return TenantAddress(
        tenant_id="acme",
        code=code,
        address=f"адрес {code}",
        is_default=default,
        disabled=disabled,
        updated_by="test",
    )


def test_no_edits_leave_the_config_tenant_as_it_is(gateway):
    seed = gateway.settings.tenants[0]

    assert overlaid(seed, Edits(None, ())) is seed


def test_a_stored_default_takes_over_and_a_disabled_code_disappears(gateway):
    seed = gateway.settings.tenants[0]
    edits = Edits(None, (_row("MAIN", disabled=True), _row("WH-2", default=True)))

    tenant = overlaid(seed, edits)

    assert [(a.code, a.default) for a in tenant.delivery_addresses] == [("WH-2", True)]
    assert [a.code for a in seed.delivery_addresses] == ["MAIN"]


def test_a_new_default_address_clears_the_config_default(gateway):
    seed = gateway.settings.tenants[0]

    tenant = overlaid(seed, Edits(None, (_row("WH-2", default=True),)))

    assert [(a.code, a.default) for a in tenant.delivery_addresses] == [
        ("MAIN", False),
        ("WH-2", True),
    ]


def test_stored_requisites_replace_the_config_ones(gateway):
    seed = gateway.settings.tenants[0]
    requisites = TenantRequisites(
        tenant_id="acme", legal_name="ИП Акмеев", inn="500100732259", updated_by="t"
    )

    tenant = overlaid(seed, Edits(requisites, ()))

    assert (tenant.legal_name, tenant.inn, tenant.kpp) == (
        "ИП Акмеев",
        "500100732259",
        None,
    )


def test_another_node_sees_an_edit_on_its_next_look(gateway):
    other = Hub(load_settings(gateway.settings.source), clock=ManualClock())
    other.prepare()
    overlay_of(other.settings).recheck_seconds = 0
    try:
        before = [a.code for a in other.settings.tenant("acme").delivery_addresses]
        save_address(
            gateway.db,
            gateway.clock,
            gateway.settings,
            "acme",
            code="WH-9",
            address="Тверь, ул. Складская, 9",
            komus_address_id=None,
            default=False,
            actor="test",
        )
        set_address_disabled(
            gateway.db, gateway.clock, gateway.settings, "acme", "MAIN", True, actor="t"
        )
        after = [a.code for a in other.settings.tenant("acme").delivery_addresses]
    finally:
        other.stop()

    assert before == ["MAIN"]
    assert after == ["WH-9"]
