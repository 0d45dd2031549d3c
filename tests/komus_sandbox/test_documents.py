"""Documents of an order: the invoice PDF and the УПД 5.03 of each shipment."""

from __future__ import annotations

import io
import itertools
import re
from decimal import Decimal
from pathlib import Path

import httpx
import pypdf
import pytest
from lxml import etree

from connectors.komus.sandbox.invoice_pdf import FontMissing, find_fonts
from connectors.komus.sandbox.words import amount_in_words
from gateway.money import VatRate, line_amounts, round_money
from tests.komus_sandbox.conftest import Sandbox, in_stock, place, row

XSD_DIR = Path(__file__).resolve().parents[3] / "shared" / "samples" / "komus" / "xsd"
XSD = XSD_DIR / "ON_NSCHFDOPPR_1_997_01_05_03_05.xsd"
UNTIL_INVOICE = 5 + 10
UNTIL_SHIPPED = 5 + 10 + 60 + 30 + 120


@pytest.fixture(scope="module")
def upd_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD)))


@pytest.fixture
def mixed_order(sandbox: Sandbox, komus: httpx.Client) -> dict:
    """An order with two 22 % lines and two 10 % lines, shipped in one go."""
    standard = in_stock(sandbox.catalog, vat="22")[:2]
    reduced = in_stock(sandbox.catalog, vat="10")[:2]
    rows = [row(article, lots=3) for article in (*standard, *reduced)]
    order = place(komus, "REQ-MIX", *rows).json()
    sandbox.advance(UNTIL_SHIPPED)
    return komus.get(f"/orders/{order['id']}").json()


def _apart_when_rounded_once(komus: httpx.Client, articles: list, rate: str) -> list:
    """Two rows of one rate whose VAT rounded per line differs from it rounded once.

    On such rows a total recomputed from the summed amounts is off by a kopeck.
    """
    percent = Decimal(rate)
    candidates = articles[:40]
    answer = komus.post(
        "/prices/",
        params={"region": "77"},
        json={"artnumbers": [a.artnumber for a in candidates]},
    ).json()
    price = {
        item["artnumber"]: Decimal(str(item["prices"][0]["partnerPrice"]))
        for item in answer["content"]
    }
    for first, second in itertools.combinations(candidates, 2):
        for lots in itertools.product((1, 2, 3), repeat=2):
            pair = [(first, lots[0]), (second, lots[1])]
            gross = [
                round_money(a.min_quantity * n * price[a.artnumber]) for a, n in pair
            ]
            by_line = sum(round_money(g * percent / (100 + percent)) for g in gross)
            once = round_money(sum(gross) * percent / (100 + percent))
            if by_line != once:
                return [row(article, lots=n) for article, n in pair]
    raise LookupError(f"no two {rate} % articles that round apart")


@pytest.fixture
def rounding_order(sandbox: Sandbox, komus: httpx.Client) -> dict:
    """22 % and 10 % rows whose VAT differs when rounded per line or per total."""
    rows = [
        *_apart_when_rounded_once(komus, in_stock(sandbox.catalog, vat="22"), "22"),
        *_apart_when_rounded_once(komus, in_stock(sandbox.catalog, vat="10"), "10"),
    ]
    order = place(komus, "REQ-ROUND", *rows).json()
    sandbox.advance(UNTIL_SHIPPED)
    return komus.get(f"/orders/{order['id']}").json()


def _by_line(order: dict) -> dict[str, list]:
    """Each row's amounts computed here from its quantity and price, by VAT rate."""
    amounts: dict[str, list] = {}
    for source in order["rows"]:
        rate = str(source["nds"])
        amounts.setdefault(rate, []).append(
            line_amounts(
                str(source["quantity"]),
                str(source["price"]),
                VatRate(rate),
                price_includes_vat=True,
            )
        )
    return amounts


def _amount_after(label: str, text: str) -> Decimal:
    found = re.search(re.escape(label) + r"\s*([\d\s\u00a0]+,\d{2})", text)
    assert found is not None, f"{label!r} is not on the invoice"
    return Decimal(re.sub(r"\s", "", found.group(1)).replace(",", "."))


