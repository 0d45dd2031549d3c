"""Requisition → Komus order: check every line with Komus first, then place it once.

The checks use one batched call per kind (prices, properties, stock) for all lines.
Whatever fails is raised together as ``ValidationFailed``, so the requisition is held
with reasons the client's system shows to the requester, and nothing is ordered.

The idempotency key sent as ``externalId`` is the requisition's source identity,
``<tenant>:<channel>:<external id>:<revision>``: the very thing the gateway promises
to order at most once. It survives a lost database row or a replay, and an operator
can search the Komus cabinet for it. Keys longer than Komus's 64 characters become
``sha256:`` and the first 57 hex digits of the same text's digest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

import structlog

from connectors.komus.client import KomusClient
from connectors.komus.clients import KomusClients
from connectors.komus.errors import KomusRefused, KomusTokenRefused
from connectors.komus.models import (
    ArticlePrices,
    ArticleProps,
    KomusOrder,
    OrderDraft,
    OrderRow,
    OrderRowDraft,
)
from gateway.config import KomusSettings, TenantSettings
from gateway.errors import RetryableError, ValidationFailed
from gateway.pipeline import SubmittedLine, SubmittedOrder
from gateway.store.tables import Requisition, RequisitionLine

log = structlog.get_logger(__name__)

EXTERNAL_ID_LIMIT = 64
PERCENT = Decimal(100)


def idempotency_key(requisition: Requisition) -> str:
    key = ":".join(
        (
            requisition.tenant_id,
            requisition.channel,
            requisition.external_id,
            requisition.revision,
        )
    )
    if len(key) <= EXTERNAL_ID_LIMIT:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()[:57]


class KomusSubmitter:
    """The pipeline's ``OrderSubmitter`` for Komus."""

    def __init__(self, clients: KomusClients, settings: KomusSettings):
        self.clients = clients
        self.settings = settings

    def submit(
        self,
        tenant: TenantSettings,
        requisition: Requisition,
        lines: list[RequisitionLine],
    ) -> SubmittedOrder:
        client = self.clients.for_tenant(tenant)
        key = idempotency_key(requisition)
        bound = log.bind(
            tenant=tenant.id, requisition_id=requisition.id, external_id=key
        )
        try:
            # An order Komus already holds for the key (a crash or timeout after it
            # took the order) is bound as it is: checks are for new orders only.
            order = client.find_order(key)
            prices: dict[int, ArticlePrices] = {}
            if order is None:
                prices = self._check(client, tenant, lines)
                draft = self._draft(tenant, requisition, lines, key)
                order = client.create_order(draft, looked_up=True)
        except KomusTokenRefused as refused:
            # A token problem is the operator's, not the requisition's: it waits.
            raise RetryableError(str(refused)) from refused
        except KomusRefused as refused:
            if refused.status_code == 400:
                raise ValidationFailed(
                    [f"Komus refused the order: {refused.response_excerpt}"]
                ) from refused
            raise
        bound.info(
            "komus_order_placed",
            komus_order_id=order.id,
            number=order.number,
            status=order.status.code,
        )
        return _submitted(order, lines, prices)

    # -- checks ------------------------------------------------------------------------

    def _check(
        self,
        client: KomusClient,
        tenant: TenantSettings,
        lines: Sequence[RequisitionLine],
    ) -> dict[int, ArticlePrices]:
        """Every reason Komus would not deliver the lines as asked; raises them all."""
        region = tenant.komus.region or ""
        articles = [_article(line) for line in lines]
        answer = client.prices(articles, region or None)
        prices = {item.artnumber: item for item in answer.content}
        reasons: list[str] = []
        sold = []
        for line in lines:
            article = _article(line)
            price = prices.get(article)
            if price is None or (region and price.in_region(region) is None):
                where = f"region {region}" if region else "this tenant's regions"
                reasons.append(
                    f"line {line.line_no}: article {article} is not sold in {where}"
                )
            else:
                sold.append(line)
        if sold:
            props = client.props([_article(line) for line in sold], fields="baseprops")
            by_article = {item.artnumber: item for item in props.content}
            for line in sold:
                reasons += _lot_problems(line, by_article.get(_article(line)))
                reasons += self._price_problems(line, prices[_article(line)], region)
            reasons += self._stock_problems(client, sold, region)
        if reasons:
            raise ValidationFailed(reasons)
        return prices

    def _price_problems(
        self, line: RequisitionLine, prices: ArticlePrices, region: str
    ) -> list[str]:
        if line.expected_price is None:
            return []
        offer = prices.in_region(region) if region else next(iter(prices.prices), None)
        if offer is None:
            return []
        expected = line.expected_price
        if not self.settings.expected_prices_include_vat:
            expected = _money(expected * (1 + Decimal(prices.nds) / PERCENT))
        tolerance = Decimal(str(self.settings.price_tolerance_percent))
        ceiling = expected * (1 + tolerance / PERCENT)
        if offer.partner_price <= ceiling:
            return []
        over = (offer.partner_price / expected - 1) * PERCENT if expected else None
        by = f" ({over:.1f} % more)" if over is not None else ""
        return [
            f"line {line.line_no}: article {prices.artnumber} costs "
            f"{offer.partner_price:.2f} at Komus, above the expected {expected:.2f} "
            f"by more than {_figure(tolerance)} %{by}"
        ]

    def _stock_problems(
        self, client: KomusClient, lines: Sequence[RequisitionLine], region: str
    ) -> list[str]:
        if not region:
            return []
        answer = client.stock([_article(line) for line in lines], region)
        stock = {item.artnumber: item.in_region(region) for item in answer.content}
        reasons = []
        for line in lines:
            article = _article(line)
            free = stock.get(article, Decimal(0))
            if free >= line.quantity:
                continue
            if self.settings.hold_on_short_stock:
                reasons.append(
                    f"line {line.line_no}: only {_figure(free)} of article {article} "
                    f"in stock in region {region}, {_figure(line.quantity)} asked"
                )
            else:
                log.info(
                    "komus_short_stock",
                    line=line.line_no,
                    article=article,
                    free=str(free),
                    asked=str(line.quantity),
                    next_step="ordered anyway; Komus confirms what it has",
                )
        return reasons

    # -- the order ---------------------------------------------------------------------

    def _draft(
        self,
        tenant: TenantSettings,
        requisition: Requisition,
        lines: Sequence[RequisitionLine],
        key: str,
    ) -> OrderDraft:
        address = next(
            (
                a
                for a in tenant.delivery_addresses
                if a.code == requisition.delivery_address_code
            ),
            None,
        )
        consignee = address.komus_address_id if address else None
        comment = " ".join(
            part
            for part in (
                f"Заявка {requisition.number or requisition.external_id}",
                requisition.comment or "",
            )
            if part
        )
        return OrderDraft(
            external_id=key,
            consignee_id=int(consignee) if consignee and consignee.isdigit() else None,
            comment=comment[:1000],
            rows=[
                OrderRowDraft(
                    artnumber=_article(line),
                    quantity=line.quantity,
                    price=line.expected_price,
                    line_ref=str(line.line_no),
                )
                for line in lines
            ],
        )


