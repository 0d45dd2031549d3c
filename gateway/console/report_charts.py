"""Horizontal bars for a report's biggest rows, drawn as inline SVG; no script."""

from __future__ import annotations

from decimal import Decimal

from markupsafe import Markup, escape

WIDTH = 720
BAR = 18
GAP = 6
LABEL = 260
SHOWN = 15


def bars(points: list[tuple[str, Decimal]], unit: str = "₽") -> Markup:
    """The first ``SHOWN`` points as bars scaled to the largest; others left out."""
    points = [(label, value) for label, value in points[:SHOWN] if value is not None]
    if not points:
        return Markup('<p class="muted">Нет данных за период.</p>')
    largest = max((abs(value) for _, value in points), default=Decimal(1)) or 1
    height = len(points) * (BAR + GAP) + GAP
    room = WIDTH - LABEL - 110
    parts = [
        f'<svg class="chart report-chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        'aria-label="Диаграмма отчёта">'
    ]
    for index, (label, value) in enumerate(points):
        y = GAP + index * (BAR + GAP)
        length = max(float(room * abs(value) / largest), 1.0)
        shown = escape(label if len(label) <= 34 else label[:33] + "…")
        amount = f"{value:,.2f}".replace(",", "\u00a0").replace(".", ",")
        if unit != "₽":
            amount = f"{value}"
        parts.append(
            f'<text x="{LABEL - 6}" y="{y + BAR - 5}" text-anchor="end">{shown}</text>'
            f'<rect class="bar" x="{LABEL}" y="{y}" width="{length:.1f}" '
            f'height="{BAR}"><title>{escape(label)}: {escape(amount)} {unit}</title>'
            f'</rect><text x="{LABEL + length + 6:.1f}" y="{y + BAR - 5}">'
            f"{escape(amount)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
