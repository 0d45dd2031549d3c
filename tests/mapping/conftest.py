"""Fixtures for the mapping tests: a scratch mappings directory, the real samples."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from gateway.config import DeliveryAddress, TenantSettings

REPO = Path(__file__).resolve().parents[2]
MAPPINGS = REPO / "mappings"
ONEC_SAMPLES = REPO.parent / "shared" / "samples" / "1c"
OKEI_SAMPLES = REPO.parent / "shared" / "samples" / "komus" / "okei"

UT11_ORDERS = ONEC_SAMPLES / "05_ut11_documents_to_site_cml209_ns_utf8.xml"
CML31_ORDERS = (
    ONEC_SAMPLES / "06_ut11_bitrixmodule65_documents_cml31_container_utf8bom.xml"
)
OFFICIAL_ORDERS = ONEC_SAMPLES / "01_official1c_orders_cml203_utf8.xml"
OFFICIAL_CP1251 = ONEC_SAMPLES / "02_official1c_to_cml203_win1251.xml"
BITRIX_CP1251 = ONEC_SAMPLES / "03_bitrix_sale_query_response_cml205_win1251.xml"
BITRIX_EMPTY = ONEC_SAMPLES / "04_bitrix_sale_query_response_empty_cml205_win1251.xml"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A mappings directory holding the shipped tables and nothing else."""
    root = tmp_path / "mappings"
    shutil.copytree(MAPPINGS / "tables", root / "tables")
    return root


@pytest.fixture
def shipped(tmp_path: Path) -> Path:
    """A copy of the shipped mappings directory that a test may edit."""
    root = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, root, ignore=shutil.ignore_patterns("tests"))
    return root


@pytest.fixture
def demo_tenant() -> TenantSettings:
    return TenantSettings(
        id="demo",
        legal_name='ООО "Ромашка"',
        inn="7707083893",
        kpp="773601001",
        delivery_addresses=[
            DeliveryAddress(code="MAIN", address="Москва", default=True),
            DeliveryAddress(code="STORE", address="Химки"),
        ],
    )


def write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def edit(path: Path, text: str) -> None:
    """Rewrite a file so that its time differs even on coarse file systems."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 10_000_000, before + 10_000_000))