def _upd(komus: httpx.Client, order: dict) -> httpx.Response:
    upd = next(d for d in order["documents"] if d["kind"] == "upd")
    return komus.get(f"/orders/{order['id']}/documents/{upd['id']}")


def _pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_invoice_is_a_pdf_naming_the_order(sandbox: Sandbox, komus: httpx.Client):
    order = place(komus, "REQ-1", row(in_stock(sandbox.catalog)[0], lots=2)).json()
    sandbox.advance(UNTIL_INVOICE)

    response = komus.get(f"/orders/{order['id']}/invoice")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = _pdf_text(response.content)
    assert f"Счёт на оплату № СЧ-{order['orderNum']}" in text
    assert f"Заказ № {order['orderNum']}" in text


def test_invoice_totals_vat_by_rate_and_words(mixed_order: dict, komus: httpx.Client):
    response = komus.get(f"/orders/{mixed_order['id']}/invoice")

    text = _pdf_text(response.content)
    total = Decimal(str(mixed_order["price"]))
    assert "В том числе НДС 22%" in text and "В том числе НДС 10%" in text
    assert amount_in_words(total) in text
    assert 'ООО "Ромашка", ИНН 7707083893' in text


def test_invoice_vat_by_rate_and_total_are_sums_of_lines_rounded_one_by_one(
    rounding_order: dict, komus: httpx.Client
):
    amounts = _by_line(rounding_order)

    text = _pdf_text(komus.get(f"/orders/{rounding_order['id']}/invoice").content)

    for rate, lines in amounts.items():
        vat = sum(line.vat for line in lines)
        gross = sum(line.gross for line in lines)
        assert vat != round_money(gross * Decimal(rate) / (100 + Decimal(rate)))
        assert _amount_after(f"В том числе НДС {rate}%:", text) == vat
    total = sum(line.gross for lines in amounts.values() for line in lines)
    assert _amount_after("Итого:", text) == total
    assert _amount_after("Всего к оплате:", text) == total


def test_invoice_is_also_listed_as_a_document(mixed_order: dict, komus: httpx.Client):
    invoice = next(d for d in mixed_order["documents"] if d["kind"] == "invoice")

    listed = komus.get(f"/orders/{mixed_order['id']}/documents").json()
    response = komus.get(f"/orders/{mixed_order['id']}/documents/{invoice['id']}")

    assert invoice in listed["content"]
    assert response.content.startswith(b"%PDF")
    assert response.headers["content-disposition"] == (
        f'attachment; filename="invoice-{mixed_order["orderNum"]}.pdf"'
    )


def test_upd_validates_against_the_official_schema(
    mixed_order: dict, komus: httpx.Client, upd_schema: etree.XMLSchema
):
    response = _upd(komus, mixed_order)

    document = etree.fromstring(response.content)

    assert upd_schema.validate(etree.ElementTree(document)), upd_schema.error_log


def test_upd_is_windows_1251_and_says_so(mixed_order: dict, komus: httpx.Client):
    response = _upd(komus, mixed_order)

    assert response.content.startswith(b'<?xml version="1.0" encoding="windows-1251"?>')
    assert "Счет-фактура".encode("cp1251") in response.content
    assert "Счет-фактура".encode() not in response.content


def test_upd_file_name_is_its_file_id(mixed_order: dict, komus: httpx.Client):
    response = _upd(komus, mixed_order)

    root = etree.fromstring(response.content)
    file_id = root.get("ИдФайл")
    disposition = response.headers["content-disposition"]

    assert disposition == f'attachment; filename="{file_id}.xml"'
    assert re.match(
        r"ON_NSCHFDOPPR_2BM-7707083893-773601001_2BM-7701234560-770101001_20260202_"
        r"[0-9a-f-]{36}",
        file_id,
    )
    assert root.get("ВерсФорм") == "5.03"
    assert root.find("Документ").get("Функция") == "СЧФДОП"


