"""Mappings for the console: the files a gateway serves, their check, a preview.

Integrators and admins only. A token bound to a tenant sees its tenant's folder and
``shared/``; another tenant's file looks like one that does not exist, and problems
in ``tables/`` (which any tenant's mapping may look into) are shown to all-tenant
tokens only. A mapping is named as it lies under the mappings directory,
``<tenant>/<channel>.yaml`` or ``shared/<channel>.yaml``, and by nothing else.
"""

from __future__ import annotations

import base64
import binascii
import re
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from gateway.api.auth import Caller, require
from gateway.api.dependencies import get_hub
from gateway.api.error_responses import ERROR_RESPONSES, ApiError
from gateway.config import TenantSettings
from gateway.errors import ConfigProblem, NotFound
from gateway.hub import Hub
from gateway.mapping import check_all, preview
from gateway.mapping.check import NOT_MAPPINGS
from gateway.mapping.loader import SHARED
from gateway.mapping.preview import PreviewResult, canonical

router = APIRouter(prefix="/mappings", tags=["mappings"], responses=ERROR_RESPONSES)

MAPPING_NAME = re.compile(
    r"^(?P<folder>[A-Za-z0-9][A-Za-z0-9_-]*)/[A-Za-z0-9][A-Za-z0-9_.-]*\.ya?ml$"
)
"""``<folder>/<file>.yaml``: one folder deep, no dot or slash to climb out with."""


class MappingOut(BaseModel):
    name: str = Field(description="what preview takes: demo/onec.yaml")
    file: str = Field(description="as problems name it: mappings/demo/onec.yaml")
    tenant: str = Field(description="the tenant's id, or shared")
    channel: str
    status: Literal["ok", "broken", "unavailable"] = Field(
        description="broken: the file has problems and its last good version "
        "serves; unavailable: it never loaded, its documents fail"
    )
    version: str | None = Field(description="the version serving, if any")
    problems: int


class ProblemOut(BaseModel):
    file: str
    line: int
    column: int
    path: str = Field(description="the key in the file, e.g. inbound.header.number")
    message: str
    text: str = Field(description="the whole problem as one FILE:LINE:COL line")


class CheckOut(BaseModel):
    ok: bool
    problems: list[ProblemOut]


class PreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mapping: str = Field(examples=["demo/onec.yaml"])
    input: str = Field(description="the document to run through it, base64")
    reader: str | None = Field(
        None, description="commerceml, json, …; by default the mapping's own"
    )
    outbound: str | None = Field(
        None, description="run this outbound mapping; the input is then JSON"
    )
    filename: str | None = Field(None, max_length=255)


class PreviewFieldOut(BaseModel):
    field: str = Field(examples=["lines[1].unit_code"])
    value: Any
    origin: str = Field(
        description="mappings/FILE.yaml:LINE of the mapping line that made it, "
        "(default), or the line's source position"
    )


class PreviewDocumentOut(BaseModel):
    external_id: str | None
    revision: str | None
    output: Any
    fields: list[PreviewFieldOut]
    failure: str | None


class PreviewOut(BaseModel):
    mapping: str
    version: str | None
    reader: str | None
    outbound: str | None
    ok: bool
    documents: list[PreviewDocumentOut]
    problems: list[ProblemOut]


@router.get("", response_model=list[MappingOut])
def list_mappings(
    caller: Caller = Depends(require("integrator")),
    hub: Hub = Depends(get_hub),
) -> list[MappingOut]:
    """Every mapping file the gateway holds, with the version that serves it."""
    return [
        MappingOut(
            name=f"{state.tenant}/{PurePosixPath(state.file).name}",
            file=state.file,
            tenant=state.tenant,
            channel=state.channel,
            status=state.status,
            version=state.version,
            problems=len(state.problems),
        )
        for state in hub.mapping_registry.states()
        if _may_see(caller, state.tenant)
    ]


