"""Mappings for integrators: files and tables, their check, a preview, item tables.

The list, the check and the preview are those of the REST API
(``gateway.api.mappings``), with the same rule of who sees what: a user of one
tenant sees that tenant's folder, ``shared/`` and the tables named after the
tenant (``acme_items``). Rows of a CSV table are added, changed and removed here
(``gateway.console.table_edit``); the registry reloads the table at once, so a held
requisition replayed afterwards is mapped with the fixed table.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from starlette.datastructures import UploadFile

from gateway.api.error_responses import ApiError
from gateway.api.mappings import _mapping_path, _may_see, _shown, _tenant_for
from gateway.console.access import (
    PageMissing,
    Posted,
    allowed,
    console_of,
    posted,
    tenant_row,
)
from gateway.console.audit import audit
from gateway.console.rendering import render
from gateway.console.sessions import Operator
from gateway.console.table_edit import read_table, remove_row, set_row, table_owner
from gateway.errors import GatewayError, NotFound, ValidationFailed
from gateway.hub import Hub
from gateway.mapping import check_all, preview
from gateway.mapping.preview import PreviewResult, canonical
from gateway.mapping.readers import reader_names
from gateway.store.tables import ItemSuggestion

router = APIRouter()

OPEN_SUGGESTIONS = ("suggested", "unmatched")
REJECTED = "rejected"
SUGGESTIONS_SHOWN = 200

NOTES = {
    "added": "Строка добавлена; таблица перечитана.",
    "changed": "Строка изменена; таблица перечитана.",
    "removed": "Строка удалена; таблица перечитана.",
    "confirmed": "Предложение принято: строка записана в таблицу товаров.",
    "rejected": "Предложение отклонено.",
}


# -- the overview --------------------------------------------------------------------


@router.get("/mappings")
def mappings_page(
    request: Request, operator: Operator = Depends(allowed("mappings.view"))
) -> Response:
    return _overview(request, operator)


def _overview(
    request: Request,
    operator: Operator,
    *,
    result: PreviewResult | None = None,
    asked: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    hub = console_of(request).hub
    registry = hub.mapping_registry
    files = [s for s in registry.states() if _may_see(operator, s.tenant)]
    directory = registry.directory
    problems = [p for p in check_all(directory) if _shown(operator, directory, p)]
    tables = [
        (name, registry.tables.get(name), registry.tables.is_broken(name))
        for name in registry.tables.names()
        if _table_visible(operator, name)
    ]
    return render(
        "mappings.html",
        {
            "operator": operator,
            "files": [(f, _name(f.tenant, f.file)) for f in files],
            "problems": problems,
            "tables": tables,
            "suggestions": _suggestions(request, operator),
            "readers": reader_names(),
            "result": result,
            "asked": asked or {},
            "canonical": canonical,
            "error": error,
            "note": NOTES.get(request.query_params.get("note") or ""),
        },
        status_code=status_code,
    )


def _name(tenant: str, file: str) -> str:
    return f"{tenant}/{PurePosixPath(file).name}"


def _table_visible(operator: Operator, name: str) -> bool:
    """Tables without a tenant's name are shared; only all-tenant users see them."""
    if operator.tenant_id is None:
        return True
    return table_owner(name) == operator.tenant_id


def _suggestions(request: Request, operator: Operator) -> list[ItemSuggestion]:
    statement = select(ItemSuggestion).where(
        ItemSuggestion.state.in_(OPEN_SUGGESTIONS)  # type: ignore[attr-defined]
    )
    if operator.tenant_id is not None:
        statement = statement.where(ItemSuggestion.tenant_id == operator.tenant_id)
    statement = statement.order_by(
        ItemSuggestion.tenant_id,
        ItemSuggestion.confidence.desc(),  # type: ignore[attr-defined]
        ItemSuggestion.id,
    ).limit(SUGGESTIONS_SHOWN)
    with console_of(request).hub.db.session() as session:
        return list(session.execute(statement).scalars())


# -- preview -------------------------------------------------------------------------


@router.post("/mappings/preview")
async def preview_page(
    request: Request, done: Posted = Depends(posted("mappings.preview"))
) -> Response:
    """Run a pasted or uploaded document through a mapping; nothing is stored."""
    hub = console_of(request).hub
    form = done.form
    asked = {
        "mapping": str(form.get("mapping") or ""),
        "reader": str(form.get("reader") or ""),
        "outbound": str(form.get("outbound") or "").strip(),
        "text": str(form.get("text") or ""),
    }
    upload = form.get("file")
    limit = hub.settings.server.max_body_bytes
    if isinstance(upload, UploadFile) and upload.filename:
        payload = await upload.read(limit + 1)
        filename: str | None = PurePosixPath(upload.filename).name[:255]
    else:
        payload = asked["text"].encode("utf-8")
        filename = None
    if not payload:
        return _overview(
            request,
            done.operator,
            asked=asked,
            error="Вставьте документ или выберите файл.",
            status_code=422,
        )
    if len(payload) > limit:
        return _overview(
            request,
            done.operator,
            asked=asked,
            error=f"Документ больше {limit} байт.",
            status_code=413,
        )
    directory = hub.mapping_registry.directory
    # An operator answers tenant_id and can_see() as an API caller does.
    caller: Any = done.operator
    try:
        path, folder = _mapping_path(directory, asked["mapping"], caller)
    except (ApiError, NotFound) as error:
        return _overview(
            request, done.operator, asked=asked, error=str(error), status_code=404
        )
    result = await run_in_threadpool(
        preview,
        path,
        payload,
        asked["reader"] or None,
        outbound=asked["outbound"] or None,
        tenant=_tenant_for(hub, caller, folder),
        directory=directory,
        filename=filename,
    )
    result.problems = [
        p for p in result.problems if _shown(done.operator, directory, p)
    ]
    return _overview(request, done.operator, result=result, asked=asked)


