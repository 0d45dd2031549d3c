"""Every error the API answers with, in one envelope.

``{"error": {"code": "not_found", "message": "...", "details": {...}}}``; ``details``
appears only when there is more to say (the fields of an invalid request, the reasons
a requisition cannot be ordered).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.routing import Match

from gateway.errors import (
    FinalError,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    RetryableError,
    ValidationFailed,
)

log = structlog.get_logger(__name__)

CODES_BY_STATUS = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    503: "unavailable",
}
MALFORMED_JSON = "malformed_json"
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class ErrorBody(BaseModel):
    code: str
    message: str
    details: dict[str, Any] | None = None


class ErrorEnvelope(BaseModel):
    error: ErrorBody


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope} for status in (401, 403, 404, 422)
}
"""What a router tells OpenAPI about its failures."""


class ApiError(Exception):
    """An answer the API gives on purpose that no gateway error describes."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.code = code or CODES_BY_STATUS.get(status, "error")
        self.message = message
        self.details = details
        self.headers = headers


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(NotFound, _simple(404, "not_found"))
    app.add_exception_handler(PermissionDenied, _simple(403, "forbidden"))
    app.add_exception_handler(FinalError, _simple(409, "conflict"))
    app.add_exception_handler(InvalidTransition, _simple(409, "conflict"))
    app.add_exception_handler(ValidationFailed, _validation_failed)
    app.add_exception_handler(RetryableError, _retryable)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(HTTPException, _http_exception)
    app.add_exception_handler(Exception, _unexpected)


def _simple(status: int, code: str) -> Any:
    async def handler(_request: Request, exc: Exception) -> JSONResponse:
        return error_response(status, code, str(exc))

    return handler


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(
        exc.status, exc.code, exc.message, details=exc.details, headers=exc.headers
    )


async def _validation_failed(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ValidationFailed)
    return error_response(
        422, "validation_failed", str(exc), details={"reasons": exc.reasons}
    )


async def _retryable(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RetryableError)
    headers = None
    if exc.retry_after is not None:
        headers = {"Retry-After": str(max(1, round(exc.retry_after)))}
    return error_response(
        503, "unavailable", f"{exc}; try again shortly", headers=headers
    )


async def _invalid_request(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    unreadable = _json_invalid(exc)
    if unreadable:
        return error_response(400, MALFORMED_JSON, unreadable)
    summary, fields = field_errors(exc.errors())
    return error_response(422, "invalid_request", summary, details={"fields": fields})


def json_failure(exc: BaseException | None) -> str | None:
    """Why ``json.loads`` failed, for the sender; None for any other exception."""
    if isinstance(exc, json.JSONDecodeError):
        return (
            f"the body is not valid JSON: {exc.msg} at line {exc.lineno} "
            f"column {exc.colno}"
        )
    if isinstance(exc, UnicodeDecodeError):
        return f"the body is not UTF-8 text: {exc.reason}"
    if isinstance(exc, RecursionError):
        return "the body nests arrays or objects too deeply to be read"
    return None


def _json_invalid(exc: RequestValidationError) -> str | None:
    """FastAPI's own verdict on a body it could not parse, told like ours."""
    invalid = [e for e in exc.errors() if e.get("type") == "json_invalid"]
    if not invalid:
        return None
    reason = invalid[0].get("ctx", {}).get("error", "")
    position = invalid[0]["loc"][-1]
    if isinstance(exc.body, str) and isinstance(position, int):
        return json_failure(json.JSONDecodeError(reason, exc.body, position))
    return f"the body is not valid JSON: {reason}"


def field_errors(errors: Sequence[Any]) -> tuple[str, list[dict[str, Any]]]:
    """Pydantic's errors as a one-line summary and a list of located fields."""
    fields = [
        {
            "location": [str(part) for part in error.get("loc", ())],
            "message": error.get("msg", ""),
            "type": error.get("type", ""),
        }
        for error in errors
    ]
    located = "; ".join(f"{'.'.join(f['location'])}: {f['message']}" for f in fields)
    return f"the request does not match the API: {located}", fields


async def _http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    unreadable = json_failure(exc.__cause__)
    if exc.status_code == 400 and unreadable:
        return error_response(400, MALFORMED_JSON, unreadable)
    if exc.status_code == 405:
        return _method_not_allowed(request, exc)
    return error_response(
        exc.status_code,
        CODES_BY_STATUS.get(exc.status_code, "error"),
        str(exc.detail),
        headers=exc.headers,
    )


def _method_not_allowed(request: Request, exc: HTTPException) -> JSONResponse:
    """405 with every method the path takes: Starlette names the first route's only."""
    allowed = [
        method
        for method in HTTP_METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL
            for route in request.app.router.routes
        )
    ]
    allow = ", ".join(allowed) or (exc.headers or {}).get("Allow", "")
    return error_response(
        405,
        "method_not_allowed",
        f"{request.method} is not allowed here; allowed: {allow}",
        headers={"Allow": allow},
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    request_id = getattr(request.state, "request_id", None)
    log.error("request_crashed", error=repr(exc), exc_info=exc)
    return error_response(
        500,
        "internal_error",
        f"the gateway failed unexpectedly; its log has the details "
        f"(request id {request_id})",
    )
