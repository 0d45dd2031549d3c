"""The loopback receiver the outbox benchmark sends to: answers 204, counts nothing."""

from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route


async def hook(request):  # type: ignore[no-untyped-def]
    await request.body()
    return Response(status_code=204)


app = Starlette(routes=[Route("/hook", hook, methods=["POST"])])
