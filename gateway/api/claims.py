"""Claims over REST: file one with photos, list them, read one and its photos.

``POST /claims`` takes ``multipart/form-data`` with a ``claim`` part (JSON:
``order_id``, ``text``, ``lines`` of ``line_no``, ``quantity``, ``reason``) and up to
ten ``photos`` (JPEG or PNG, 10 MB each, 25 MB the whole request), or the same JSON
as the whole body when there are no photos. A refused claim is answered 404, 413,
415 or 422 with the reasons, and what was sent (without the photo bytes) is kept in
the message log with the reason.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from sqlalchemy import select
from sqlmodel import Session
from starlette.datastructures import UploadFile

from gateway.api.access import within_tenant
from gateway.api.attachments import download
from gateway.api.auth import Caller, current_caller, require
from gateway.api.body import BodyUnreadable, json_object, read_capped
from gateway.api.dependencies import get_hub
from gateway.api.error_responses import ERROR_RESPONSES, ApiError
from gateway.api.paging import Page, Paging, paginate
from gateway.api.params import Id
from gateway.cabinet.claims import (
    REASONS,
    STATUS_TITLES,
    ClaimRefused,
    ClaimRequest,
    Claims,
    LineRequest,
    PhotoUpload,
    claim_lines,
    keep_refused,
    keep_unreadable,
)
from gateway.cabinet.photos import MAX_PHOTOS
from gateway.errors import NotFound, ValidationFailed
from gateway.hub import Hub
from gateway.store.claims import Claim, ClaimPhoto

router = APIRouter(prefix="/claims", tags=["claims"], responses=ERROR_RESPONSES)

BODY_LIMIT = 25 * 1024 * 1024
"""A whole claim request: text and photos together."""


class ClaimLineOut(BaseModel):
    line_no: int
    article: str
    quantity: Decimal
    reason: str


class ClaimPhotoOut(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int
    checksum: str
    link: str


class ClaimOut(BaseModel):
    id: int
    tenant_id: str
    order_id: int
    status: str
    text: str
    komus_claim_id: str | None
    answer: str | None
    error: str | None
    created_by: str
    created_at: datetime
    submitted_at: datetime | None
    answered_at: datetime | None
    lines: list[ClaimLineOut] = []
    photos: list[ClaimPhotoOut] = []


CLAIM_FIELDS = {
    "type": "object",
    "required": ["order_id", "text", "lines"],
    "properties": {
        "order_id": {"type": "integer", "minimum": 1},
        "text": {"type": "string", "maxLength": 4000},
        "lines": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["line_no", "quantity", "reason"],
                "properties": {
                    "line_no": {"type": "integer"},
                    "quantity": {"type": "string", "examples": ["1"]},
                    "reason": {"enum": sorted(REASONS)},
                },
            },
        },
    },
}
REQUEST_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["claim"],
                "properties": {
                    "claim": {**CLAIM_FIELDS, "description": "the claim as JSON text"},
                    "photos": {
                        "type": "array",
                        "maxItems": MAX_PHOTOS,
                        "items": {"type": "string", "format": "binary"},
                    },
                },
            }
        },
        "application/json": {"schema": CLAIM_FIELDS},
    },
}


@router.post(
    "",
    status_code=201,
    openapi_extra={"requestBody": REQUEST_BODY},
    response_model=ClaimOut,
    responses={
        413: {"description": "a photo or the request is too large"},
        415: {"description": "a file is not a JPEG or PNG"},
    },
)
async def post_claim(
    request: Request,
    caller: Caller = Depends(require("manager")),
    hub: Hub = Depends(get_hub),
) -> ClaimOut:
    """File a claim about lines of one of the caller's orders; Komus gets it next."""
    limit = min(BODY_LIMIT, hub.settings.server.max_body_bytes)
    raw = await read_capped(request, limit)
    content_type = request.headers.get("content-type", "")
    try:
        fields, photos = await _fields(request, raw, content_type)
    except ApiError as unreadable:
        message_id = await run_in_threadpool(
            keep_unreadable,
            hub,
            caller.tenant_id,
            raw,
            content_type,
            unreadable.message,
            "api",
        )
        if message_id is not None:
            unreadable.details = {
                **(unreadable.details or {}),
                "message_id": message_id,
            }
        raise
    try:
        claim_request = _request(fields, photos)
        claim_id = await run_in_threadpool(
            Claims(hub).create,
            claim_request,
            tenant=caller.tenant_id,
            actor=caller.actor,
        )
    except ClaimRefused as refused:
        message_id = await run_in_threadpool(
            keep_refused, hub, caller.tenant_id, fields, photos, refused, "api"
        )
        details: dict[str, Any] = {"reasons": refused.reasons}
        if message_id is not None:
            details["message_id"] = message_id
        raise ApiError(refused.status, str(refused), details=details) from refused
    return await run_in_threadpool(_claim_out, hub, claim_id)


@router.get("", response_model=Page[ClaimOut])
def list_claims(
    status: str | None = None,
    order_id: Id | None = None,
    tenant: str | None = Query(None, description="all-tenant tokens only"),
    paging: Paging = Depends(),
    caller: Caller = Depends(current_caller),
    hub: Hub = Depends(get_hub),
) -> Page[ClaimOut]:
    """Newest first."""
    query = within_tenant(select(Claim), Claim.tenant_id, caller, tenant)
    if status and status not in STATUS_TITLES:
        raise ValidationFailed(
            [f"status {status!r}: one of {', '.join(STATUS_TITLES)}"]
        )
    if status:
        query = query.where(Claim.status == status)
    if order_id is not None:
        query = query.where(Claim.order_id == order_id)
    query = query.order_by(Claim.created_at.desc(), Claim.id.desc())  # type: ignore[attr-defined]
    with hub.db.session() as session:
        return paginate(session, query, paging, lambda claim: _out(session, claim))