@router.post("/check", response_model=CheckOut)
def check_mappings(
    caller: Caller = Depends(require("integrator")),
    hub: Hub = Depends(get_hub),
) -> CheckOut:
    """Every problem of the files as they are on disk now, served or not."""
    directory = hub.mapping_registry.directory
    problems = [
        _problem(p) for p in check_all(directory) if _shown(caller, directory, p)
    ]
    return CheckOut(ok=not problems, problems=problems)


@router.post("/preview", response_model=PreviewOut)
async def preview_mapping(
    body: PreviewIn,
    caller: Caller = Depends(require("integrator")),
    hub: Hub = Depends(get_hub),
) -> PreviewOut:
    """Run a real document through a mapping; each output field with its line."""
    directory = hub.mapping_registry.directory
    path, folder = _mapping_path(directory, body.mapping, caller)
    payload = _decoded(body.input, hub.settings.server.max_body_bytes)
    result = await run_in_threadpool(
        preview,
        path,
        payload,
        body.reader,
        outbound=body.outbound,
        tenant=_tenant_for(hub, caller, folder),
        directory=directory,
        filename=body.filename,
    )
    return _preview_out(result, caller, directory)


def _may_see(caller: Caller, folder: str) -> bool:
    return folder == SHARED or caller.can_see(folder)


def _shown(caller: Caller, directory: Path, problem: ConfigProblem) -> bool:
    """Whether a problem lies in a file the caller may see; the input always is."""
    if caller.tenant_id is None:
        return True
    parts = PurePosixPath(problem.file).parts
    if not parts or parts[0] != directory.resolve().name:
        return True
    return (
        len(parts) == 3 and parts[1] not in NOT_MAPPINGS and _may_see(caller, parts[1])
    )


def _mapping_path(directory: Path, name: str, caller: Caller) -> tuple[Path, str]:
    """The file a mapping name stands for, if the caller may see it."""
    matched = MAPPING_NAME.match(name)
    if matched is None or matched["folder"] in NOT_MAPPINGS:
        raise ApiError(
            422,
            f"{name!r} is not a mapping name: write <tenant>/<channel>.yaml or "
            "shared/<channel>.yaml as GET /api/v1/mappings lists them",
            code="invalid_request",
        )
    folder = matched["folder"]
    path = directory / name
    root = directory.resolve()
    inside = path.resolve().is_relative_to(root)
    if not (_may_see(caller, folder) and inside and path.is_file()):
        raise NotFound(f"mapping {name} does not exist")
    return path, folder


def _decoded(text: str, limit: int) -> bytes:
    try:
        payload = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ApiError(
            422, f"input is not base64: {error}", code="invalid_request"
        ) from error
    if len(payload) > limit:
        raise ApiError(413, f"the input is larger than {limit} bytes")
    return payload


def _tenant_for(hub: Hub, caller: Caller, folder: str) -> TenantSettings | None:
    """The tenant whose addresses the preview uses; None: a stand-in of the folder."""
    if folder != SHARED:
        return hub.settings.tenant(folder)
    if caller.tenant_id is not None:
        return hub.settings.tenant(caller.tenant_id)
    return None


def _preview_out(result: PreviewResult, caller: Caller, directory: Path) -> PreviewOut:
    problems = [_problem(p) for p in result.problems if _shown(caller, directory, p)]
    return PreviewOut(
        mapping=result.mapping,
        version=result.version,
        reader=result.reader,
        outbound=result.outbound,
        ok=result.ok,
        problems=problems,
        documents=[
            PreviewDocumentOut(
                external_id=document.external_id,
                revision=document.revision,
                output=document.output,
                failure=document.failure,
                fields=[
                    PreviewFieldOut(
                        field=item.field,
                        value=canonical(item.value),
                        origin=item.origin,
                    )
                    for item in document.fields
                ],
            )
            for document in result.documents
        ],
    )


def _problem(problem: ConfigProblem) -> ProblemOut:
    return ProblemOut(
        file=problem.file,
        line=problem.line,
        column=problem.column,
        path=problem.path,
        message=problem.message,
        text=str(problem),
    )
