"""Claims in the console: the list, one claim with its answer, and the claim form.

The form opens from a line of the order page; it posts as multipart with photos.
The request is refused before it is read when it declares more than the 25 MB a
claim may have.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from starlette.datastructures import FormData, UploadFile

from gateway.api.attachments import download
from gateway.api.claims import BODY_LIMIT
from gateway.cabinet.claims import (
    REASONS,
    ClaimRefused,
    ClaimRequest,
    Claims,
    LineRequest,
    PhotoUpload,
    claim_lines,
    keep_refused,
    status_title,
)
from gateway.console.access import (
    PageMissing,
    allowed,
    console_of,
    posted,
    signed_in,
    tenant_row,
    visible,
)
from gateway.console.rendering import render
from gateway.console.sessions import Operator
from gateway.store.claims import Claim, ClaimPhoto
from gateway.store.tables import Order, OrderLine

router = APIRouter()

NOTES = {"filed": "Претензия сохранена и отправляется в Комус."}
PAGE_SIZE = 200


@router.get("/claims")
def claim_list(
    request: Request, operator: Operator = Depends(allowed("claims.view"))
) -> Response:
    query = select(Claim).order_by(Claim.created_at.desc(), Claim.id.desc())  # type: ignore[attr-defined]
    if operator.tenant_id is not None:
        query = query.where(Claim.tenant_id == operator.tenant_id)
    with console_of(request).hub.db.session() as session:
        claims = list(session.execute(query.limit(PAGE_SIZE)).scalars())
        orders = {
            o.id: o
            for o in session.execute(
                select(Order).where(
                    Order.id.in_({c.order_id for c in claims})  # type: ignore[union-attr]
                )
            ).scalars()
        }
    return render(
        "claims.html",
        {
            "operator": operator,
            "claims": claims,
            "orders": orders,
            "claim_status": status_title,
        },
    )


@router.get("/claims/{claim_id}")
def claim_page(
    claim_id: int,
    request: Request,
    operator: Operator = Depends(allowed("claims.view")),
) -> Response:
    claim = tenant_row(request, operator, Claim, claim_id)
    with console_of(request).hub.db.session() as session:
        order = session.get(Order, claim.order_id)
        lines = claim_lines(session, claim_id)
        photos = session.execute(
            select(ClaimPhoto.id, ClaimPhoto.filename, ClaimPhoto.size)
            .where(ClaimPhoto.claim_id == claim_id)
            .order_by(ClaimPhoto.id)
        ).all()
    return render(
        "claim.html",
        {
            "operator": operator,
            "claim": claim,
            "order": order,
            "lines": lines,
            "photos": photos,
            "reasons": REASONS,
            "claim_status": status_title,
            "note": NOTES.get(request.query_params.get("note", "")),
        },
    )


@router.get("/claims/{claim_id}/photos/{photo_id}")
def claim_photo(
    claim_id: int,
    photo_id: int,
    request: Request,
    operator: Operator = Depends(allowed("claims.view")),
) -> Response:
    tenant_row(request, operator, Claim, claim_id)
    with console_of(request).hub.db.session() as session:
        photo = session.get(ClaimPhoto, photo_id)
    if photo is None or photo.claim_id != claim_id:
        raise PageMissing()
    return download(photo.content, photo.content_type, photo.filename)


def _order(request: Request, operator: Operator, order_id: int) -> tuple[Order, list]:
    with console_of(request).hub.db.session() as session:
        order = session.get(Order, order_id)
        if order is None:
            raise PageMissing()
        visible(operator, order.tenant_id)
        lines = list(
            session.execute(
                select(OrderLine)
                .where(OrderLine.order_id == order_id)
                .order_by(OrderLine.line_no)
            ).scalars()
        )
    return order, lines


def _form(
    operator: Operator,
    order: Order,
    lines: list,
    values: dict[str, str],
    problems: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        "claim_form.html",
        {
            "operator": operator,
            "order": order,
            "lines": lines,
            "reasons": REASONS,
            "values": values,
            "problems": problems or [],
            "limit_mb": BODY_LIMIT // (1024 * 1024),
        },
        status_code=status_code,
    )


@router.get("/orders/{order_id}/claim")
def claim_form(
    order_id: int,
    request: Request,
    operator: Operator = Depends(allowed("claims.create")),
) -> Response:
    order, lines = _order(request, operator, order_id)
    values = {"line_no": request.query_params.get("line", ""), "reason": "damaged"}
    return _form(operator, order, lines, values)


@router.post("/orders/{order_id}/claim")
async def file_claim(
    order_id: int,
    request: Request,
    operator: Operator = Depends(signed_in),
) -> Response:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > BODY_LIMIT:
        order, lines = await run_in_threadpool(_order, request, operator, order_id)
        problem = (
            f"Претензия с фотографиями больше {BODY_LIMIT // (1024 * 1024)} МБ; "
            "уменьшите фотографии или приложите меньше."
        )
        return _form(operator, order, lines, {}, [problem], 413)
    done = await posted("claims.create")(request, operator)
    order, lines = await run_in_threadpool(_order, request, operator, order_id)
    values = {k: v for k, v in done.form.items() if isinstance(v, str) and k != "csrf"}
    claim_request = ClaimRequest(
        order_id=order_id,
        text=values.get("text", ""),
        lines=[
            LineRequest(
                values.get("line_no", ""),
                values.get("quantity", ""),
                values.get("reason", ""),
            )
        ],
        photos=await _photos(done.form),
    )
    try:
        claim_id = await run_in_threadpool(
            Claims(console_of(request).hub).create,
            claim_request,
            tenant=operator.tenant_id,
            actor=operator.actor,
        )
    except ClaimRefused as refused:
        if refused.status == 404:
            raise PageMissing() from refused
        fields = {**values, "order_id": order_id}
        await run_in_threadpool(
            keep_refused,
            console_of(request).hub,
            order.tenant_id,
            fields,
            claim_request.photos,
            refused,
            "console",
        )
        return _form(operator, order, lines, values, refused.reasons, refused.status)
    return RedirectResponse(f"/console/claims/{claim_id}?note=filed", 303)


async def _photos(form: FormData) -> list[PhotoUpload]:
    photos = []
    for upload in form.getlist("photos"):
        if isinstance(upload, UploadFile) and (upload.filename or upload.size):
            photos.append(PhotoUpload(upload.filename, await upload.read()))
    return photos
