"""SAP's shapes for bad news: the error body, the logon page, the short dump."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi.responses import HTMLResponse, JSONResponse, Response

LOGON_PAGE = """<!DOCTYPE html>
<html><head><title>Logon</title></head>
<body><form method="post" action="/sap/bc/gui/sap/its/logon">
<h1>SAP NetWeaver Application Server</h1>
<label>User <input name="sap-user"></label>
<label>Password <input name="sap-password" type="password"></label>
<button>Log On</button></form></body></html>
"""

SHORT_DUMP = """<!DOCTYPE html>
<html><head><title>500 SAP Internal Server Error</title></head>
<body><h2>500 SAP Internal Server Error</h2>
<p>ERROR: Runtime error CX_SY_ZERODIVIDE occurred (termination: RABAX_STATE)</p>
<p>Program CL_MM_PUR_PR_MPC_EXT=========CP, include LCL_DUMP, line 42.</p>
</body></html>
"""


def sap_error(
    status: int, code: str, text: str, *, details: list[str] | None = None
) -> JSONResponse:
    body = {
        "error": {
            "code": code,
            "message": {"lang": "en", "value": text},
            "innererror": {
                "application": {
                    "component_id": "MM-PUR-REQ",
                    "service_namespace": "/SAP/",
                },
                "transactionid": uuid.uuid4().hex.upper(),
                "timestamp": datetime.now(UTC).strftime("%Y%m%d%H%M%S.%f"),
                "errordetails": [
                    {"code": code, "message": detail, "severity": "error"}
                    for detail in details or []
                ],
            },
        }
    }
    return JSONResponse(body, status_code=status)


def logon_page(status: int = 200) -> HTMLResponse:
    return HTMLResponse(LOGON_PAGE, status_code=status)


def unauthorized() -> Response:
    return HTMLResponse(
        "<html><head><title>Logon failed</title></head><body>401 Unauthorized"
        "</body></html>",
        status_code=401,
        headers={"WWW-Authenticate": 'Basic realm="SAP NetWeaver Application Server"'},
    )


def short_dump() -> HTMLResponse:
    return HTMLResponse(SHORT_DUMP, status_code=500)


def csrf_required() -> Response:
    return Response(
        "CSRF token validation failed",
        status_code=403,
        media_type="text/plain",
        headers={"x-csrf-token": "Required"},
    )
