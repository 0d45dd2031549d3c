"""Отчёты: a report for a period as a table and a chart, with XLSX and CSV export.

The page shows the first rows and the totals of all of them; the exports stream
every row, as the REST API does.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from gateway.api.attachments import download_stream
from gateway.api.reports import context_for, stream_rows
from gateway.cabinet import exports
from gateway.cabinet.finances import today
from gateway.cabinet.reports import REPORTS, Filters, Report, Totals
from gateway.console.access import allowed, console_of
from gateway.console.formats import chosen_format
from gateway.console.rendering import render
from gateway.console.report_charts import bars
from gateway.console.sessions import Operator
from gateway.console.tenant_choice import requested_tenant
from gateway.errors import ValidationFailed

router = APIRouter()

SHOWN_ROWS = 200
DEFAULT_REPORT = "item"


@router.get("/reports")
def reports_page(
    request: Request,
    operator: Operator = Depends(allowed("reports.view")),
) -> Response:
    hub = console_of(request).hub
    params = request.query_params
    tenant_id, tenants = requested_tenant(request, operator)
    on = today(hub.clock)
    values = {
        "report": params.get("report") or DEFAULT_REPORT,
        "start": params.get("start") or on.replace(month=1, day=1).isoformat(),
        "end": params.get("end") or on.isoformat(),
        "tenant": tenant_id,
    }
    page = _form(operator, tenants, values)
    try:
        report, filters = _asked(values, tenant_id)
    except ValidationFailed as problem:
        return render("reports.html", page | {"error": str(problem)}, status_code=422)

    context = context_for(hub, tenant_id, report)
    rows, sums = [], Totals(report)
    with hub.db.session() as session:
        for row in report.rows(session, filters, context):
            sums.add(row)
            if len(rows) < SHOWN_ROWS:
                rows.append(row)
    return render(
        "reports.html",
        page
        | {
            "report": report,
            "rows": rows,
            "totals": sums.values,
            "count": sums.count,
            "chart": bars(_points(report, rows), _unit(report)),
            "query": urlencode(values),
        },
    )


@router.get("/reports/export")
def report_export(
    request: Request,
    operator: Operator = Depends(allowed("reports.view")),
) -> Response:
    hub = console_of(request).hub
    params = request.query_params
    tenant_id, tenants = requested_tenant(request, operator)
    values = {k: params.get(k) or "" for k in ("report", "start", "end")}
    try:
        report, filters = _asked(values, tenant_id)
        kind = chosen_format(params.get("format"), ("xlsx", "csv"))
    except ValidationFailed as problem:
        page = _form(operator, tenants, values | {"tenant": tenant_id})
        return render("reports.html", page | {"error": str(problem)}, status_code=422)
    context = context_for(hub, tenant_id, report)
    rows = stream_rows(hub, report, filters, context)
    name = f"{report.key}-{tenant_id}-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}"
    if kind == "csv":
        return download_stream(
            exports.csv_chunks(report, rows), exports.CSV_TYPE, f"{name}.csv"
        )
    return download_stream(
        exports.xlsx_chunks(report, rows), exports.XLSX_TYPE, f"{name}.xlsx"
    )


def _form(
    operator: Operator, tenants: list[str], values: dict[str, str]
) -> dict[str, Any]:
    """The report form as it was filled in, before any report is run."""
    return {
        "operator": operator,
        "reports": REPORTS,
        "tenants": tenants,
        "values": values,
        "report": None,
    }


def _asked(values: dict[str, str], tenant_id: str) -> tuple[Report, Filters]:
    report = REPORTS.get(values["report"])
    if report is None:
        raise ValidationFailed([f"неизвестный отчёт {values['report']!r}"])
    try:
        start = date.fromisoformat(values["start"])
        end = date.fromisoformat(values["end"])
    except ValueError:
        raise ValidationFailed(
            ["укажите период датами в виде ГГГГ-ММ-ДД, например 2026-02-01"]
        ) from None
    if end < start:
        raise ValidationFailed(
            [
                f"период заканчивается ({end:%d.%m.%Y}) раньше, чем начинается "
                f"({start:%d.%m.%Y})"
            ]
        )
    return report, Filters(tenant_id, start, end)


def _points(report: Report, rows: list[tuple[Any, ...]]) -> list[tuple[str, Decimal]]:
    value = report.chart_value % len(report.columns)
    return [(str(row[report.chart_label]), Decimal(row[value] or 0)) for row in rows]


def _unit(report: Report) -> str:
    column = report.columns[report.chart_value % len(report.columns)]
    return "₽" if column.kind == "money" else "шт."
