"""Reports over REST: each as JSON, or streamed as CSV or XLSX.

``GET /reports`` lists them; ``GET /reports/{key}?start=&end=&format=`` gives one
for a tenant and a period. JSON carries at most ``limit`` rows plus the totals of
every row; the files carry every row and are streamed as they are written.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Annotated, Any, Literal

import structlog
from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel

from gateway.api.attachments import download_stream
from gateway.api.auth import Caller, current_caller
from gateway.api.dependencies import get_hub
from gateway.api.error_responses import ERROR_RESPONSES
from gateway.api.finances import TenantQuery, tenant_of
from gateway.api.params import Day, OneOf
from gateway.cabinet import exports
from gateway.cabinet.channel import catalog_of
from gateway.cabinet.reports import REPORTS, Context, Filters, Report, Totals
from gateway.errors import GatewayError
from gateway.hub import Hub

log = structlog.get_logger(__name__)

router = APIRouter(prefix="/reports", tags=["reports"], responses=ERROR_RESPONSES)

JSON_ROWS = 1000


class ColumnOut(BaseModel):
    key: str
    title: str
    kind: str
    total: bool


class ReportInfo(BaseModel):
    key: str
    title: str
    columns: list[ColumnOut]


class ReportOut(ReportInfo):
    tenant_id: str
    start: date
    end: date
    rows: list[list[Any]]
    truncated: bool
    totals: list[Any]


def _info(report: Report) -> dict[str, Any]:
    return {
        "key": report.key,
        "title": report.title,
        "columns": [
            ColumnOut(key=c.key, title=c.title, kind=c.kind, total=c.total)
            for c in report.columns
        ],
    }


def context_for(hub: Hub, tenant_id: str, report: Report) -> Context:
    """Addresses from the tenant's config; category names, for the report that
    groups by them, from the tenant's catalog snapshot.

    A catalog Komus cannot give right now leaves categories unknown rather than
    failing the whole report; the next report asks again.
    """
    tenant = hub.settings.tenant(tenant_id)
    addresses = {a.code: a.address for a in tenant.delivery_addresses} if tenant else {}
    context = Context(addresses=addresses)
    if not report.uses_categories or tenant is None or not tenant.komus.token:
        return context
    try:
        snapshot = catalog_of(hub).snapshot(tenant)
    except GatewayError as error:
        log.warning(
            "report_categories_unavailable",
            tenant=tenant_id,
            error=str(error),
            next_step="categories show as unknown; the next report asks again",
        )
        return context

    def category(article: str) -> str | None:
        item = snapshot.items.get(article)
        return snapshot.category_name(item.category_id) if item else None

    context.categories = category
    return context


@router.get("", response_model=list[ReportInfo])
def list_reports(_caller: Caller = Depends(current_caller)) -> list[ReportInfo]:
    return [ReportInfo(**_info(report)) for report in REPORTS.values()]


@router.get(
    "/{key}",
    response_model=ReportOut,
    responses={200: {"content": {exports.XLSX_TYPE: {}, "text/csv": {}}}},
)
def one_report(
    key: Annotated[str, OneOf(REPORTS)],
    start: Day = Query(description="first day, UTC, of orders created"),
    end: Day = Query(description="last day, UTC, included"),
    format: Literal["json", "csv", "xlsx"] = "json",  # noqa: A002 - the query name
    limit: int = Query(JSON_ROWS, ge=1, le=10_000, description="JSON rows at most"),
    tenant: TenantQuery = None,
    caller: Caller = Depends(current_caller),
    hub: Hub = Depends(get_hub),
) -> ReportOut | Response:
    report = REPORTS[key]
    with hub.db.session() as session:
        tenant_id = tenant_of(session, caller, tenant)
    filters = Filters(tenant_id, start, end)
    context = context_for(hub, tenant_id, report)
    name = f"{report.key}-{tenant_id}-{start:%Y%m%d}-{end:%Y%m%d}"
    if format == "csv":
        chunks = exports.csv_chunks(report, stream_rows(hub, report, filters, context))
        return download_stream(chunks, exports.CSV_TYPE, f"{name}.csv")
    if format == "xlsx":
        chunks = exports.xlsx_chunks(report, stream_rows(hub, report, filters, context))
        return download_stream(chunks, exports.XLSX_TYPE, f"{name}.xlsx")

    rows: list[list[Any]] = []
    sums = Totals(report)
    with hub.db.session() as session:
        for row in report.rows(session, filters, context):
            sums.add(row)
            if len(rows) < limit:
                rows.append(list(row))
    return ReportOut(
        **_info(report),
        tenant_id=tenant_id,
        start=start,
        end=end,
        rows=rows,
        truncated=sums.count > len(rows),
        totals=sums.values,
    )


def stream_rows(
    hub: Hub, report: Report, filters: Filters, context: Context
) -> Iterator[tuple[Any, ...]]:
    """The report's rows with a session that lives exactly as long as the stream."""
    with hub.db.session() as session:
        yield from report.rows(session, filters, context)
    log.info("report_exported", report=report.key, tenant=filters.tenant_id)
