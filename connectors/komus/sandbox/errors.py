"""Errors in Komus's shape: ``{status, message, details?}``."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


class KomusError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        details: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details
        self.headers = headers


def error_body(status: int, message: str, details: list[str] | None = None) -> dict:
    body: dict[str, Any] = {"status": status, "message": message}
    if details:
        body["details"] = details
    return body


def error_response(
    status: int,
    message: str,
    details: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(error_body(status, message, details), status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(KomusError)
    async def _komus(_request: Request, error: KomusError) -> JSONResponse:
        return error_response(error.status, error.message, error.details, error.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(
        _request: Request, error: RequestValidationError
    ) -> JSONResponse:
        details = [_describe(problem) for problem in error.errors()]
        return error_response(400, "Некорректный запрос", details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        message = "Метод не найден" if error.status_code == 404 else str(error.detail)
        return error_response(error.status_code, message)


def _describe(problem: dict) -> str:
    where = ".".join(str(part) for part in problem.get("loc", ()) if part != "body")
    return f"{where}: {problem.get('msg', 'invalid')}" if where else problem["msg"]
