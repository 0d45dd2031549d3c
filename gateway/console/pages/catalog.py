"""Каталог: search the Komus catalog and put what is found into the cart."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from gateway.cabinet import cart
from gateway.cabinet.channel import catalog_of
from gateway.console.access import Posted, allowed, console_of, posted
from gateway.console.rendering import render
from gateway.console.sessions import Operator
from gateway.console.shopping import REFUSALS, actor_of, attempt, back, shown_on
from gateway.console.tenant_choice import switchable, tenant_of
from gateway.errors import RetryableError

router = APIRouter()

NOTES = {"added": "Добавлено в корзину."}


def _page(
    request: Request,
    operator: Operator,
    *,
    tenant_name: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    hub = console_of(request).hub
    tenant = tenant_of(request, operator, tenant_name)
    params = request.query_params
    query = params.get("q", "")
    category = params.get("category", "")
    address = params.get("address") or None
    catalog = catalog_of(hub)
    result, categories = None, []
    try:
        snapshot = catalog.snapshot(tenant)
        categories = sorted(
            (cid, name) for cid, (parent, name) in snapshot.categories.items() if parent
        )
        if query.strip() or category:
            result = catalog.search(
                tenant,
                query,
                category_id=int(category) if category.isdigit() else None,
                address_code=address,
                page=int(params.get("page", "1") or 1)
                if params.get("page", "1").isdigit()
                else 1,
            )
    except REFUSALS as refusal:
        error = "; ".join(getattr(refusal, "reasons", None) or [str(refusal)])
        status_code = 422
    except RetryableError as unavailable:
        error = f"Каталог Комуса сейчас недоступен: {unavailable}. Повторите позже."
        status_code = 503
    return render(
        "catalog.html",
        {
            "operator": operator,
            "tenant": tenant,
            "tenants": switchable(hub, operator),
            "query": query,
            "category": category,
            "address": address or "",
            "categories": categories,
            "result": result,
            "error": error,
            "note": NOTES.get(params.get("note", "")),
        },
        status_code=status_code,
    )


@router.get("/catalog")
def catalog_page(
    request: Request, operator: Operator = Depends(allowed("catalog.view"))
) -> Response:
    return _page(request, operator)


@router.post("/catalog/add")
def add_to_cart(
    request: Request, done: Posted = Depends(posted("cart.order"))
) -> Response:
    form = done.form
    hub = console_of(request).hub
    tenant = tenant_of(request, done.operator, form.get("tenant"))
    refused = attempt(
        lambda: cart.add(
            hub,
            catalog_of(hub),
            tenant,
            actor_of(done.operator),
            str(form.get("article") or ""),
            form.get("quantity"),
        ),
        shown_on(_page, request, done.operator, tenant),
    )
    if refused is not None:
        return refused
    return back(
        "/console/catalog",
        tenant,
        q=str(form.get("q") or ""),
        category=str(form.get("category") or ""),
        note="added",
    )
