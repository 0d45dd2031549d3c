"""The Komus catalog exported as CommerceML in every profile, read back."""

from __future__ import annotations

import codecs
import io
import re
import shutil
from decimal import Decimal
from types import SimpleNamespace

import pytest
from lxml import etree

from connectors.komus.sandbox.clients import BUILT_IN, contract_price
from connectors.onec.catalog_export import (
    ExportProfile,
    _Ids,
    _Writer,
    export_catalog,
    write_catalog,
)
from connectors.onec.catalog_reader import CatalogFile, read_catalog
from connectors.onec.komus_catalog import KomusArticle
from gateway.config import load_settings
from gateway.errors import ValidationFailed
from gateway.hub import Hub
from tests.komus.harness import write_komus_config

from .conftest import REGION, REPO, SCHEMAS, KomusSandbox

VERSIONS = ("2.05", "2.08", "2.10", "3.1")
ENCODINGS = ("windows-1251", "utf-8")
PROFILES = [ExportProfile(v, e) for v in VERSIONS for e in ENCODINGS]
ACME = next(client for client in BUILT_IN if client.token == "acme-komus-token")
DECLARATION = re.compile(rb'^<\?xml version="1\.0" encoding="([^"]+)"\?>\n')


@pytest.fixture(scope="module")
def exports(
    komus_sandbox: KomusSandbox, tmp_path_factory: pytest.TempPathFactory
) -> dict[ExportProfile, bytes]:
    """Every profile once: exporting is the slow part, reading it back is not."""
    folder = tmp_path_factory.mktemp("export")
    shutil.copytree(REPO / "mappings" / "tables", folder / "mappings" / "tables")
    url = f"sqlite:///{folder / 'gateway.db'}"
    settings = load_settings(write_komus_config(folder, url, komus_sandbox.port))
    hub = Hub(settings)
    hub.prepare()
    try:
        return {profile: export_catalog(hub, "acme", profile) for profile in PROFILES}
    finally:
        hub.stop()


def sold(sandbox: KomusSandbox) -> list[int]:
    return sorted(
        a.artnumber for a in sandbox.catalog.articles.values() if REGION in a.regions
    )


def read_back(data: bytes) -> CatalogFile:
    return read_catalog(data, filename="export.xml")


@pytest.mark.parametrize("profile", PROFILES, ids=str)
def test_declaration_and_bytes_agree(
    exports: dict[ExportProfile, bytes], profile: ExportProfile
):
    data = exports[profile]

    if profile.encoding == "utf-8":
        assert data.startswith(codecs.BOM_UTF8)
        data = data[len(codecs.BOM_UTF8) :]
        text = data.decode("utf-8")
    else:
        assert not data.startswith(codecs.BOM_UTF8)
        text = data.decode("cp1251")
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
    declared = DECLARATION.match(data)
    assert declared is not None
    assert codecs.lookup(declared[1].decode()).name == codecs.lookup(profile.codec).name
    assert "Каталог Комус" in text


@pytest.mark.parametrize("profile", PROFILES, ids=str)
def test_every_profile_reads_back_as_the_komus_catalog(
    exports: dict[ExportProfile, bytes],
    profile: ExportProfile,
    komus_sandbox: KomusSandbox,
):
    catalog = read_back(exports[profile])

    numbers = sold(komus_sandbox)
    assert catalog.schema_version == profile.version
    assert catalog.sections[-2:] == ["Каталог", "ПакетПредложений"]
    assert catalog.only_changes is False
    assert catalog.goods == catalog.offers == len(numbers)
    goods = [i for i in catalog.items if i.source == "Товар"]
    assert sorted(int(i.id) for i in goods) == numbers
    assert catalog.catalog_id and catalog.classifier_id
    assert catalog.package_id == f"{catalog.catalog_id}#"


@pytest.mark.parametrize("profile", PROFILES, ids=str)
def test_goods_carry_article_barcode_unit_group_and_vat(
    exports: dict[ExportProfile, bytes],
    profile: ExportProfile,
    komus_sandbox: KomusSandbox,
):
    catalog = read_back(exports[profile])

    for item in (i for i in catalog.items if i.source == "Товар"):
        article = komus_sandbox.catalog.articles[int(item.id)]
        assert item.article == item.id
        assert item.name == article.name
        assert item.barcodes == (article.barcode,)
        assert item.unit.code == article.okei
        assert item.vat_rate == str(int(article.vat.percent))
        assert item.groups == (str(article.category_id),)
        assert item.groups[0] in catalog.groups
    paper = next(
        i for i in catalog.items if i.source == "Товар" and i.unit.code == "796"
    )
    assert (paper.unit.name, paper.unit.international) == ("шт", "PCE")


@pytest.mark.parametrize("profile", PROFILES, ids=str)
def test_offers_carry_the_tenants_price_and_regional_stock(
    exports: dict[ExportProfile, bytes],
    profile: ExportProfile,
    komus_sandbox: KomusSandbox,
):
    catalog = read_back(exports[profile])

    (price_type,) = catalog.price_types
    offers = [i for i in catalog.items if i.source == "Предложение"]
    for offer in offers:
        number = int(offer.id)
        regional = komus_sandbox.catalog.prices[(REGION, number)]
        (price,) = offer.prices
        assert price.price_type_id == price_type
        assert Decimal(price.amount or "") == contract_price(ACME, regional)
        assert price.currency == "RUB"
        stock = komus_sandbox.catalog.stock[(REGION, number)]
        assert Decimal(offer.quantity or "") == stock


