"""Order templates: a cart saved under a name for purchases that come back.

A template belongs to the tenant, not to the person who saved it, so that anyone
in the company can load "канцелярия на месяц" into their own cart. Saving under an
existing name replaces that template's lines.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from sqlalchemy import delete, select

from gateway.cabinet import cart
from gateway.cabinet.actor import Actor
from gateway.cabinet.catalog import CatalogService, lot_problem
from gateway.cabinet.errors import OrderingRefused
from gateway.config import TenantSettings
from gateway.console.audit import audit
from gateway.errors import NotFound
from gateway.hub import Hub
from gateway.store.ordering import CartLine, OrderTemplate, OrderTemplateLine

log = structlog.get_logger(__name__)

MAX_NAME = 128


@dataclass(frozen=True)
class Loaded:
    added: int
    skipped: list[str]
    """Why lines could not go into the cart (no longer sold, lot changed)."""


def listing(hub: Hub, tenant_id: str) -> list[tuple[OrderTemplate, int]]:
    """The tenant's templates by name, each with its number of lines."""
    with hub.db.session() as session:
        templates = list(
            session.execute(
                select(OrderTemplate)
                .where(OrderTemplate.tenant_id == tenant_id)
                .order_by(OrderTemplate.name)
            ).scalars()
        )
        counts = {
            t.id: len(template_lines(session, t.id))  # type: ignore[arg-type]
            for t in templates
        }
    return [(t, counts[t.id]) for t in templates]


def template_lines(session: object, template_id: int) -> list[OrderTemplateLine]:
    return list(
        session.execute(  # type: ignore[attr-defined]
            select(OrderTemplateLine)
            .where(OrderTemplateLine.template_id == template_id)
            .order_by(OrderTemplateLine.id)
        ).scalars()
    )


def get(hub: Hub, tenant_id: str, template_id: int) -> OrderTemplate:
    with hub.db.session() as session:
        found = session.get(OrderTemplate, template_id)
    if found is None or found.tenant_id != tenant_id:
        raise NotFound(f"template {template_id} does not exist")
    return found


def save_cart(hub: Hub, tenant_id: str, actor: Actor, name: str) -> OrderTemplate:
    name = (name or "").strip()
    if not name:
        raise OrderingRefused(["give the template a name"])
    if len(name) > MAX_NAME:
        raise OrderingRefused([f"a template name is at most {MAX_NAME} characters"])
    if "\x00" in name:
        raise OrderingRefused(["the template name contains a NUL character"])
    current = cart.lines(hub, tenant_id, actor.owner)
    if not current:
        raise OrderingRefused(["the cart is empty: there is nothing to save"])
    now = hub.clock.now()
    with hub.db.session() as session:
        template = session.execute(
            select(OrderTemplate).where(
                OrderTemplate.tenant_id == tenant_id, OrderTemplate.name == name
            )
        ).scalar_one_or_none()
        replaced = template is not None
        if template is None:
            template = OrderTemplate(
                tenant_id=tenant_id, name=name, created_by=actor.name, created_at=now
            )
        template.updated_at = now
        session.add(template)
        session.flush()
        session.execute(
            delete(OrderTemplateLine).where(
                OrderTemplateLine.template_id == template.id  # type: ignore[arg-type]
            )
        )
        for line in current:
            session.add(_copy(line, template.id))  # type: ignore[arg-type]
        audit(
            session,
            hub.clock,
            actor.name,
            "template.save",
            f"template:{template.id}",
            tenant_id=tenant_id,
            details={"name": name, "lines": len(current), "replaced": replaced},
        )
    log.info("order_template_saved", tenant=tenant_id, template_id=template.id)
    return template


def load_into_cart(
    hub: Hub,
    catalog: CatalogService,
    tenant: TenantSettings,
    actor: Actor,
    template_id: int,
) -> Loaded:
    """Add a template's lines to the actor's cart, each checked like a new line."""
    get(hub, tenant.id, template_id)  # refuses another tenant's template
    with hub.db.session() as session:
        saved = template_lines(session, template_id)
    added, skipped = 0, []
    for line in saved:
        try:
            item = catalog.item(tenant, line.article)
            if problem := lot_problem(item, line.quantity):
                raise OrderingRefused([problem])
            cart.add(hub, catalog, tenant, actor, line.article, line.quantity)
            added += 1
        except OrderingRefused as refused:
            skipped.extend(refused.reasons)
    with hub.db.session() as session:
        audit(
            session,
            hub.clock,
            actor.name,
            "template.load",
            f"template:{template_id}",
            tenant_id=tenant.id,
            details={"added": added, "skipped": skipped},
        )
    return Loaded(added, skipped)


def delete_template(hub: Hub, tenant_id: str, actor: Actor, template_id: int) -> None:
    template = get(hub, tenant_id, template_id)
    with hub.db.session() as session:
        session.execute(
            delete(OrderTemplateLine).where(
                OrderTemplateLine.template_id == template_id  # type: ignore[arg-type]
            )
        )
        session.execute(
            delete(OrderTemplate).where(OrderTemplate.id == template_id)  # type: ignore[arg-type]
        )
        audit(
            session,
            hub.clock,
            actor.name,
            "template.delete",
            f"template:{template_id}",
            tenant_id=tenant_id,
            details={"name": template.name},
        )


def _copy(line: CartLine, template_id: int) -> OrderTemplateLine:
    return OrderTemplateLine(
        template_id=template_id,
        article=line.article,
        name=line.name,
        unit_code=line.unit_code,
        quantity=line.quantity,
    )
