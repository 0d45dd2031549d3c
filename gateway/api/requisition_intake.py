"""Requisitions posted over HTTP: the API channel's way onto the shared path.

The raw body is what the message log keeps, byte for byte, and what the pipeline
reads; the answer says what became of it. The body is validated only for its shape
(so that a sender hears about a missing ``external_id`` at once); everything else,
such as a missing quantity or an unknown unit, holds the requisition with a reason.
"""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gateway.api.auth import Caller, require
from gateway.api.body import BodyUnreadable, json_object, read_capped, require_json
from gateway.api.dependencies import get_hub
from gateway.api.error_responses import ApiError, ErrorEnvelope, field_errors
from gateway.api.refusals import keep_refused, log_unattributed
from gateway.api.schemas import IntakeOut
from gateway.config import Settings
from gateway.errors import GatewayError, PermissionDenied, ValidationFailed
from gateway.hub import Hub
from gateway.plain import record_from_json

API_CHANNEL = "api"
UNDECLARED_TYPE = "application/octet-stream"
"""What a refused body sent without a Content-Type is kept as."""
STATUS_BY_OUTCOME = {"created": 201, "updated": 201, "failed": 422}
"""Anything else (duplicate, stale, cancelled, after_order) changed nothing new: 200."""

router = APIRouter(prefix="/requisitions", tags=["requisitions"])


class LineIn(BaseModel):
    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True)

    line_no: int | None = Field(None, description="defaults to the line's position")
    client_item_code: str | None = None
    client_item_name: str | None = None
    article: str | None = Field(None, description="Komus article, digits")
    quantity: str | int | float | None = Field(None, examples=["2", "0.5"])
    unit_code: str | None = Field(None, description="ОКЕИ code; 796 (pieces) if none")
    expected_price: str | int | float | None = Field(None, examples=["123.45"])
    vat_rate: str | None = Field(None, examples=["22", "без НДС"])


class RequisitionIn(BaseModel):
    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True)

    tenant: str | None = Field(
        None, description="required with an all-tenant token, else its own tenant"
    )
    external_id: str = Field(min_length=1, max_length=255)
    revision: str | None = Field(None, max_length=64)
    number: str | None = None
    document_date: str | None = Field(None, examples=["2026-03-31"])
    delivery_address_code: str | None = None
    cost_center: str | None = None
    comment: str | None = None
    lines: list[LineIn]


def _request_body_schema() -> dict[str, Any]:
    """The body's JSON Schema with its definitions inlined, as OpenAPI wants it."""
    schema = RequisitionIn.model_json_schema()
    definitions = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return inline(definitions[node["$ref"].rsplit("/", 1)[-1]])
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(value) for value in node]
        return node

    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": inline(schema)}},
        }
    }


@router.post(
    "",
    status_code=201,
    response_model=IntakeOut,
    responses={
        200: {"model": IntakeOut, "description": "a duplicate or stale revision"},
        400: {"model": ErrorEnvelope, "description": "the body is not JSON"},
        401: {"model": ErrorEnvelope},
        403: {"model": ErrorEnvelope},
        413: {"model": ErrorEnvelope},
        415: {"model": ErrorEnvelope, "description": "the body is not sent as JSON"},
        422: {"description": "the body's shape is wrong, or the mapping failed"},
    },
    openapi_extra=_request_body_schema(),
)
async def post_requisition(
    request: Request,
    response: Response,
    tenant: str | None = Query(
        None, description="the tenant, instead of naming it in the body"
    ),
    caller: Caller = Depends(require("manager")),
    hub: Hub = Depends(get_hub),
) -> IntakeOut:
    """Take a requisition in: 201 when new or changed, 200 when already known."""
    raw = await read_capped(request, hub.settings.server.max_body_bytes)
    content_type = request.headers.get("content-type", "")

    try:
        require_json(content_type)
        body = json_object(raw)
    except BodyUnreadable as unreadable:
        reason = str(unreadable)
        stored_as = content_type or UNDECLARED_TYPE
        kept = await _keep(hub, caller, [tenant], raw, stored_as, reason)
        raise ApiError(
            unreadable.status, reason, code=unreadable.code, details=kept
        ) from unreadable
    try:
        RequisitionIn.model_validate(body)
    except ValidationError as invalid:
        summary, fields = field_errors(
            [{**e, "loc": ("body", *e["loc"])} for e in invalid.errors()]
        )
        named = [tenant, _text(body.get("tenant"))]
        kept = await _keep(hub, caller, named, raw, content_type, summary, body)
        raise ApiError(
            422, summary, code="invalid_request", details={"fields": fields, **kept}
        ) from invalid

    owner = resolve_tenant(caller, [tenant, _text(body.get("tenant"))], hub.settings)
    request.state.tenant = owner
    structlog.contextvars.bind_contextvars(tenant=owner)
    record = record_from_json(owner, API_CHANNEL, body, raw)
    intake = await run_in_threadpool(hub.pipeline.receive, record)
    response.status_code = STATUS_BY_OUTCOME.get(intake.outcome, 200)
    return IntakeOut.model_validate(intake)


def resolve_tenant(caller: Caller, named: list[str | None], settings: Settings) -> str:
    """The tenant a posted requisition belongs to, from the query, body or token."""
    distinct = sorted({name for name in named if name})
    if len(distinct) > 1:
        raise ValidationFailed(
            [f"the query and the body name different tenants: {', '.join(distinct)}"]
        )
    tenant = distinct[0] if distinct else caller.tenant_id
    if tenant is None:
        raise ValidationFailed(
            ["an all-tenant token must name the tenant, in the body or as ?tenant="]
        )
    if not caller.can_see(tenant):
        raise PermissionDenied(
            f"this token may post requisitions for tenant {caller.tenant_id!r} only"
        )
    if settings.tenant(tenant) is None:
        raise ValidationFailed([f"tenant {tenant!r} is not configured"])
    return tenant


async def _keep(
    hub: Hub,
    caller: Caller,
    named: list[str | None],
    raw: bytes,
    content_type: str,
    reason: str,
    body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Keep a refused body when its tenant is known; details for the error answer."""
    try:
        owner = resolve_tenant(caller, named, hub.settings)
    except GatewayError:
        log_unattributed(API_CHANNEL, raw, reason)
        return {"message_id": None}
    external_id = _text((body or {}).get("external_id"))
    message_id = await run_in_threadpool(
        keep_refused,
        hub,
        owner,
        API_CHANNEL,
        raw,
        content_type=content_type,
        reason=reason,
        external_id=external_id[:255] if external_id else None,
    )
    return {"message_id": message_id}


def _text(value: Any) -> str | None:
    """A string or whole number from the body as text; None for anything else."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value) or None
