"""Settings, for admins, per tenant: requisites, delivery addresses, credentials,
webhook endpoints.

Requisites and addresses are stored over config.yaml (``gateway.tenant_overlay``)
and take effect at once. A new secret (token, hook address, signing secret, 1C
exchange password) is shown on the page that answers the POST and never again; the
URL does not carry it.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from gateway.console.access import (
    PageMissing,
    Posted,
    allowed,
    console_of,
    posted,
    visible,
)
from gateway.console.credentials import (
    Issued,
    add_subscription,
    event_types,
    onec_password,
    rotate_hook,
    rotate_onec_password,
    rotate_subscription,
    rotate_token,
    set_subscription_disabled,
    tenant_hooks,
    tenant_subscriptions,
    tenant_tokens,
)
from gateway.console.rendering import render
from gateway.console.sessions import Operator
from gateway.errors import GatewayError, NotFound, ValidationFailed
from gateway.hub import Hub
from gateway.tenant_overlay import (
    overlay_of,
    save_address,
    set_address_disabled,
    set_requisites,
)

router = APIRouter()

NOTES = {
    "requisites": "Реквизиты сохранены и уже действуют.",
    "address": "Адрес сохранён и уже действует.",
    "disabled": "Адрес отключён: заявки с ним будут задержаны.",
    "enabled": "Адрес снова действует.",
    "webhook-disabled": "Отправка событий на адрес остановлена.",
    "webhook-enabled": "Отправка событий на адрес возобновлена.",
}


def _tenant(request: Request, operator: Operator, tenant_id: str) -> None:
    visible(operator, tenant_id)
    if console_of(request).hub.settings.tenant(tenant_id) is None:
        raise PageMissing()


@router.get("/settings")
def settings_home(
    request: Request, operator: Operator = Depends(allowed("settings.manage"))
) -> Response:
    tenants = [t.id for t in console_of(request).hub.settings.tenants]
    mine = [t for t in tenants if operator.can_see(t)]
    if not mine:
        raise PageMissing()
    return RedirectResponse(f"/console/settings/{mine[0]}", 303)


def _page(
    request: Request,
    operator: Operator,
    tenant_id: str,
    *,
    problems: list[str] | None = None,
    issued: Issued | None = None,
    status_code: int = 200,
) -> Response:
    hub = console_of(request).hub
    tenant = hub.settings.tenant(tenant_id)
    assert tenant is not None
    overlay = overlay_of(hub.settings)
    stored = {row.code: row for row in overlay.edits_of(tenant_id).addresses}
    seed = overlay.seed(tenant_id)
    onec = seed.channels.get("onec") if seed else None
    return render(
        "settings.html",
        {
            "operator": operator,
            "tenant": tenant,
            "tenants": [t.id for t in hub.settings.tenants if operator.can_see(t.id)],
            "stored": stored,
            "disabled": [row for row in stored.values() if row.disabled],
            "requisites_edited": overlay.edits_of(tenant_id).requisites,
            "onec_login": onec.login if onec and onec.enabled else None,
            "onec_password": onec_password(hub, tenant_id),
            "tokens": tenant_tokens(hub, tenant_id),
            "hooks": tenant_hooks(hub, tenant_id),
            "subscriptions": tenant_subscriptions(hub, tenant_id),
            "event_types": event_types(),
            "problems": problems or [],
            "issued": issued,
            "note": NOTES.get(request.query_params.get("note") or ""),
        },
        status_code=status_code,
    )


@router.get("/settings/{tenant_id}")
def settings_page(
    tenant_id: str,
    request: Request,
    operator: Operator = Depends(allowed("settings.manage")),
) -> Response:
    _tenant(request, operator, tenant_id)
    return _page(request, operator, tenant_id)


def _refused(
    request: Request, done: Posted, tenant_id: str, error: GatewayError
) -> Response:
    if isinstance(error, NotFound):
        raise PageMissing()
    reasons = error.reasons if isinstance(error, ValidationFailed) else [str(error)]
    return _page(request, done.operator, tenant_id, problems=reasons, status_code=422)


def _done(tenant_id: str, note: str) -> Response:
    return RedirectResponse(f"/console/settings/{tenant_id}?note={note}", 303)


def _issue(
    request: Request,
    done: Posted,
    tenant_id: str,
    issue: Callable[[Hub, str], Issued],
) -> Response:
    """Make a new secret with ``issue(hub, actor)`` and show it on this answer only."""
    _tenant(request, done.operator, tenant_id)
    hub = console_of(request).hub
    try:
        issued = issue(hub, done.operator.actor)
    except GatewayError as error:
        return _refused(request, done, tenant_id, error)
    return _page(request, done.operator, tenant_id, issued=issued)


@router.post("/settings/{tenant_id}/requisites")
def save_requisites(
    tenant_id: str, request: Request, done: Posted = Depends(posted("settings.manage"))
) -> Response:
    _tenant(request, done.operator, tenant_id)
    hub = console_of(request).hub
    form = done.form
    try:
        set_requisites(
            hub.db,
            hub.clock,
            hub.settings,
            tenant_id,
            str(form.get("legal_name") or ""),
            str(form.get("inn") or ""),
            str(form.get("kpp") or ""),
            actor=done.operator.actor,
        )
    except GatewayError as error:
        return _refused(request, done, tenant_id, error)
    return _done(tenant_id, "requisites")


@router.post("/settings/{tenant_id}/addresses")
def save_delivery_address(
    tenant_id: str, request: Request, done: Posted = Depends(posted("settings.manage"))
) -> Response:
    _tenant(request, done.operator, tenant_id)
    hub = console_of(request).hub
    form = done.form
    try:
        save_address(
            hub.db,
            hub.clock,
            hub.settings,
            tenant_id,
            code=str(form.get("code") or ""),
            address=str(form.get("address") or ""),
            komus_address_id=str(form.get("komus_address_id") or ""),
            default=form.get("default") == "on",
            actor=done.operator.actor,
        )
    except GatewayError as error:
        return _refused(request, done, tenant_id, error)
    return _done(tenant_id, "address")


@router.post("/settings/{tenant_id}/addresses/{code}/{action}")
def switch_address(
    tenant_id: str,
    code: str,
    action: str,
    request: Request,
    done: Posted = Depends(posted("settings.manage")),
) -> Response:
    if action not in ("disable", "enable"):
        raise PageMissing()
    _tenant(request, done.operator, tenant_id)
    hub = console_of(request).hub
    try:
        set_address_disabled(
            hub.db,
            hub.clock,
            hub.settings,
            tenant_id,
            code,
            action == "disable",
            actor=done.operator.actor,
        )
    except GatewayError as error:
        return _refused(request, done, tenant_id, error)
    return _done(tenant_id, f"{action}d")


@router.post("/settings/{tenant_id}/tokens/{token_id}/rotate")
def rotate_api_token(
    tenant_id: str,
    token_id: int,
    request: Request,
    done: Posted = Depends(posted("settings.manage")),
) -> Response:
    return _issue(
        request,
        done,
        tenant_id,
        lambda hub, actor: rotate_token(hub, token_id, tenant_id, actor=actor),
    )


@router.post("/settings/{tenant_id}/hooks/{hook_id}/rotate")
def rotate_crm_hook(
    tenant_id: str,
    hook_id: int,
    request: Request,
    done: Posted = Depends(posted("settings.manage")),
) -> Response:
    return _issue(
        request,
        done,
        tenant_id,
        lambda hub, actor: rotate_hook(hub, hook_id, tenant_id, actor=actor),
    )


@router.post("/settings/{tenant_id}/onec-password/rotate")
def rotate_onec_exchange_password(
    tenant_id: str, request: Request, done: Posted = Depends(posted("settings.manage"))
) -> Response:
    return _issue(
        request,
        done,
        tenant_id,
        lambda hub, actor: rotate_onec_password(hub, tenant_id, actor=actor),
    )


@router.post("/settings/{tenant_id}/webhooks")
def add_webhook(
    tenant_id: str, request: Request, done: Posted = Depends(posted("settings.manage"))
) -> Response:
    _tenant(request, done.operator, tenant_id)
    hub = console_of(request).hub
    form = done.form
    types = [str(value) for value in form.getlist("event_types")]
    description = str(form.get("description") or "").strip()[:255] or None
    try:
        issued = add_subscription(
            hub,
            tenant_id,
            str(form.get("url") or "").strip(),
            types,
            description,
            actor=done.operator.actor,
        )
    except GatewayError as error:
        return _refused(request, done, tenant_id, error)
    return _page(request, done.operator, tenant_id, issued=issued)


@router.post("/settings/{tenant_id}/webhooks/{subscription_id}/{action}")
def change_webhook(
    tenant_id: str,
    subscription_id: int,
    action: str,
    request: Request,
    done: Posted = Depends(posted("settings.manage")),
) -> Response:
    if action not in ("rotate", "disable", "enable"):
        raise PageMissing()
    _tenant(request, done.operator, tenant_id)
    hub = console_of(request).hub
    actor = done.operator.actor
    try:
        if action == "rotate":
            issued = rotate_subscription(hub, subscription_id, tenant_id, actor=actor)
            return _page(request, done.operator, tenant_id, issued=issued)
        set_subscription_disabled(
            hub, subscription_id, tenant_id, action == "disable", actor=actor
        )
    except GatewayError as error:
        return _refused(request, done, tenant_id, error)
    return _done(tenant_id, f"webhook-{action}d")
