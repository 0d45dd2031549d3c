"""Checks HTTP answers against ``schemas/komus-api.yaml``: status, headers, body."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

import httpx
import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from ruamel.yaml import YAML

SPEC_PATH = Path(__file__).resolve().parents[2] / "schemas" / "komus-api.yaml"
SPEC_URI = "urn:komus-api"
API_ROOT = "/api2"


def load_spec() -> dict:
    return YAML(typ="safe").load(SPEC_PATH.read_text(encoding="utf-8"))


def _pointer(*parts: str) -> str:
    escaped = (part.replace("~", "~0").replace("/", "~1") for part in parts)
    return "/" + "/".join(escaped)


@dataclass
class Contract:
    spec: dict
    seen: set[tuple[str, str, str]] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        resource = Resource.from_contents(self.spec, default_specification=DRAFT202012)
        self.registry = Registry().with_resource(SPEC_URI, resource)
        self.templates = [
            (path, re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"))
            for path in self.spec["paths"]
        ]

    def operations(self) -> set[tuple[str, str]]:
        return {
            (path, method)
            for path, item in self.spec["paths"].items()
            for method in item
            if method in {"get", "post", "patch", "put", "delete"}
        }

    def record(self, response: httpx.Response) -> None:
        """An httpx response hook: remembers every mismatch instead of raising."""
        response.read()
        try:
            self.check(response)
        except AssertionError as problem:
            self.problems.append(str(problem))

    def check(self, response: httpx.Response) -> None:
        method = response.request.method.lower()
        path = urlparse(str(response.request.url)).path.removeprefix(API_ROOT)
        template = next((t for t, rx in self.templates if rx.match(path)), None)
        assert template is not None, f"{method.upper()} {path}: not in the contract"
        operation = self.spec["paths"][template].get(method)
        assert operation is not None, (
            f"{method.upper()} {template}: not in the contract"
        )
        status = str(response.status_code)
        where = f"{method.upper()} {template} → {status}"
        assert status in operation["responses"], f"{where}: status not declared"
        self.seen.add((template, method, status))

        declared, location = self._response(template, method, status)
        for header in declared.get("headers", {}):
            assert header.lower() in response.headers, f"{where}: no {header} header"
        content = declared.get("content", {})
        media = response.headers.get("content-type", "").split(";")[0].strip()
        assert media in content, f"{where}: content type {media!r} not declared"
        if media == "application/json":
            self.validate(response.json(), *location, "content", media, "schema")

    def validate(self, instance: Any, *schema_location: str) -> None:
        reference = SPEC_URI + "#" + quote(_pointer(*schema_location), safe="/~")
        validator = jsonschema.Draft202012Validator(
            {"$ref": reference}, registry=self.registry
        )
        errors = sorted(validator.iter_errors(instance), key=lambda e: e.path)
        assert not errors, "; ".join(
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5]
        )

    def _response(
        self, template: str, method: str, status: str
    ) -> tuple[dict, tuple[str, ...]]:
        location: tuple[str, ...] = ("paths", template, method, "responses", status)
        declared = self.spec["paths"][template][method]["responses"][status]
        while "$ref" in declared:
            location = tuple(declared["$ref"].removeprefix("#/").split("/"))
            declared = self.spec
            for part in location:
                declared = declared[part]
        return declared, location
