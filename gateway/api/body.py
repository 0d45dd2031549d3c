"""Reading a request body ourselves: capped in size, parsed with a readable verdict."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from gateway.api.error_responses import MALFORMED_JSON, ApiError, json_failure

_JSON_KINDS = {
    list: "array",
    str: "string",
    int: "number",
    float: "number",
    bool: "boolean",
    type(None): "null",
}


class BodyUnreadable(Exception):
    """The body is not a JSON object; the message says why, for the sender."""

    status = 400
    code = MALFORMED_JSON


class NotDeclaredJson(BodyUnreadable):
    """The body comes as some other media type, or as none at all."""

    status = 415
    code = "unsupported_media_type"


async def read_capped(request: Request, limit: int) -> bytes:
    """The raw body, or 413 as soon as it is known to exceed ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def require_json(content_type: str) -> None:
    """Take ``application/json`` or ``application/*+json``, whatever the charset."""
    if not content_type:
        raise NotDeclaredJson(
            "the request has no Content-Type; send the body as JSON with "
            "Content-Type: application/json"
        )
    media_type = content_type.partition(";")[0].strip().lower()
    kind, _, subtype = media_type.partition("/")
    if kind != "application" or not (subtype == "json" or subtype.endswith("+json")):
        raise NotDeclaredJson(
            f"the body is declared as {media_type!r}; send it as JSON with "
            "Content-Type: application/json"
        )


def json_object(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        raise BodyUnreadable("the body is empty; send a JSON object")
    try:
        body = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        reason = json_failure(exc) or f"the body is not valid JSON: {exc}"
        raise BodyUnreadable(reason) from exc
    if not isinstance(body, dict):
        kind = _JSON_KINDS.get(type(body), "value")
        raise BodyUnreadable(f"the body is a JSON {kind}; send a JSON object")
    return body


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _too_large(limit: int) -> ApiError:
    return ApiError(413, f"the body is larger than the {limit} bytes the gateway takes")
