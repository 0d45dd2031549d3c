"""The SAP sandbox as a FastAPI app: OData services, IDoc receiver, test controls."""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from lxml import etree

from connectors.sap.sandbox import answers
from connectors.sap.sandbox.filters import FilterError, parse_filter
from connectors.sap.sandbox.state import (
    FAULTS,
    Received,
    SandboxOptions,
    SapSandbox,
)
from connectors.sap.sandbox.values import complete, from_control, to_json

ODATA = "/sap/opu/odata/sap"
WRITES = ("POST", "PUT", "PATCH", "MERGE", "DELETE")


def create_sap_sandbox(options: SandboxOptions | None = None) -> FastAPI:
    sandbox = SapSandbox(options or SandboxOptions())
    app = FastAPI(title="SAP sandbox", docs_url=None, redoc_url=None)
    app.state.sap = sandbox

    @app.middleware("http")
    async def gatekeeper(request: Request, call_next: Any) -> Response:
        """Basic auth, sap-client and CSRF, before any SAP resource is touched."""
        if not request.url.path.startswith("/sap/"):
            return await call_next(request)
        client = request.query_params.get("sap-client") or request.headers.get(
            "sap-client"
        )
        if client != sandbox.options.client or not _logged_on(sandbox, request):
            return answers.unauthorized()
        session = request.cookies.get(sandbox.session_cookie)
        if session not in sandbox.sessions:
            session = None
        token = request.headers.get("x-csrf-token")
        if request.method in WRITES and not sandbox.token_valid(token, session):
            return answers.csrf_required()
        fetched: str | None = None
        if request.method == "GET" and (token or "").lower() == "fetch":
            session = session or sandbox.new_session()
            fetched = sandbox.issue_token(session)
        response: Response = await call_next(request)
        if fetched and session:
            response.headers["x-csrf-token"] = fetched
            response.set_cookie(sandbox.session_cookie, session, httponly=True)
        return response

    app.include_router(_odata(sandbox))
    app.include_router(_idoc(sandbox))
    app.include_router(_controls(sandbox))
    return app


def _logged_on(sandbox: SapSandbox, request: Request) -> bool:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return False
    try:
        login, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return sandbox.options.users.get(login) == password


def _odata(sandbox: SapSandbox) -> APIRouter:
    router = APIRouter(prefix=ODATA)

    @router.get("/{service}/")
    def service_document(service: str) -> Response:
        if service not in sandbox.metadata:
            return answers.sap_error(404, "/IWFND/MED/170", f"No service {service}")
        sets = sorted(sandbox.types[service])
        return JSONResponse({"d": {"EntitySets": sets}})

    @router.get("/{service}/$metadata")
    def metadata(service: str) -> Response:
        fault = sandbox.metadata_fault
        if fault == "logon_page":
            return answers.logon_page(200)
        if fault == "unauthorized":
            return answers.unauthorized()
        if fault == "dump":
            return answers.short_dump()
        edmx = sandbox.metadata.get(service)
        if edmx is None:
            return answers.sap_error(404, "/IWFND/MED/170", f"No service {service}")
        return Response(edmx, media_type="application/xml")

    @router.get("/{service}/{entity_set}")
    def collection(service: str, entity_set: str, request: Request) -> Response:
        types = sandbox.types.get(service, {}).get(entity_set)
        if types is None:
            return answers.sap_error(
                404, "/IWBEP/CM_MGW_RT/020", f"Resource {entity_set} not found"
            )
        rows = [
            complete(row, types) for row in sandbox.rows.get((service, entity_set), [])
        ]
        query = request.query_params
        if "$filter" in query:
            try:
                rows = [row for row in rows if parse_filter(query["$filter"])(row)]
            except FilterError as error:
                return answers.sap_error(400, "/IWBEP/CM_MGW_RT/004", str(error))
        start = int(query.get("$skiptoken") or 0)
        page = rows[start : start + sandbox.options.page_size]
        body: dict[str, Any] = {
            "results": [
                _entity(request, service, entity_set, row, types) for row in page
            ]
        }
        if start + sandbox.options.page_size < len(rows):
            params = {key: value for key, value in query.items() if key != "$skiptoken"}
            params["$skiptoken"] = str(start + sandbox.options.page_size)
            body["__next"] = f"{request.url.remove_query_params(list(query))}?" + (
                urlencode(params)
            )
        return JSONResponse({"d": body})

    @router.post("/{service}/{entity_set}")
    async def create(service: str, entity_set: str, request: Request) -> Response:
        if sandbox.write_fault == "dump":
            return answers.short_dump()
        types = sandbox.types.get(service, {}).get(entity_set)
        if types is None:
            return answers.sap_error(
                404, "/IWBEP/CM_MGW_RT/020", f"Resource {entity_set} not found"
            )
        body = await request.body()
        sandbox.record(
            Received(
                "odata",
                f"{service}/{entity_set}",
                body,
                request.headers.get("content-type", ""),
                request.headers.get("if-match"),
            )
        )
        return Response(body, status_code=201, media_type="application/json")

    return router


