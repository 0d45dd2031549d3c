"""A bar chart of orders per day drawn as inline SVG on the server; no script."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from markupsafe import Markup, escape

WIDTH = 720
HEIGHT = 180
PAD = 24


@dataclass
class Day:
    day: date
    orders: int
    amount: Decimal


def orders_chart(days: list[Day]) -> Markup:
    """Bars for the order count, a line for the amount, each on its own scale."""
    if not days:
        return Markup('<p class="muted">Заказов за период нет.</p>')
    most = max(d.orders for d in days) or 1
    richest = max(d.amount for d in days) or Decimal(1)
    step = (WIDTH - 2 * PAD) / len(days)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        'aria-label="Заказы и суммы по дням">'
    ]
    points = []
    for index, day in enumerate(days):
        height = (HEIGHT - 2 * PAD) * day.orders / most
        x = PAD + index * step
        parts.append(
            f'<rect x="{x + step * 0.15:.1f}" y="{HEIGHT - PAD - height:.1f}" '
            f'width="{step * 0.7:.1f}" height="{height:.1f}" class="bar">'
            f"<title>{escape(day.day.strftime('%d.%m'))}: {day.orders} зак., "
            f"{escape(f'{day.amount:.2f}')} ₽</title></rect>"
        )
        y = HEIGHT - PAD - float((HEIGHT - 2 * PAD) * day.amount / richest)
        points.append(f"{x + step / 2:.1f},{y:.1f}")
    parts.append(f'<polyline class="amount" points="{" ".join(points)}"/>')
    first, last = days[0].day, days[-1].day
    parts.append(
        f'<text x="{PAD}" y="{HEIGHT - 6}">{first:%d.%m.%Y}</text>'
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 6}" text-anchor="end">'
        f"{last:%d.%m.%Y}</text>"
        f'<text x="{PAD}" y="14">макс. {most} зак./день</text></svg>'
    )
    return Markup("".join(parts))