@router.get("/{claim_id}", response_model=ClaimOut)
def get_claim(
    claim_id: Id,
    caller: Caller = Depends(current_caller),
    hub: Hub = Depends(get_hub),
) -> ClaimOut:
    _visible(hub, caller, claim_id)
    return _claim_out(hub, claim_id)


@router.get("/{claim_id}/photos/{photo_id}")
def get_photo(
    claim_id: Id,
    photo_id: Id,
    caller: Caller = Depends(current_caller),
    hub: Hub = Depends(get_hub),
) -> Response:
    _visible(hub, caller, claim_id)
    with hub.db.session() as session:
        photo = session.get(ClaimPhoto, photo_id)
    if photo is None or photo.claim_id != claim_id:
        raise NotFound(f"claim {claim_id} has no photo {photo_id}")
    return download(photo.content, photo.content_type, photo.filename)


# -- helpers ---------------------------------------------------------------------------


async def _fields(
    request: Request, raw: bytes, content_type: str
) -> tuple[dict[str, Any], list[PhotoUpload]]:
    """The claim's fields and photos from a multipart or JSON body."""
    media_type = content_type.partition(";")[0].strip().lower()
    if media_type == "multipart/form-data":
        request._body = raw  # the form parser reads the body already taken
        return await _multipart(request)
    if media_type == "application/json":
        try:
            return json_object(raw), []
        except BodyUnreadable as unreadable:
            raise ApiError(
                unreadable.status, str(unreadable), code=unreadable.code
            ) from unreadable
    raise ApiError(
        415,
        f"a claim is sent as multipart/form-data (a 'claim' JSON part and "
        f"'photos' files) or as application/json; got {media_type or 'nothing'}",
    )


async def _multipart(request: Request) -> tuple[dict[str, Any], list[PhotoUpload]]:
    try:
        form = await request.form(max_files=MAX_PHOTOS + 1, max_fields=20)
    except Exception as exc:  # the multipart parser's own refusals
        raise ApiError(400, f"the multipart body cannot be read: {exc}") from exc
    try:
        part = form.get("claim")
        if part is None or isinstance(part, UploadFile):
            raise ApiError(
                422, "the form has no 'claim' part with the claim as JSON text"
            )
        try:
            fields = json_object(part.encode())
        except BodyUnreadable as unreadable:
            raise ApiError(422, f"the 'claim' part: {unreadable}") from unreadable
        photos = []
        for upload in form.getlist("photos"):
            if not isinstance(upload, UploadFile):
                raise ApiError(422, "each 'photos' part must be a file")
            photos.append(PhotoUpload(upload.filename, await upload.read()))
        return fields, photos
    finally:
        await form.close()


def _request(fields: dict[str, Any], photos: list[PhotoUpload]) -> ClaimRequest:
    order_id = fields.get("order_id")
    if isinstance(order_id, str) and order_id.isdigit():
        order_id = int(order_id)
    if not isinstance(order_id, int) or isinstance(order_id, bool) or order_id < 1:
        raise ClaimRefused(422, ["order_id: the id of one of your orders, a number"])
    lines = fields.get("lines")
    if not isinstance(lines, list):
        raise ClaimRefused(
            422, ["lines: a list of {line_no, quantity, reason} for the order's lines"]
        )
    return ClaimRequest(
        order_id=order_id,
        text=fields.get("text"),
        lines=[
            LineRequest(line.get("line_no"), line.get("quantity"), line.get("reason"))
            if isinstance(line, dict)
            else LineRequest(None, None, None)
            for line in lines
        ],
        photos=photos,
    )


def _visible(hub: Hub, caller: Caller, claim_id: int) -> None:
    with hub.db.session() as session:
        claim = session.get(Claim, claim_id)
    if claim is None or not caller.can_see(claim.tenant_id):
        raise NotFound(f"claim {claim_id} does not exist")


def _claim_out(hub: Hub, claim_id: int) -> ClaimOut:
    with hub.db.session() as session:
        claim = session.get(Claim, claim_id)
        if claim is None:
            raise NotFound(f"claim {claim_id} does not exist")
        return _out(session, claim)


def _out(session: Session, claim: Claim) -> ClaimOut:
    claim_id = claim.id
    lines = claim_lines(session, claim_id)
    photos = session.execute(
        select(
            ClaimPhoto.id,
            ClaimPhoto.filename,
            ClaimPhoto.content_type,
            ClaimPhoto.size,
            ClaimPhoto.checksum,
        )
        .where(ClaimPhoto.claim_id == claim_id)
        .order_by(ClaimPhoto.id)
    ).all()
    return ClaimOut(
        **claim.model_dump(exclude={"updated_at", "komus_status"}),
        lines=[ClaimLineOut(**line.model_dump()) for line in lines],
        photos=[
            ClaimPhotoOut(
                id=p.id,
                filename=p.filename,
                content_type=p.content_type,
                size=p.size,
                checksum=p.checksum,
                link=f"/api/v1/claims/{claim_id}/photos/{p.id}",
            )
            for p in photos
        ],
    )
