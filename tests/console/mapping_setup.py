"""A mappings folder for console tests: the shipped files and acme's API mapping."""

from __future__ import annotations

import shutil
from pathlib import Path

from gateway.hub import Hub
from tests.mapping.conftest import MAPPINGS

ACME_API = """\
name: acme API requisitions
reader: json
inbound:
  header:
    number: {path: doc.number}
  lines:
    each: doc.lines
    fields:
      client_item_code: {path: line.client_item_code, required: true}
      client_item_name: {path: line.client_item_name}
      article:
        path: line.client_item_code
        lookup: {table: acme_items, column: article, missing: {default: null}}
      quantity: {path: line.quantity, required: true}
      unit_code: {path: line.unit_code, default: "796"}
"""

ACME_ITEMS = "client_item_code,article,name\nPAPER-A4,192678,Бумага А4\n"


def install_mappings(hub: Hub) -> Path:
    """Copied before the first request, which is when the gateway loads them."""
    root = Path(hub.settings.source).parent / "mappings"
    shutil.copytree(MAPPINGS, root, ignore=shutil.ignore_patterns("tests"))
    (root / "acme").mkdir()
    (root / "acme" / "api.yaml").write_text(ACME_API, encoding="utf-8")
    (root / "tables" / "acme_items.csv").write_text(ACME_ITEMS, encoding="utf-8")
    return root