def test_groups_keep_the_komus_category_tree(
    exports: dict[ExportProfile, bytes], komus_sandbox: KomusSandbox
):
    catalog = read_back(exports[ExportProfile("2.08", "utf-8")])

    categories = {c.id: c for c in komus_sandbox.catalog.categories}
    for group in catalog.groups.values():
        category = categories[int(group.id)]
        assert group.name == category.name
        expected_parent = str(category.parent_id) if category.parent_id else None
        assert group.parent_id == expected_parent


@pytest.mark.parametrize(
    ("version", "namespace"),
    [
        ("2.05", None),
        ("2.08", "urn:1C.ru:commerceml_2"),
        ("2.10", "urn:1C.ru:commerceml_2"),
        ("3.1", "urn:1C.ru:commerceml_3"),
    ],
)
def test_the_root_is_in_the_versions_namespace(
    exports: dict[ExportProfile, bytes], version: str, namespace: str | None
):
    root = etree.fromstring(exports[ExportProfile(version, "utf-8")])

    assert etree.QName(root).namespace == namespace
    assert root.get("ВерсияСхемы") == version


@pytest.mark.parametrize("version", ["2.08", "2.10"])
def test_each_section_is_valid_against_the_versions_schema(
    exports: dict[ExportProfile, bytes], version: str
):
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / f"commerceml-{version}.xsd")))
    root = etree.fromstring(exports[ExportProfile(version, "windows-1251")])
    classifier, catalog, offers = list(root)

    for sections in ([classifier, catalog], [offers]):
        document = etree.Element(root.tag, root.attrib, nsmap=root.nsmap)
        document.extend(sections)
        assert schema.validate(document), schema.error_log.last_error


def test_cml31_lists_units_and_holds_the_code_in_the_base_unit(
    exports: dict[ExportProfile, bytes],
):
    root = etree.fromstring(exports[ExportProfile("3.1", "utf-8")])
    ns = {"c": "urn:1C.ru:commerceml_3"}

    units = root.xpath(
        "c:Классификатор/c:ЕдиницыИзмерения/c:ЕдиницаИзмерения", namespaces=ns
    )
    first = root.xpath("c:Каталог/c:Товары/c:Товар/c:БазоваяЕдиница", namespaces=ns)[0]
    assert units
    assert first.text == first.get("Код")
    assert root.xpath(
        "c:ПакетПредложений/c:Предложения/c:Предложение/c:Остатки", namespaces=ns
    )


def test_windows_1251_writes_characters_it_lacks_as_references():
    profile = ExportProfile("2.08", "windows-1251")
    writer = _Writer(profile, _Ids.of("acme", REGION), {}, REGION)
    article = KomusArticle(1, "Коврик 140×200 см, 2 м²", okei="796", unit="шт")
    out = io.BytesIO()

    out.write(profile.prologue())
    with (
        etree.xmlfile(out, encoding=profile.codec) as xf,
        writer.open(xf, "КоммерческаяИнформация", root=True),
        writer.open(xf, "Каталог"),
        writer.open(xf, "Товары"),
    ):
        writer.good(xf, article)

    data = out.getvalue()
    assert b"&#215;" in data and b"&#178;" in data
    assert read_back(data).items[0].name == "Коврик 140×200 см, 2 м²"


def test_the_export_streams_to_a_file(
    gateway: Hub, tmp_path, komus_sandbox: KomusSandbox
):
    path = tmp_path / "catalog.xml"

    with path.open("wb") as out:
        summary = write_catalog(gateway, "acme", ExportProfile("2.10", "utf-8"), out)

    assert summary.articles == len(sold(komus_sandbox))
    assert summary.size == path.stat().st_size
    assert read_back(path.read_bytes()).goods == summary.articles


@pytest.mark.parametrize(
    ("version", "encoding", "problem"),
    [
        ("2.09", "utf-8", "CommerceML version '2.09' is not exported"),
        ("2.08", "koi8-r", "encoding 'koi8-r': use windows-1251 or utf-8"),
    ],
)
def test_an_unknown_profile_is_refused(version: str, encoding: str, problem: str):
    with pytest.raises(ValidationFailed, match=re.escape(problem)):
        ExportProfile(version, encoding)


def test_encoding_names_are_normalised():
    assert ExportProfile("2.08", "CP1251").encoding == "windows-1251"
    assert ExportProfile("2.08", "UTF8").encoding == "utf-8"


@pytest.mark.parametrize(
    ("asked", "written"),
    [
        ("2.10", "2.10"),
        ("2.09", "2.08"),
        ("2.07", "2.05"),
        ("2.03", "2.05"),
        ("3.1", "3.1"),
    ],
)
def test_a_1c_exchange_profile_is_written_at_the_nearest_version(
    asked: str, written: str
):
    exchange = SimpleNamespace(output=SimpleNamespace(version=asked, encoding="utf-8"))

    profile = ExportProfile.of(exchange)

    assert (profile.version, profile.encoding) == (written, "utf-8")