def _lot_problems(line: RequisitionLine, props: ArticleProps | None) -> list[str]:
    base = props.baseprops if props else None
    if base is None:
        return []
    where, article = f"line {line.line_no}", _article(line)
    reasons = []
    if base.okei and line.unit_code != base.okei:
        reasons.append(
            f"{where}: article {article} is sold in unit {base.okei} "
            f"({base.unit or 'ОКЕИ'}), the requisition asks in unit {line.unit_code}"
        )
    least, step, asked = base.min_quantity, base.multiplicity, line.quantity
    if least and asked < least:
        reasons.append(
            f"{where}: article {article} is sold from {_figure(least)} at a time; "
            f"{_figure(asked)} asked"
        )
    elif step and asked % step != 0:
        lower = (asked // step) * step
        nearest = [q for q in (lower, lower + step) if q >= (least or step)]
        reasons.append(
            f"{where}: article {article} is sold in multiples of {_figure(step)}; "
            f"{_figure(asked)} is not one (nearest: "
            f"{' or '.join(_figure(q) for q in nearest)})"
        )
    return reasons


def _submitted(
    order: KomusOrder,
    lines: Sequence[RequisitionLine],
    prices: dict[int, ArticlePrices],
) -> SubmittedOrder:
    rows = [row for row in order.rows if row.analogue_for is None]
    submitted = []
    for line in lines:
        row = _row_for(line, rows)
        article = _article(line)
        if row is not None:
            price, nds, name = row.price, row.nds, row.name or None
        elif article in prices and prices[article].prices:
            offer = prices[article].prices[0]
            price, nds, name = offer.partner_price, prices[article].nds, None
        else:
            raise RetryableError(
                f"Komus order {order.id} has no row for line {line.line_no} "
                f"(article {article}); an operator should compare it with the "
                "requisition"
            )
        submitted.append(
            SubmittedLine(
                line_no=line.line_no,
                article=str(article),
                quantity=line.quantity,
                price=price,
                vat_rate=str(nds),
                unit_code=line.unit_code,
                name=name or line.client_item_name,
            )
        )
    return SubmittedOrder(
        komus_order_id=str(order.id),
        number=order.number or None,
        lines=submitted,
        komus_status_code=order.status.code,
        price_includes_vat=True,
    )


def _row_for(line: RequisitionLine, rows: list[OrderRow]) -> OrderRow | None:
    """The Komus row of a line: by the ``lineRef`` sent, else by the article."""
    reference = str(line.line_no)
    for row in rows:
        if row.line_ref == reference:
            return row
    article = _article(line)
    return next((row for row in rows if row.artnumber == article), None)


def _article(line: RequisitionLine) -> int:
    assert line.article is not None, "validation guarantees a Komus article"
    return int(line.article)


def _figure(amount: Decimal) -> str:
    """A quantity or percentage as a person writes it: 3, 2.5, not 3.000."""
    return format(amount.normalize(), "f")


def _money(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
