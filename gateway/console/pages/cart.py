"""Корзина и шаблоны: change the cart, save it as a template, load one, order."""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from gateway.cabinet import budgets, cart, templates
from gateway.cabinet.channel import catalog_of, install
from gateway.cabinet.checkout import check_out
from gateway.console.access import Posted, allowed, console_of, posted
from gateway.console.rendering import render
from gateway.console.sessions import Operator
from gateway.console.shopping import actor_of, attempt, back, shown_on
from gateway.console.tenant_choice import switchable, tenant_of
from gateway.errors import RetryableError

router = APIRouter()

NOTES = {
    "changed": "Корзина изменена.",
    "saved": "Корзина сохранена как шаблон.",
    "loaded": "Шаблон добавлен в корзину.",
    "deleted": "Шаблон удалён.",
    "ordered": "Заказ оформлен и передаётся в Комус.",
    "held": "Заказ оформлен и ждёт согласования (см. «Согласование»).",
}


def _cart_page(
    request: Request,
    operator: Operator,
    *,
    tenant_name: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    hub = console_of(request).hub
    tenant = tenant_of(request, operator, tenant_name)
    actor = actor_of(operator)
    try:
        lines = cart.priced(hub, catalog_of(hub), tenant, actor.owner)
    except RetryableError as unavailable:
        lines = []
        error = f"Цены Комуса сейчас недоступны: {unavailable}. Повторите позже."
        status_code = 503
    total = sum((p.amount or Decimal(0) for p in lines), Decimal("0.00"))
    return render(
        "cart.html",
        {
            "operator": operator,
            "tenant": tenant,
            "tenants": switchable(hub, operator),
            "lines": lines,
            "total": total,
            "cost_centers": budgets.cost_centers(hub, tenant.id),
            "error": error,
            "note": NOTES.get(request.query_params.get("note", "")),
        },
        status_code=status_code,
    )


def _templates_page(
    request: Request,
    operator: Operator,
    *,
    tenant_name: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    hub = console_of(request).hub
    tenant = tenant_of(request, operator, tenant_name)
    skipped = request.query_params.get("skipped")
    return render(
        "order_templates.html",
        {
            "operator": operator,
            "tenant": tenant,
            "tenants": switchable(hub, operator),
            "templates": templates.listing(hub, tenant.id),
            "error": error,
            "note": NOTES.get(request.query_params.get("note", "")),
            "skipped": int(skipped) if skipped and skipped.isdigit() else 0,
        },
        status_code=status_code,
    )


@router.get("/cart")
def cart_page(
    request: Request, operator: Operator = Depends(allowed("cart.order"))
) -> Response:
    return _cart_page(request, operator)


def _cart_change(request: Request, done: Posted, action) -> Response:  # noqa: ANN001
    tenant = tenant_of(request, done.operator, done.form.get("tenant"))
    refused = attempt(
        lambda: action(tenant),
        shown_on(_cart_page, request, done.operator, tenant),
    )
    return refused or back("/console/cart", tenant, note="changed")


@router.post("/cart/change")
def change_line(request: Request, done: Posted = Depends(posted("cart.order"))):
    hub = console_of(request).hub
    form = done.form
    return _cart_change(
        request,
        done,
        lambda tenant: cart.change(
            hub,
            catalog_of(hub),
            tenant,
            actor_of(done.operator),
            str(form.get("article") or ""),
            form.get("quantity"),
        ),
    )


@router.post("/cart/remove")
def remove_line(request: Request, done: Posted = Depends(posted("cart.order"))):
    hub = console_of(request).hub
    article = str(done.form.get("article") or "")
    return _cart_change(
        request,
        done,
        lambda tenant: cart.remove(hub, tenant.id, actor_of(done.operator), article),
    )


@router.post("/cart/clear")
def clear_cart(request: Request, done: Posted = Depends(posted("cart.order"))):
    hub = console_of(request).hub
    owner = actor_of(done.operator).owner
    return _cart_change(request, done, lambda tenant: cart.clear(hub, tenant.id, owner))


@router.post("/cart/checkout")
def checkout(request: Request, done: Posted = Depends(posted("cart.order"))):
    hub = console_of(request).hub
    form = done.form
    tenant = tenant_of(request, done.operator, form.get("tenant"))
    install(hub)
    placed = []
    refused = attempt(
        lambda: placed.append(
            check_out(
                hub,
                catalog_of(hub),
                tenant,
                actor_of(done.operator),
                delivery_address=form.get("delivery_address"),
                cost_center=form.get("cost_center"),
                comment=form.get("comment"),
            )
        ),
        shown_on(_cart_page, request, done.operator, tenant),
    )
    if refused is not None:
        return refused
    note = "held" if placed[0].awaiting_approval else "ordered"
    return back("/console/cart", tenant, note=note)


@router.get("/templates")
def templates_page(
    request: Request, operator: Operator = Depends(allowed("cart.order"))
) -> Response:
    return _templates_page(request, operator)


@router.post("/templates")
def save_template(request: Request, done: Posted = Depends(posted("cart.order"))):
    hub = console_of(request).hub
    tenant = tenant_of(request, done.operator, done.form.get("tenant"))
    name = str(done.form.get("name") or "")
    refused = attempt(
        lambda: templates.save_cart(hub, tenant.id, actor_of(done.operator), name),
        shown_on(_cart_page, request, done.operator, tenant),
    )
    return refused or back("/console/templates", tenant, note="saved")


@router.post("/templates/{template_id}/load")
def load_template(
    template_id: int, request: Request, done: Posted = Depends(posted("cart.order"))
):
    hub = console_of(request).hub
    tenant = tenant_of(request, done.operator, done.form.get("tenant"))
    loaded = []
    refused = attempt(
        lambda: loaded.append(
            templates.load_into_cart(
                hub, catalog_of(hub), tenant, actor_of(done.operator), template_id
            )
        ),
        shown_on(_templates_page, request, done.operator, tenant),
    )
    if refused is not None:
        return refused
    if loaded[0].skipped:
        return _templates_page(
            request,
            done.operator,
            tenant_name=tenant.id,
            error="Не все строки шаблона попали в корзину: "
            + "; ".join(loaded[0].skipped),
        )
    return back("/console/cart", tenant, note="loaded")


@router.post("/templates/{template_id}/delete")
def delete_template(
    template_id: int, request: Request, done: Posted = Depends(posted("cart.order"))
):
    hub = console_of(request).hub
    tenant = tenant_of(request, done.operator, done.form.get("tenant"))
    refused = attempt(
        lambda: templates.delete_template(
            hub, tenant.id, actor_of(done.operator), template_id
        ),
        shown_on(_templates_page, request, done.operator, tenant),
    )
    return refused or back("/console/templates", tenant, note="deleted")
