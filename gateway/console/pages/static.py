"""The console's one stylesheet and one script, from the package, cached a day."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from gateway.console.access import PageMissing
from gateway.console.rendering import HERE

router = APIRouter()

FILES = {"console.css": "text/css", "console.js": "text/javascript"}


@router.get("/static/{name}")
def static_file(name: str) -> Response:
    if name not in FILES:
        raise PageMissing()
    content = (HERE / "static" / name).read_bytes()
    return Response(
        content,
        media_type=FILES[name],
        headers={"Cache-Control": "max-age=86400", "X-Content-Type-Options": "nosniff"},
    )
