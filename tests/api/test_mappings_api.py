"""Mappings through the REST API: the list, the check and a preview, for the console."""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

import httpx
import pytest

from tests.api.harness import Api
from tests.mapping.conftest import MAPPINGS, UT11_ORDERS, write

BROKEN = "inbound:\n  header:\n    numbr: {path: doc.number}\n"
"""One problem: at 3:5, a field the requisition does not have."""


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """Mappings live in files; the database only holds the tokens here."""
    return sqlite_url


@pytest.fixture
def mappings(api: Api) -> Path:
    """The shipped mappings beside the gateway's config, the demo file also acme's.

    Copied before the first request, which is when the gateway loads them.
    """
    root = Path(api.hub.settings.source).parent / "mappings"
    shutil.copytree(MAPPINGS, root, ignore=shutil.ignore_patterns("tests"))
    shutil.copytree(root / "demo", root / "acme")
    return root


def _integrator(api: Api, tenant: str | None = None) -> httpx.Client:
    return api.as_("integrator", tenant)


def _encoded(content: bytes) -> str:
    return base64.b64encode(content).decode()


def _preview(client: httpx.Client, mapping: str, content: bytes) -> httpx.Response:
    return client.post(
        "/mappings/preview", json={"mapping": mapping, "input": _encoded(content)}
    )


def test_the_list_shows_each_file_with_the_version_that_serves_it(
    api: Api, mappings: Path
):
    answer = api.admin.get("/mappings")

    assert answer.status_code == 200
    files = {item["name"]: item for item in answer.json()}
    assert {"acme/onec.yaml", "demo/onec.yaml", "shared/sap.yaml"} <= set(files)
    demo = files["demo/onec.yaml"]
    assert demo["file"] == "mappings/demo/onec.yaml"
    assert (demo["tenant"], demo["channel"]) == ("demo", "onec")
    assert (demo["status"], demo["problems"]) == ("ok", 0)
    assert demo["version"].startswith("demo/onec.yaml@sha256:")


def test_a_file_that_never_loaded_is_listed_as_unavailable(api: Api, mappings: Path):
    write(mappings, "acme/api.yaml", BROKEN)

    answer = api.admin.get("/mappings")

    (listed,) = [item for item in answer.json() if item["name"] == "acme/api.yaml"]
    assert listed["status"] == "unavailable"
    assert listed["version"] is None
    assert listed["problems"] == 1


def test_a_broken_edit_is_listed_as_broken_with_the_good_version_serving(
    api: Api, mappings: Path
):
    before = {i["name"]: i for i in api.admin.get("/mappings").json()}
    write(mappings, "demo/onec.yaml", BROKEN)
    api.hub.mapping_registry.refresh()

    after = {i["name"]: i for i in api.admin.get("/mappings").json()}

    assert after["demo/onec.yaml"]["status"] == "broken"
    assert after["demo/onec.yaml"]["version"] == before["demo/onec.yaml"]["version"]


def test_check_answers_every_problem_with_its_place(api: Api, mappings: Path):
    write(
        mappings,
        "acme/onec.yaml",
        BROKEN + "    comment: {path: doc.comment, convert: texts}\n",
    )

    answer = _integrator(api).post("/mappings/check")

    assert answer.status_code == 200
    assert answer.json() == {
        "ok": False,
        "problems": [
            {
                "file": "mappings/acme/onec.yaml",
                "line": 3,
                "column": 5,
                "path": "inbound.header.numbr",
                "message": "not a requisition field (did you mean 'number'?)",
                "text": "mappings/acme/onec.yaml:3:5: inbound.header.numbr: not a "
                "requisition field (did you mean 'number'?)",
            },
            {
                "file": "mappings/acme/onec.yaml",
                "line": 4,
                "column": 43,
                "path": "inbound.header.comment.convert",
                "message": "unknown conversion 'texts' (known: bool, date, "
                "datetime, decimal, integer, oneline, quantity, raw, string, "
                "vat_rate)",
                "text": "mappings/acme/onec.yaml:4:43: inbound.header.comment.convert:"
                " unknown conversion 'texts' (known: bool, date, datetime, decimal, "
                "integer, oneline, quantity, raw, string, vat_rate)",
            },
        ],
    }


def test_check_of_the_shipped_files_is_ok(api: Api, mappings: Path):
    answer = _integrator(api).post("/mappings/check")

    assert answer.json() == {"ok": True, "problems": []}


