"""A tenant's spending and orders, summed the ways a purchasing office asks.

Each report is a fixed list of columns and a generator of rows, so the same rows
feed the console's table and chart, the REST answer and the XLSX and CSV exports.
Rows come from the database a chunk at a time (``yield_per``: a server-side
cursor on PostgreSQL), and grouping happens in SQL wherever the store holds what
is grouped by, so even the line-by-line report never holds the period in memory.

Spending counts orders placed at Komus: not the ones still received or held, and
not cancelled or rejected ones. Amounts are the order lines' amounts with VAT as
ordered, so a report's total equals the sum of those orders' totals. A period is
a range of whole UTC days on the order's creation, both ends included.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, distinct, func, select
from sqlmodel import Session, col

from gateway.errors import ValidationFailed
from gateway.lifecycle import OrderStatus
from gateway.status_titles import ORDER_STATUS_TITLES
from gateway.store.ordering import CostCenter
from gateway.store.tables import Order, OrderLine, OrderStatusChange, Requisition

CHUNK = 2000
"""Rows fetched from the database at a time."""
NOT_SPENT = (
    OrderStatus.RECEIVED,
    OrderStatus.HELD,
    OrderStatus.CANCELLED,
    OrderStatus.REJECTED,
)
NO_VALUE = "—"
ZERO = Decimal("0.00")

STATUS_TITLES = {**ORDER_STATUS_TITLES, "submitted": "отправлен в Комус"}
LEAD_TIME_BUCKETS = ((1, "до 1 дня"), (3, "2–3 дня"), (7, "4–7 дней"))
LEAD_TIME_BUCKETS += ((14, "8–14 дней"), (None, "более 14 дней"))


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    kind: str = "text"  # text, date, count, quantity, money, percent, days
    total: bool = False


@dataclass(frozen=True)
class Filters:
    tenant_id: str
    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValidationFailed(
                [f"the period ends ({self.end}) before it starts ({self.start})"]
            )

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time.min, UTC)

    @property
    def before(self) -> datetime:
        if self.end == date.max:  # "until whenever": no day follows it
            return datetime.max.replace(tzinfo=UTC)
        return datetime.combine(self.end + timedelta(days=1), time.min, UTC)


@dataclass
class Context:
    """What some reports need beyond the store: names the store does not keep."""

    categories: Callable[[str], str | None] = lambda _article: None
    addresses: dict[str, str] = field(default_factory=dict)


Rows = Iterator[tuple[Any, ...]]


@dataclass(frozen=True)
class Report:
    key: str
    title: str
    columns: tuple[Column, ...]
    produce: Callable[[Session, Filters, Context], Rows]
    chart_label: int = 0
    chart_value: int = -1
    uses_categories: bool = False

    def rows(self, session: Session, filters: Filters, context: Context) -> Rows:
        return self.produce(session, filters, context)


# -- the queries -------------------------------------------------------------------


def _spent(query: Select[Any], filters: Filters) -> Select[Any]:
    return query.where(
        Order.tenant_id == filters.tenant_id,
        col(Order.status).not_in([s.value for s in NOT_SPENT]),
        Order.created_at >= filters.since,
        Order.created_at < filters.before,
    )


def _amounts() -> tuple[Any, ...]:
    return (
        func.sum(OrderLine.net_amount),
        func.sum(OrderLine.vat_amount),
        func.sum(OrderLine.gross_amount),
    )


def _stream(session: Session, query: Select[Any]) -> Iterator[Any]:
    yield from session.execute(query.execution_options(yield_per=CHUNK))


def _money(value: Any) -> Decimal:
    return ZERO if value is None else Decimal(value).quantize(Decimal("0.01"))


def _month(session: Session) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", Order.created_at), "YYYY-MM")
    return func.strftime("%Y-%m", Order.created_at)


def by_item(session: Session, filters: Filters, _context: Context) -> Rows:
    query = _spent(
        select(
            OrderLine.article,
            func.max(OrderLine.name),
            func.sum(OrderLine.quantity_ordered),
            *_amounts(),
        )
        .join(Order, Order.id == OrderLine.order_id)
        .group_by(OrderLine.article)
        .order_by(func.sum(OrderLine.gross_amount).desc(), OrderLine.article),
        filters,
    )
    for article, name, quantity, net, vat, gross in _stream(session, query):
        yield (article, name or NO_VALUE, quantity, *map(_money, (net, vat, gross)))


def by_category(session: Session, filters: Filters, context: Context) -> Rows:
    """Komus keeps the category, not the order line: articles are mapped here."""
    totals: dict[str, list[Any]] = {}
    for article, _name, _quantity, net, vat, gross in by_item(
        session, filters, context
    ):
        category = context.categories(article) or "Категория не известна"
        found = totals.setdefault(category, [set(), ZERO, ZERO, ZERO])
        found[0].add(article)
        found[1] += net
        found[2] += vat
        found[3] += gross
    ranked = sorted(totals.items(), key=lambda item: (-item[1][3], item[0]))
    for category, (articles, net, vat, gross) in ranked:
        yield (category, len(articles), net, vat, gross)


def _grouped(
    session: Session, filters: Filters, key: Any, *joins: tuple[Any, Any]
) -> Iterator[Any]:
    query = select(key, func.count(distinct(Order.id)), *_amounts()).join(
        Order, Order.id == OrderLine.order_id
    )
    for table, condition in joins:
        query = query.join(table, condition)
    query = _spent(query.group_by(key).order_by(key.asc().nulls_first()), filters)
    return _stream(session, query)


def by_month(session: Session, filters: Filters, _context: Context) -> Rows:
    for month, orders, net, vat, gross in _grouped(session, filters, _month(session)):
        yield (month, orders, *map(_money, (net, vat, gross)))


def by_channel(session: Session, filters: Filters, _context: Context) -> Rows:
    for channel, orders, net, vat, gross in _grouped(session, filters, Order.channel):
        yield (channel, orders, *map(_money, (net, vat, gross)))


def by_address(session: Session, filters: Filters, context: Context) -> Rows:
    rows = _grouped(session, filters, Order.delivery_address_code)
    for code, orders, net, vat, gross in rows:
        address = context.addresses.get(code or "", NO_VALUE)
        yield (code or NO_VALUE, address, orders, *map(_money, (net, vat, gross)))


def by_cost_centre(session: Session, filters: Filters, _context: Context) -> Rows:
    names = dict(
        session.execute(
            select(CostCenter.code, CostCenter.name).where(
                CostCenter.tenant_id == filters.tenant_id
            )
        ).all()
    )
    rows = _grouped(
        session,
        filters,
        Requisition.cost_center,
        (Requisition, Requisition.id == Order.requisition_id),
    )
    for code, orders, net, vat, gross in rows:
        name = names.get(code, NO_VALUE) if code else "без МВЗ"
        yield (code or NO_VALUE, name, orders, *map(_money, (net, vat, gross)))


def by_status(session: Session, filters: Filters, _context: Context) -> Rows:
    query = (
        select(Order.status, func.count(Order.id), func.sum(Order.total))
        .where(
            Order.tenant_id == filters.tenant_id,
            Order.created_at >= filters.since,
            Order.created_at < filters.before,
        )
        .group_by(Order.status)
        .order_by(func.count(Order.id).desc(), Order.status)
    )
    for status, orders, amount in _stream(session, query):
        yield (STATUS_TITLES.get(status, status), orders, _money(amount))


def by_lead_time(session: Session, filters: Filters, _context: Context) -> Rows:
    """Days from submission to delivery of the orders delivered in the period."""
    delivered = (
        select(OrderStatusChange.order_id, func.min(OrderStatusChange.at).label("at"))
        .where(OrderStatusChange.to_status == OrderStatus.DELIVERED.value)
        .group_by(OrderStatusChange.order_id)
        .subquery()
    )
    query = (
        select(Order.submitted_at, Order.created_at, delivered.c.at, Order.total)
        .join(delivered, delivered.c.order_id == Order.id)
        .where(
            Order.tenant_id == filters.tenant_id,
            Order.created_at >= filters.since,
            Order.created_at < filters.before,
        )
    )
    counts = [0] * len(LEAD_TIME_BUCKETS)
    days_total = [Decimal(0)] * len(LEAD_TIME_BUCKETS)
    amounts = [ZERO] * len(LEAD_TIME_BUCKETS)
    for submitted, created, at, total in _stream(session, query):
        days = Decimal((at - (submitted or created)).total_seconds()) / 86400
        index = next(
            n
            for n, (limit, _title) in enumerate(LEAD_TIME_BUCKETS)
            if limit is None or days <= limit
        )
        counts[index] += 1
        days_total[index] += days
        amounts[index] += _money(total)
    for index, (_limit, title) in enumerate(LEAD_TIME_BUCKETS):
        average = days_total[index] / counts[index] if counts[index] else Decimal(0)
        yield (title, counts[index], average.quantize(Decimal("0.1")), amounts[index])


def price_changes(session: Session, filters: Filters, _context: Context) -> Rows:
    """Each article bought in the period: first and last price paid, and the change."""
    query = _spent(
        select(OrderLine.article, OrderLine.name, OrderLine.price, Order.created_at)
        .join(Order, Order.id == OrderLine.order_id)
        .where(col(OrderLine.price).is_not(None))
        .order_by(OrderLine.article, Order.created_at, Order.id),
        filters,
    )
    current: list[Any] | None = None
    for article, name, price, created in _stream(session, query):
        if current is not None and current[0] != article:
            yield _price_row(current)
            current = None
        if current is None:
            current = [article, name, price, created, price, created, price, price]
        current[4], current[5] = price, created
        current[6], current[7] = min(current[6], price), max(current[7], price)
    if current is not None:
        yield _price_row(current)


def _price_row(found: list[Any]) -> tuple[Any, ...]:
    article, name, first, first_at, last, last_at, lowest, highest = found
    change = ((last - first) / first * 100).quantize(Decimal("0.01")) if first else None
    return (
        article,
        name or NO_VALUE,
        first_at.date(),
        _money(first),
        last_at.date(),
        _money(last),
        _money(lowest),
        _money(highest),
        change if change is not None else Decimal(0),
    )


def lines(session: Session, filters: Filters, context: Context) -> Rows:
    """Every order line, oldest order first: the export a spreadsheet is made of."""
    query = _spent(
        select(
            Order.created_at,
            Order.number,
            Order.id,
            Order.channel,
            Requisition.cost_center,
            Order.delivery_address_code,
            OrderLine.article,
            OrderLine.name,
            OrderLine.quantity_ordered,
            OrderLine.price,
            OrderLine.net_amount,
            OrderLine.vat_amount,
            OrderLine.gross_amount,
        )
        .join(Order, Order.id == OrderLine.order_id)
        .join(Requisition, Requisition.id == Order.requisition_id)
        .order_by(Order.created_at, Order.id, OrderLine.line_no),
        filters,
    )
    for row in _stream(session, query):
        (created, number, order_id, channel, centre, address) = row[:6]
        article, name, quantity, price, net, vat, gross = row[6:]
        yield (
            created.date(),
            number or str(order_id),
            channel,
            centre or NO_VALUE,
            context.addresses.get(address or "", address or NO_VALUE),
            article,
            name or NO_VALUE,
            quantity,
            _money(price),
            *map(_money, (net, vat, gross)),
        )


# -- the catalogue of reports -------------------------------------------------------

_NET = Column("net", "Сумма без НДС, ₽", "money", total=True)
_VAT = Column("vat", "НДС, ₽", "money", total=True)
_GROSS = Column("gross", "Сумма с НДС, ₽", "money", total=True)
_ORDERS = Column("orders", "Заказов", "count", total=True)
_MONEY = (_NET, _VAT, _GROSS)

REPORTS: dict[str, Report] = {
    report.key: report
    for report in (
        Report(
            "category",
            "Расходы по категориям",
            (
                Column("category", "Категория"),
                Column("articles", "Артикулов", "count", total=True),
                *_MONEY,
            ),
            by_category,
            uses_categories=True,
        ),
        Report(
            "item",
            "Расходы по товарам",
            (
                Column("article", "Артикул"),
                Column("name", "Наименование"),
                Column("quantity", "Количество", "quantity", total=True),
                *_MONEY,
            ),
            by_item,
            chart_label=1,
        ),
        Report(
            "cost-centre",
            "Расходы по местам возникновения затрат",
            (Column("code", "МВЗ"), Column("name", "Название"), _ORDERS, *_MONEY),
            by_cost_centre,
        ),
        Report(
            "address",
            "Расходы по адресам доставки",
            (Column("code", "Код"), Column("address", "Адрес"), _ORDERS, *_MONEY),
            by_address,
            chart_label=1,
        ),
        Report(
            "month",
            "Расходы по месяцам",
            (Column("month", "Месяц"), _ORDERS, *_MONEY),
            by_month,
        ),
        Report(
            "channel",
            "Расходы по каналам",
            (Column("channel", "Канал"), _ORDERS, *_MONEY),
            by_channel,
        ),
        Report(
            "status",
            "Заказы по статусам",
            (
                Column("status", "Статус"),
                _ORDERS,
                Column("amount", "Сумма с НДС, ₽", "money", total=True),
            ),
            by_status,
            chart_value=1,
        ),
        Report(
            "lead-time",
            "Заказы по сроку поставки",
            (
                Column("bucket", "Срок от отправки до доставки"),
                _ORDERS,
                Column("average", "В среднем, дней", "days"),
                Column("amount", "Сумма с НДС, ₽", "money", total=True),
            ),
            by_lead_time,
            chart_value=1,
        ),
        Report(
            "prices",
            "Изменения цен на закупаемые товары",
            (
                Column("article", "Артикул"),
                Column("name", "Наименование"),
                Column("first_date", "Первая покупка", "date"),
                Column("first_price", "Цена тогда, ₽", "money"),
                Column("last_date", "Последняя покупка", "date"),
                Column("last_price", "Цена сейчас, ₽", "money"),
                Column("lowest", "Минимум, ₽", "money"),
                Column("highest", "Максимум, ₽", "money"),
                Column("change", "Изменение, %", "percent"),
            ),
            price_changes,
            chart_label=1,
        ),
        Report(
            "lines",
            "Расходы по строкам заказов",
            (
                Column("date", "Дата", "date"),
                Column("order", "Заказ"),
                Column("channel", "Канал"),
                Column("cost_centre", "МВЗ"),
                Column("address", "Адрес доставки"),
                Column("article", "Артикул"),
                Column("name", "Наименование"),
                Column("quantity", "Количество", "quantity", total=True),
                Column("price", "Цена, ₽", "money"),
                *_MONEY,
            ),
            lines,
            chart_label=6,
        ),
    )
}
SPENDING = ("category", "item", "cost-centre", "address", "month", "channel")


def report(key: str) -> Report:
    found = REPORTS.get(key)
    if found is None:
        raise ValidationFailed(
            [f"unknown report {key!r}; known: {', '.join(sorted(REPORTS))}"]
        )
    return found


class Totals:
    """Column sums kept while rows go by, for the columns that have a total."""

    def __init__(self, report: Report):
        self.report = report
        self.count = 0
        self.values: list[Any] = [
            Decimal(0) if column.total else None for column in report.columns
        ]

    def add(self, row: tuple[Any, ...]) -> None:
        self.count += 1
        for index, column in enumerate(self.report.columns):
            if column.total:
                self.values[index] += row[index] or 0