def test_upd_lines_are_rounded_one_by_one_and_totals_are_their_sums(
    mixed_order: dict, komus: httpx.Client
):
    root = etree.fromstring(_upd(komus, mixed_order).content)
    items = root.findall("Документ/ТаблСчФакт/СведТов")
    totals = root.find("Документ/ТаблСчФакт/ВсегоОпл")
    rows = {r["artnumber"]: r for r in mixed_order["rows"]}

    for item in items:
        source = rows[int(item.find("ДопСведТов").get("АртикулТов"))]
        rate = VatRate(str(source["nds"]))
        expected = line_amounts(
            item.get("КолТов"), str(source["price"]), rate, price_includes_vat=True
        )
        assert item.get("НалСт") == f"{source['nds']}%"
        assert Decimal(item.get("СтТовБезНДС")) == expected.net
        assert Decimal(item.findtext("СумНал/СумНал")) == expected.vat
        assert Decimal(item.get("СтТовУчНал")) == expected.gross

    assert {item.get("НалСт") for item in items} == {"22%", "10%"}
    assert Decimal(totals.get("СтТовБезНДСВсего")) == sum(
        Decimal(i.get("СтТовБезНДС")) for i in items
    )
    assert Decimal(totals.findtext("СумНалВсего/СумНал")) == sum(
        Decimal(i.findtext("СумНал/СумНал")) for i in items
    )
    assert Decimal(totals.get("СтТовУчНалВсего")) == Decimal(str(mixed_order["price"]))


def test_upd_totals_are_sums_of_lines_rounded_one_by_one(
    rounding_order: dict, komus: httpx.Client
):
    lines = [line for each in _by_line(rounding_order).values() for line in each]

    root = etree.fromstring(_upd(komus, rounding_order).content)

    totals = root.find("Документ/ТаблСчФакт/ВсегоОпл")
    assert Decimal(totals.get("СтТовБезНДСВсего")) == sum(line.net for line in lines)
    assert Decimal(totals.findtext("СумНалВсего/СумНал")) == sum(
        line.vat for line in lines
    )
    assert Decimal(totals.get("СтТовУчНалВсего")) == sum(line.gross for line in lines)


def test_order_vat_is_extracted_per_row(mixed_order: dict):
    for source in mixed_order["rows"]:
        rate = Decimal(source["nds"])
        gross = Decimal(str(source["total"]))

        assert Decimal(str(source["ndsSum"])) == round_money(
            gross * rate / (100 + rate)
        )


def test_each_shipment_has_its_own_upd(start_sandbox, upd_schema: etree.XMLSchema):
    sandbox = start_sandbox(partial_shipments=True)
    first, second = in_stock(sandbox.catalog)[:2]
    with sandbox.komus() as komus:
        order = place(komus, "REQ-1", row(first), row(second)).json()
        sandbox.advance(UNTIL_SHIPPED + 1440)
        order = komus.get(f"/orders/{order['id']}").json()
        upds = [
            komus.get(f"/orders/{order['id']}/documents/{shipment['updId']}")
            for shipment in order["shipments"]
        ]

    names = [etree.fromstring(u.content).get("ИдФайл") for u in upds]
    assert len(upds) == 2 and len(set(names)) == 2
    assert all(
        upd_schema.validate(etree.fromstring(u.content).getroottree()) for u in upds
    )


def test_payment_record_has_no_file(sandbox: Sandbox, komus: httpx.Client):
    order = place(komus, "REQ-1", row(in_stock(sandbox.catalog)[0])).json()
    sandbox.advance(UNTIL_INVOICE + 60)
    payment = komus.get(f"/orders/{order['id']}").json()["documents"][-1]

    response = komus.get(f"/orders/{order['id']}/documents/{payment['id']}")

    assert payment["kind"] == "payment"
    assert response.status_code == 404


def test_missing_font_is_reported_with_the_fix(tmp_path: Path):
    with pytest.raises(FontMissing, match="fonts-dejavu-core"):
        find_fonts([tmp_path])


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("20151.00", "Двадцать тысяч сто пятьдесят один рубль 00 копеек"),
        ("2002.02", "Две тысячи два рубля 02 копейки"),
        ("11.11", "Одиннадцать рублей 11 копеек"),
        ("1000000.01", "Один миллион рублей 01 копейка"),
    ],
)
def test_amounts_are_written_in_russian_words(amount: str, words: str):
    assert amount_in_words(Decimal(amount)) == words
