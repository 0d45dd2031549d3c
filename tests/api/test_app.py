"""The application as a whole: OpenAPI, connector routers, unknown routes."""

from __future__ import annotations

import httpx
import pytest
from fastapi import APIRouter

from gateway.api import create_app
from gateway.hub import Hub
from tests.api.harness import Api
from tests.support.servers import serve


def test_openapi_and_docs_are_served_under_the_gateways_title(api: Api) -> None:
    schema = httpx.get(f"{api.url}/openapi.json").json()
    docs = httpx.get(f"{api.url}/docs")

    assert schema["info"]["title"] == "Komus Gateway"
    assert "/api/v1/requisitions" in schema["paths"]
    assert "HTTPBearer" in schema["components"]["securitySchemes"]
    assert docs.status_code == 200


def test_routers_that_connectors_add_to_the_hub_are_served(gateway: Hub) -> None:
    router = APIRouter(prefix="/connectors/demo")
    router.add_api_route("/ping", lambda: {"pong": True})
    gateway.routers.append(router)

    with serve(create_app(gateway)) as url:
        answer = httpx.get(f"{url}/connectors/demo/ping")

    assert answer.json() == {"pong": True}


def test_unknown_route_answers_in_the_error_envelope(api: Api) -> None:
    answer = api.admin.get("/no-such-thing")

    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/orders", "GET"),
        ("/requisitions", "GET, POST"),
        ("/messages", "GET"),
        ("/deliveries", "GET"),
        ("/tokens", "GET, POST"),
    ],
)
def test_head_on_a_listing_is_405_allowing_every_method_of_the_path(
    api: Api, path: str, allowed: str
) -> None:
    answer = api.admin.head(path)

    assert answer.status_code == 405
    assert answer.headers["allow"] == allowed
