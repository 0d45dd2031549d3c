"""«Уведомления»: each signed-in user's own address, kinds of news and how they come."""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from gateway.console.access import Posted, allowed, console_of, posted
from gateway.console.rendering import render
from gateway.console.sessions import Operator
from gateway.errors import ValidationFailed
from gateway.notifications.kinds import KINDS, MODES
from gateway.notifications.preferences import preference_of, save_preference
from gateway.store.tables import ConsoleUser

router = APIRouter()

NOTES = {"saved": "Настройки уведомлений сохранены."}


def _page(
    request: Request,
    operator: Operator,
    values: dict[str, str],
    problems: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    settings = console_of(request).hub.settings
    return render(
        "notifications.html",
        {
            "operator": operator,
            "kinds": KINDS,
            "modes": MODES,
            "values": values,
            "problems": problems or [],
            "smtp_enabled": settings.smtp.enabled,
            "digest_hour": settings.notifications.digest_hour,
            "time_zone": settings.notifications.time_zone,
            "note": NOTES.get(request.query_params.get("note", "")),
        },
        status_code=status_code,
    )


@router.get("/notifications")
def notifications_page(
    request: Request, operator: Operator = Depends(allowed("notifications.own"))
) -> Response:
    with console_of(request).hub.db.session() as session:
        found = preference_of(session, operator.user_id)
    default = console_of(request).hub.settings.notifications
    values = {
        "email": (found.email if found else "") or "",
        "threshold": str(
            found.price_threshold_percent
            if found
            else Decimal(str(default.default_price_threshold_percent))
        ),
    }
    for kind in KINDS:
        values[f"mode_{kind}"] = (found.modes if found else {}).get(kind, "off")
    return _page(request, operator, values)


@router.post("/notifications")
async def save_notifications(
    request: Request, done: Posted = Depends(posted("notifications.own"))
) -> Response:
    values = {k: v for k, v in done.form.items() if isinstance(v, str) and k != "csrf"}
    hub = console_of(request).hub
    with hub.db.session() as session:
        user = session.get(ConsoleUser, done.operator.user_id)
        assert user is not None
        session.expunge(user)
    try:
        await run_in_threadpool(
            save_preference,
            hub.db,
            hub.clock,
            user,
            email=values.get("email", ""),
            modes={kind: values.get(f"mode_{kind}", "off") for kind in KINDS},
            threshold=values.get("threshold", ""),
        )
    except ValidationFailed as failed:
        return _page(request, done.operator, values, failed.reasons, 422)
    return RedirectResponse("/console/notifications?note=saved", 303)
