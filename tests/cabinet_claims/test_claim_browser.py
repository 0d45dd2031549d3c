"""In headless Chromium: a manager files a claim with a photo from an order line,
sees Komus's answer, and chooses their notifications."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cabinet_claims.harness import PASSWORD, Cabinet, png_of_size
from tests.console.harness import add_user
from tests.support.chromium import ARTIFACTS, needs_chromium, opened_page, sign_in

pytestmark = needs_chromium


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The browser path runs on SQLite; the httpx tests cover PostgreSQL."""
    return sqlite_url


@pytest.fixture
def page(cabinet: Cabinet) -> Iterator[object]:
    with opened_page(cabinet.url) as opened:
        yield opened


def test_manager_files_a_claim_with_a_photo_and_sets_notifications(
    cabinet: Cabinet, page, tmp_path: Path
):
    order = cabinet.order()
    add_user(cabinet.hub, "maria", "manager", "acme")
    photo = tmp_path / "упаковка.png"
    photo.write_bytes(png_of_size(300_000))
    sign_in(page, "maria", PASSWORD)

    page.goto(f"/console/orders/{order.id}")
    page.locator("#lines a.claim-line").nth(1).click()
    page.select_option("select[name=reason]", "not_delivered")
    page.fill("input[name=quantity]", "1")
    page.fill("textarea[name=text]", "Вторая позиция не приехала")
    page.set_input_files("input[name=photos]", str(photo))
    page.screenshot(path=str(ARTIFACTS / "claim-form.png"), full_page=True)
    page.click("#claim-form button[type=submit]")
    page.wait_for_url("**/console/claims/*?note=filed")
    cabinet.dispatch()
    cabinet.sandbox.advance(241)
    assert cabinet.cabinet.tracker is not None
    cabinet.cabinet.tracker.run_once()
    page.reload()
    page.screenshot(path=str(ARTIFACTS / "claim.png"), full_page=True)

    assert page.locator("#claim-status").inner_text() == "удовлетворена"
    assert "упаковка.png" in page.locator("#claim-photos").inner_text()
    assert "удовлетворена" in page.locator("#claim-answer").inner_text()

    page.click("header nav >> text=Уведомления")
    page.fill("input[name=email]", "maria@acme.test")
    page.select_option("select[name=mode_claim]", "immediate")
    page.select_option("select[name=mode_price]", "digest")
    page.fill("input[name=threshold]", "3")
    page.click("#notifications-form button[type=submit]")
    page.wait_for_url("**/console/notifications?note=saved")
    page.screenshot(path=str(ARTIFACTS / "notifications.png"), full_page=True)

    assert page.locator("select[name=mode_price]").input_value() == "digest"
    assert page.locator("input[name=email]").input_value() == "maria@acme.test"
