"""Reading a request body ourselves: capped in size, parsed with a readable verdict."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from gateway.api.error_responses import ApiError

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


def json_object(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        raise BodyUnreadable("the body is empty; send a JSON object")
    try:
        body = json.loads(raw, parse_constant=_refuse_constant)
    except UnicodeDecodeError as exc:
        raise BodyUnreadable(f"the body is not UTF-8 text: {exc.reason}") from exc
    except json.JSONDecodeError as exc:
        raise BodyUnreadable(
            f"the body is not valid JSON: {exc.msg} at line {exc.lineno} "
            f"column {exc.colno}"
        ) from exc
    except ValueError as exc:
        raise BodyUnreadable(f"the body is not valid JSON: {exc}") from exc
    if not isinstance(body, dict):
        kind = _JSON_KINDS.get(type(body), "value")
        raise BodyUnreadable(f"the body is a JSON {kind}; send a JSON object")
    return body


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _too_large(limit: int) -> ApiError:
    return ApiError(413, f"the body is larger than the {limit} bytes the gateway takes")