def _entity(
    request: Request, service: str, entity_set: str, row: dict[str, Any], types: Any
) -> dict[str, Any]:
    uri = f"{request.base_url}sap/opu/odata/sap/{service}/{entity_set}"
    entity = {name: to_json(row.get(name), edm) for name, edm in types.items()}
    return {
        "__metadata": {"id": uri, "uri": uri, "type": f"{service}.{entity_set}"}
    } | entity


def _idoc(sandbox: SapSandbox) -> APIRouter:
    router = APIRouter()

    @router.post("/sap/bc/idoc_xml")
    async def idoc_xml(request: Request) -> Response:
        if sandbox.write_fault == "dump":
            return answers.short_dump()
        body = await request.body()
        parser = etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False
        )
        try:
            root = etree.fromstring(body, parser)
        except etree.XMLSyntaxError as error:
            return answers.sap_error(
                400, "EA/208", f"IDoc-XML is not readable: {error}"
            )
        idocs = root.findall("IDOC")
        if not idocs:
            return answers.sap_error(400, "EA/209", "No IDOC element in the document")
        for idoc in idocs:
            if idoc.find("EDI_DC40") is None:
                return answers.sap_error(400, "EA/210", "IDOC without EDI_DC40")
        sandbox.record(
            Received(
                "idoc",
                "/sap/bc/idoc_xml",
                body,
                request.headers.get("content-type", ""),
            )
        )
        return Response("IDoc-XML received", media_type="text/plain")

    return router


def _controls(sandbox: SapSandbox) -> APIRouter:
    router = APIRouter(prefix="/sandbox")

    @router.post("/rows/{service}/{entity_set}")
    async def add_rows(service: str, entity_set: str, request: Request) -> Response:
        types = sandbox.types[service][entity_set]
        rows = [
            {
                key: from_control(value, types.get(key, "Edm.String"))
                for key, value in row.items()
            }
            for row in await request.json()
        ]
        with sandbox.lock:
            sandbox.rows.setdefault((service, entity_set), []).extend(rows)
        return JSONResponse({"rows": len(sandbox.rows[(service, entity_set)])})

    @router.patch("/rows/{service}/{entity_set}")
    async def change_rows(service: str, entity_set: str, request: Request) -> Response:
        """``{"where": {field: value}, "set": {field: value}}`` on matching rows."""
        types = sandbox.types[service][entity_set]
        change = await request.json()
        changed = 0
        for row in sandbox.rows.get((service, entity_set), []):
            if all(row.get(k) == v for k, v in change["where"].items()):
                row.update(
                    {
                        k: from_control(v, types.get(k, "Edm.String"))
                        for k, v in change["set"].items()
                    }
                )
                changed += 1
        return JSONResponse({"changed": changed})

    @router.post("/faults")
    async def faults(request: Request) -> Response:
        plan = await request.json()
        metadata = plan.get("metadata")
        if metadata not in (None, *FAULTS):
            return JSONResponse({"error": f"unknown fault {metadata!r}"}, 400)
        sandbox.metadata_fault = metadata
        sandbox.write_fault = plan.get("writes")
        return JSONResponse({"metadata": metadata, "writes": sandbox.write_fault})

    @router.post("/csrf/expire")
    def expire() -> Response:
        sandbox.expire_tokens()
        return JSONResponse({"expired": True})

    @router.get("/received")
    def received() -> Response:
        return JSONResponse(
            [
                {
                    "kind": item.kind,
                    "target": item.target,
                    "content_type": item.content_type,
                    "if_match": item.if_match,
                    "body": item.body.decode("utf-8", "replace"),
                }
                for item in sandbox.received
            ]
        )

    return router
