"""What Komus sends and takes, typed. Field names follow the API (camelCase aliases).

Unknown fields are ignored: Komus adds fields over time and a new one must not stop
the gateway. Prices arrive as JSON numbers; they are read through ``str`` into
``Decimal`` so that no kopeck goes through a float.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer


def _exact(value: Any) -> Any:
    return str(value) if isinstance(value, float) else value


Amount = Annotated[Decimal, BeforeValidator(_exact)]
"""A price or quantity, exact: a JSON number becomes a Decimal through its text."""


MOSCOW = timezone(timedelta(hours=3), "MSK")
"""Komus writes times in Moscow time without an offset."""


def _komus_time(value: Any) -> Any:
    """``YYYY-MM-DD HH:MM:SS`` Moscow time becomes an aware datetime."""
    if isinstance(value, str) and len(value) == 19:
        return datetime.fromisoformat(value.replace(" ", "T")).replace(tzinfo=MOSCOW)
    return value


def komus_time(moment: datetime) -> str:
    """An aware moment as Komus writes it, for query parameters."""
    return moment.astimezone(MOSCOW).strftime("%Y-%m-%d %H:%M:%S")


KomusTime = Annotated[datetime, BeforeValidator(_komus_time)]


def _number(value: Decimal) -> int | float:
    """A JSON number for Komus; a float of at most 3 decimals prints exactly."""
    return int(value) if value == value.to_integral_value() else float(value)


Number = Annotated[Decimal, PlainSerializer(_number, when_used="json")]


class KomusModel(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


T = TypeVar("T")


class Page(KomusModel, Generic[T]):
    """The envelope of every list: ``page`` is 1-based, ``next`` None on the last."""

    content: list[T] = Field(default_factory=list)
    count: int = 0
    page: int = 1
    prev: int | None = None
    next: int | None = None
    pages: int = 1


# -- catalog -------------------------------------------------------------------------


class Element(KomusModel):
    artnumber: int
    category_id: int | None = Field(default=None, alias="categoryId")
    name: str = ""
    image: str | None = None
    okei: str | None = None
    min_quantity: Amount | None = Field(default=None, alias="minQuantity")
    multiplicity: Amount | None = None


class Category(KomusModel):
    id: int
    parent_id: int = Field(default=0, alias="parentId")
    name: str = ""


class ShipmentInfo(KomusModel):
    region_id: str = Field(alias="regionID")
    region_name: str = Field(default="", alias="regionName")


class ShipData(KomusModel):
    shipment_info: ShipmentInfo = Field(alias="shipmentInfo")


class RegionPrice(KomusModel):
    """Prices of an article in one region, VAT included."""

    region: str
    partner_price: Amount = Field(alias="partnerPrice")
    rrc_price: Amount | None = Field(default=None, alias="rrcPrice")
    price_pmc: Amount | None = Field(default=None, alias="pricePmc")
    modified_at: KomusTime | None = Field(default=None, alias="modTime")


class ArticlePrices(KomusModel):
    artnumber: int
    nds: int
    prices: list[RegionPrice] = Field(default_factory=list)

    def in_region(self, region: str) -> RegionPrice | None:
        return next((p for p in self.prices if p.region == region), None)


class RegionStock(KomusModel):
    region: str
    quantity: Amount = Decimal(0)


class ArticleStock(KomusModel):
    artnumber: int
    stock: list[RegionStock] = Field(default_factory=list)

    def in_region(self, region: str) -> Decimal:
        return sum((s.quantity for s in self.stock if s.region == region), Decimal(0))


class BaseProps(KomusModel):
    """What an article is sold in and in which lots."""

    brand: str | None = None
    vendor_code: str | None = Field(default=None, alias="vendorCode")
    okei: str | None = None
    unit: str | None = None
    pack_quantity: int | None = Field(default=None, alias="packQuantity")
    min_quantity: Amount | None = Field(default=None, alias="minQuantity")
    multiplicity: Amount | None = None


class Specification(KomusModel):
    name: str
    value: str = ""


class ArticleProps(KomusModel):
    artnumber: int
    parent_id: int | None = Field(default=None, alias="parentId")
    description: str | None = None
    baseprops: BaseProps | None = None
    barcodes: list[str] = Field(default_factory=list)
    images: list[str] = Field(default_factory=list)
    specifications: list[Specification] = Field(default_factory=list)
    analogues: list[int] = Field(default_factory=list)


class Batch(KomusModel, Generic[T]):
    """A batch answer merged over every request: what was found and what was not."""

    content: list[T] = Field(default_factory=list)
    lost: list[int] = Field(default_factory=list, alias="artnumberLost")


# -- orders --------------------------------------------------------------------------


class Coded(KomusModel):
    code: str
    name: str = ""


class OrderRow(KomusModel):
    id: int
    artnumber: int
    name: str = ""
    okei: str | None = None
    quantity: Amount
    quantity_confirmed: Amount | None = Field(default=None, alias="quantityConfirmed")
    quantity_shipped: Amount = Field(default=Decimal(0), alias="quantityShipped")
    quantity_delivered: Amount | None = Field(default=None, alias="quantityDelivered")
    price: Amount
    total: Amount
    nds: int
    nds_sum: Amount | None = Field(default=None, alias="ndsSum")
    line_ref: str | None = Field(default=None, alias="lineRef")
    analogue_for: int | None = Field(default=None, alias="analogueFor")
    """On a row Komus added instead of an ordered article: that article."""
    replaced_by: int | None = Field(default=None, alias="replacedBy")


class ShipmentRow(KomusModel):
    row_id: int = Field(alias="rowId")
    artnumber: int
    quantity: Amount


class Shipment(KomusModel):
    id: int
    number: str = ""
    shipped_at: KomusTime | None = Field(default=None, alias="date")
    delivered: bool = False
    delivered_at: KomusTime | None = Field(default=None, alias="dateDelivered")
    upd_id: int | None = Field(default=None, alias="updId")
    rows: list[ShipmentRow] = Field(default_factory=list)


class DocumentInfo(KomusModel):
    """A document Komus issued for an order: invoice, upd, payment or shipment."""

    id: int
    kind: str
    number: str = ""
    issued_on: date | None = Field(default=None, alias="date")
    amount: Amount | None = None
    amount_nds: Amount | None = Field(default=None, alias="amountNds")
    shipment_id: int | None = Field(default=None, alias="shipmentId")
    has_file: bool = Field(default=False, alias="hasFile")
    file_name: str | None = Field(default=None, alias="fileName")
    content_type: str | None = Field(default=None, alias="contentType")


class KomusOrder(KomusModel):
    id: int
    number: str = Field(default="", alias="orderNum")
    external_id: str | None = Field(default=None, alias="externalId")
    created_at: KomusTime | None = Field(default=None, alias="dateCreate")
    modified_at: KomusTime | None = Field(default=None, alias="dateModify")
    status: Coded
    price: Amount | None = None
    price_nds: Amount | None = Field(default=None, alias="priceNds")
    price_delivery: Amount | None = Field(default=None, alias="priceDelivery")
    comment: str | None = None
    region: str | None = None
    canceled: bool = False
    cancel_reason: str | None = Field(default=None, alias="cancelReason")
    invoice_done: bool = Field(default=False, alias="invoiceDone")
    paid: bool = False
    rows: list[OrderRow] = Field(default_factory=list)
    shipments: list[Shipment] | None = None
    documents: list[DocumentInfo] | None = None
    """None when Komus did not say (not an empty list): then ask for them."""


class OrderRowDraft(KomusModel):
    artnumber: int
    quantity: Number
    price: Number | None = None
    line_ref: str | None = Field(default=None, serialization_alias="lineRef")


class OrderDraft(KomusModel):
    """What the gateway sends to create an order.

    ``external_id`` is the idempotency key: Komus keeps it on the order, creates
    nothing for a second POST with it and finds the order by it.
    """

    external_id: str = Field(serialization_alias="externalId", max_length=64)
    consignee_id: int | None = Field(default=None, serialization_alias="consigneeId")
    comment: str | None = Field(default=None, max_length=1000)
    rows: list[OrderRowDraft] = Field(min_length=1, max_length=500)

    def body(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class OrderChange(KomusModel):
    """Row quantities to set on an order still in status N; 0 removes a row."""

    rows: list[OrderRowDraft] = Field(min_length=1)

    def body(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)