def test_preview_shows_each_field_of_a_real_1c_order_with_its_mapping_line(
    api: Api, mappings: Path
):
    answer = _preview(_integrator(api), "demo/onec.yaml", UT11_ORDERS.read_bytes())

    assert answer.status_code == 200
    body = answer.json()
    assert body["ok"] is True
    assert (body["mapping"], body["reader"]) == (
        "mappings/demo/onec.yaml",
        "commerceml",
    )
    assert [d["external_id"] for d in body["documents"]] == ["142", "235"]
    fields = body["documents"][0]["fields"]
    assert fields[0] == {
        "field": "number",
        "value": "ТДЦУ-000001",
        "origin": "mappings/demo/onec.yaml:18",
    }
    assert {"field": "lines[2].unit_code", "value": "715"} in [
        {"field": f["field"], "value": f["value"]} for f in fields
    ]


def test_preview_of_a_broken_mapping_answers_its_problems(api: Api, mappings: Path):
    write(mappings, "acme/onec.yaml", BROKEN)

    answer = _preview(_integrator(api), "acme/onec.yaml", UT11_ORDERS.read_bytes())

    body = answer.json()
    assert body["ok"] is False
    assert body["documents"] == []
    assert [p["text"] for p in body["problems"]] == [
        "mappings/acme/onec.yaml:3:5: inbound.header.numbr: not a requisition field "
        "(did you mean 'number'?)"
    ]


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/mappings"), ("POST", "/mappings/check"), ("POST", "/mappings/preview")],
)
def test_a_manager_may_not_use_mappings(api: Api, mappings: Path, method, path):
    manager = api.as_("manager")

    answer = manager.request(method, path, json={"mapping": "x", "input": ""})

    assert answer.status_code == 403
    assert "integrator role or higher" in answer.json()["error"]["message"]


def test_a_tenant_token_lists_its_own_and_the_shared_files_only(
    api: Api, mappings: Path
):
    write(mappings, "globex/onec.yaml", (mappings / "demo" / "onec.yaml").read_text())

    answer = _integrator(api, "acme").get("/mappings")

    folders = {item["tenant"] for item in answer.json()}
    assert folders == {"acme", "shared"}


def test_a_tenant_token_cannot_preview_another_tenants_file(api: Api, mappings: Path):
    write(mappings, "globex/onec.yaml", (mappings / "demo" / "onec.yaml").read_text())
    acme = _integrator(api, "acme")

    theirs = _preview(acme, "globex/onec.yaml", UT11_ORDERS.read_bytes())
    missing = _preview(acme, "globex/nothing.yaml", UT11_ORDERS.read_bytes())

    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["error"]["message"] == (
        "mapping globex/onec.yaml does not exist"
    )


def test_a_tenant_token_sees_the_problems_of_its_own_files_only(
    api: Api, mappings: Path
):
    write(mappings, "acme/onec.yaml", BROKEN)
    write(mappings, "globex/onec.yaml", BROKEN)
    write(mappings, "tables/demo_items.csv", "code,article\nA,1\nA,2\n")

    answer = _integrator(api, "acme").post("/mappings/check")

    files = {problem["file"] for problem in answer.json()["problems"]}
    assert files == {"mappings/acme/onec.yaml"}


@pytest.mark.parametrize(
    "name",
    [
        "../config.yaml",
        "demo/../../config.yaml",
        "demo/../shared/sap.yaml",
        "/etc/passwd",
        "demo\\..\\..\\config.yaml",
        "tables/demo_warehouses.yaml",
        "demo/onec.yaml/..",
        "demo",
    ],
)
def test_a_name_that_is_not_a_mapping_file_is_refused(
    api: Api, mappings: Path, name: str
):
    answer = _preview(_integrator(api), name, b"{}")

    assert answer.status_code == 422
    assert "is not a mapping name" in answer.json()["error"]["message"]


def test_a_link_out_of_the_mappings_directory_is_not_followed(api: Api, mappings: Path):
    (mappings / "acme" / "config.yaml").symlink_to(mappings.parent / "config.yaml")

    answer = _preview(_integrator(api), "acme/config.yaml", b"{}")

    assert answer.status_code == 404


def test_an_input_that_is_not_base64_is_refused(api: Api, mappings: Path):
    answer = _integrator(api).post(
        "/mappings/preview", json={"mapping": "demo/onec.yaml", "input": "<Заказ/>"}
    )

    assert answer.status_code == 422
    assert answer.json()["error"]["message"].startswith("input is not base64")