# -- tables --------------------------------------------------------------------------


def _visible_table(operator: Operator, name: str) -> None:
    if not _table_visible(operator, name):
        raise PageMissing()


def _table_page(
    request: Request,
    operator: Operator,
    name: str,
    *,
    problems: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    _visible_table(operator, name)
    try:
        table = read_table(console_of(request).hub.mapping_registry, name)
    except NotFound:
        raise PageMissing() from None
    return render(
        "mapping_table.html",
        {
            "operator": operator,
            "table": table,
            "problems": problems or [],
            "note": NOTES.get(request.query_params.get("note") or ""),
        },
        status_code=status_code,
    )


@router.get("/mappings/tables/{name}")
def table_page(
    name: str, request: Request, operator: Operator = Depends(allowed("mappings.view"))
) -> Response:
    return _table_page(request, operator, name)


@router.post("/mappings/tables/{name}/rows")
def save_row(
    name: str, request: Request, done: Posted = Depends(posted("mappings.edit"))
) -> Response:
    """Add a row, or change the row named by ``original`` (its key before the edit)."""
    _visible_table(done.operator, name)
    hub = console_of(request).hub
    cells = {
        key.removeprefix("cell:"): str(value)
        for key, value in done.form.multi_items()
        if key.startswith("cell:")
    }
    original = str(done.form.get("original") or "") or None
    try:
        outcome = set_row(
            hub.db,
            hub.clock,
            hub.mapping_registry,
            name,
            cells,
            actor=done.operator.actor,
            tenant_id=table_owner(name),
            replacing=original,
        )
    except ValidationFailed as failure:
        return _table_page(
            request, done.operator, name, problems=failure.reasons, status_code=422
        )
    except NotFound:
        raise PageMissing() from None
    except GatewayError as error:
        return _table_page(
            request, done.operator, name, problems=[str(error)], status_code=409
        )
    return RedirectResponse(f"/console/mappings/tables/{name}?note={outcome}", 303)


@router.post("/mappings/tables/{name}/remove")
def delete_row(
    name: str, request: Request, done: Posted = Depends(posted("mappings.edit"))
) -> Response:
    _visible_table(done.operator, name)
    hub = console_of(request).hub
    try:
        remove_row(
            hub.db,
            hub.clock,
            hub.mapping_registry,
            name,
            str(done.form.get("key") or ""),
            actor=done.operator.actor,
            tenant_id=table_owner(name),
        )
    except NotFound:
        raise PageMissing() from None
    except GatewayError as error:
        return _table_page(
            request, done.operator, name, problems=[str(error)], status_code=409
        )
    return RedirectResponse(f"/console/mappings/tables/{name}?note=removed", 303)


# -- item suggestions ----------------------------------------------------------------


@router.post("/mappings/suggestions/{ident}/{action}")
def decide(
    ident: int,
    action: str,
    request: Request,
    done: Posted = Depends(posted("mappings.edit")),
) -> Response:
    """``confirm`` writes the item into the tenant's item table; ``reject`` drops it."""
    if action not in ("confirm", "reject"):
        raise PageMissing()
    found = tenant_row(request, done.operator, ItemSuggestion, ident)
    hub = console_of(request).hub
    try:
        if action == "confirm":
            _confirm(hub, found, done.operator.actor)
        else:
            _reject(hub, found, done.operator.actor)
    except GatewayError as error:
        return _overview(
            request,
            done.operator,
            error=f"Не получилось: {error}",
            status_code=409,
        )
    return RedirectResponse(f"/console/mappings?note={action}ed#suggestions", 303)


def _confirm(hub: Hub, found: ItemSuggestion, actor: str) -> None:
    # The 1C connector owns the proposals and the table they fill.
    from connectors.onec.catalog_match import confirm_suggestions

    assert found.id is not None
    confirm_suggestions(hub, found.tenant_id, [found.id], actor=actor)


def _reject(hub: Hub, found: ItemSuggestion, actor: str) -> None:
    with hub.db.session() as session:
        row = session.get(ItemSuggestion, found.id)
        if row is None or row.state not in OPEN_SUGGESTIONS:
            state = row.state if row else "gone"
            raise ValidationFailed([f"предложение {found.id} уже {state}"])
        row.state = REJECTED
        row.decided_at = hub.clock.now()
        audit(
            session,
            hub.clock,
            actor,
            "item_suggestions.reject",
            f"item_suggestion:{found.id}",
            tenant_id=found.tenant_id,
            details={"client_item_id": row.client_item_id, "article": row.article},
        )
