"""The SAP sandbox as a FastAPI app: OData services, IDoc and SOAP receivers."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from lxml import etree

from connectors.sap.sandbox import answers, writes
from connectors.sap.sandbox.filters import FilterError, parse_filter
from connectors.sap.sandbox.soap_receiver import soap_router
from connectors.sap.sandbox.state import (
    FAULTS,
    Received,
    SandboxOptions,
    SapSandbox,
)
from connectors.sap.sandbox.values import complete, from_control, to_json

ODATA = "/sap/opu/odata/sap"
WRITES = ("POST", "PUT", "PATCH", "MERGE", "DELETE")
# SAP's SOAP runtime authenticates each call and asks for no CSRF token.
NO_CSRF = ("/sap/bc/srt/",)


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
        guarded = not request.url.path.startswith(NO_CSRF)
        if (
            guarded
            and request.method in WRITES
            and not sandbox.token_valid(token, session)
        ):
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
    app.include_router(soap_router(sandbox))
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
        service = _name(service)
        if service not in sandbox.metadata:
            return answers.sap_error(404, "/IWFND/MED/170", f"No service {service}")
        sets = sorted(sandbox.types[service])
        return JSONResponse({"d": {"EntitySets": sets}})

    @router.get("/{service}/$metadata")
    def metadata(service: str) -> Response:
        service = _name(service)
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
        service = _name(service)
        if entity_set.endswith(")") and "(" in entity_set:
            return _read_one(sandbox, request, service, entity_set)
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
        service = _name(service)
        if sandbox.write_fault == "dump":
            return answers.short_dump()
        models = sandbox.models.get(service, {})
        if entity_set not in models:
            return answers.sap_error(
                404, "/IWBEP/CM_MGW_RT/020", f"Resource {entity_set} not found"
            )
        body = await request.body()
        try:
            document = json.loads(body)
            writes.check_create(models, entity_set, document, sandbox.options.tax_codes)
        except ValueError as error:
            return _refused(error)
        with sandbox.lock:
            sandbox.created += 1
            created = writes.create(models, entity_set, document, sandbox.created)
            sandbox.rows.setdefault((service, entity_set), []).append(created.row)
            for rows in created.children.values():
                for target, row in rows:
                    sandbox.rows.setdefault((service, target), []).append(row)
        sandbox.record(
            Received(
                "odata",
                f"{service}/{entity_set}",
                body,
                request.headers.get("content-type", ""),
                request.headers.get("if-match"),
            )
        )
        entity = _written(request, service, models[entity_set], created.row)
        for nav, rows in created.children.items():
            entity[nav] = {
                "results": [
                    _written(request, service, models[target], row)
                    for target, row in rows
                ]
            }
        headers = {"etag": writes.etag_of(created.row)}
        if not writes.has_etag(models[entity_set]):
            headers = {}
        return JSONResponse({"d": entity}, status_code=201, headers=headers)

    @router.api_route("/{service}/{entity_key}", methods=["PATCH", "MERGE", "PUT"])
    async def change(service: str, entity_key: str, request: Request) -> Response:
        service = _name(service)
        if sandbox.write_fault == "dump":
            return answers.short_dump()
        body = await request.body()
        try:
            model, row = _find(sandbox, service, entity_key)
            writes.check_change(model, json.loads(body))
            if writes.has_etag(model):
                wanted = request.headers.get("if-match")
                if not wanted:
                    raise writes.WriteRefused(
                        428,
                        "/IWBEP/CM_MGW_RT/100",
                        "Precondition required: send the entity's ETag in If-Match",
                    )
                stale = sandbox.write_fault == "stale"
                if stale or wanted not in ("*", writes.etag_of(row)):
                    raise writes.WriteRefused(
                        412,
                        "/IWBEP/CM_MGW_RT/101",
                        "Precondition failed: the entity was changed since you read "
                        "it; read it again",
                    )
        except ValueError as error:
            return _refused(error)
        with sandbox.lock:
            row.update(json.loads(body))
            row["__version"] = int(row.get("__version", 0)) + 1
        sandbox.record(
            Received(
                "odata",
                f"{service}/{entity_key}",
                body,
                request.headers.get("content-type", ""),
                request.headers.get("if-match"),
                method=request.method,
            )
        )
        headers = {"etag": writes.etag_of(row)} if writes.has_etag(model) else {}
        return Response(status_code=204, headers=headers)

    return router


def _name(service: str) -> str:
    """The service without its version: ``API_INBOUND_DELIVERY_SRV;v=0002``."""
    return service.split(";", 1)[0]


def _refused(error: ValueError) -> Response:
    if isinstance(error, writes.WriteRefused):
        return answers.sap_error(error.status, error.code, error.text)
    return answers.sap_error(400, "/IWBEP/CM_MGW_RT/004", f"Body not readable: {error}")


def _find(
    sandbox: SapSandbox, service: str, entity_key: str
) -> tuple[writes.EntityModel, dict[str, Any]]:
    entity_set, _, rest = entity_key.partition("(")
    model = sandbox.models.get(service, {}).get(entity_set)
    if model is None or not rest.endswith(")"):
        raise writes.WriteRefused(
            404, "/IWBEP/CM_MGW_RT/020", f"Resource {entity_key} not found"
        )
    key = writes.parse_key(rest[:-1], model)
    for row in sandbox.rows.get((service, entity_set), []):
        if all(str(row.get(name)) == value for name, value in key.items()):
            return model, row
    raise writes.WriteRefused(
        404, "/IWBEP/CM_MGW_RT/020", f"Resource {entity_key} not found"
    )


def _read_one(
    sandbox: SapSandbox, request: Request, service: str, entity_key: str
) -> Response:
    try:
        model, row = _find(sandbox, service, entity_key)
    except ValueError as error:
        return _refused(error)
    entity = _written(request, service, model, row)
    headers = {"etag": writes.etag_of(row)} if writes.has_etag(model) else {}
    return JSONResponse({"d": entity}, headers=headers)


def _written(
    request: Request, service: str, model: writes.EntityModel, row: dict[str, Any]
) -> dict[str, Any]:
    """A stored entity as SAP answers it, with its key URI and, if any, its ETag."""
    key = ",".join(f"{name}='{row.get(name)}'" for name in model.keys)
    uri = f"{request.base_url}sap/opu/odata/sap/{service}/{model.name}({key})"
    metadata = {"id": uri, "uri": uri, "type": f"{service}.{model.type_name}"}
    if writes.has_etag(model):
        metadata["etag"] = writes.etag_of(row)
        for prop in model.properties.values():
            if prop.concurrency:
                row[prop.name] = str(row.get("__version", 0))
    types = {name: prop.edm for name, prop in model.properties.items()}
    values = {
        # What a client wrote is stored as it came, already in SAP's JSON form.
        name: row[name] if isinstance(row[name], str) else to_json(row[name], edm)
        for name, edm in types.items()
        if name in row
    }
    return {"__metadata": metadata} | values


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
        if plan.get("writes") not in (None, "dump", "stale"):
            return JSONResponse({"error": f"unknown fault {plan['writes']!r}"}, 400)
        sandbox.write_fault = plan.get("writes")
        return JSONResponse({"metadata": metadata, "writes": sandbox.write_fault})

    @router.post("/touch/{service}/{entity_set}")
    def touch(service: str, entity_set: str) -> Response:
        """Someone in SAP changed every row of the set: each ETag moves on."""
        rows = sandbox.rows.get((_name(service), entity_set), [])
        with sandbox.lock:
            for row in rows:
                row["__version"] = int(row.get("__version", 0)) + 1
        return JSONResponse({"touched": len(rows)})

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
                    "method": item.method,
                    "body": item.body.decode("utf-8", "replace"),
                }
                for item in sandbox.received
            ]
        )

    return router
