"""Debian's Chromium driven by Playwright for the console's browser tests.

Tests open a page with ``opened_page`` and sign in with ``sign_in``; a module
marks itself with ``needs_chromium`` so that a machine without the browser skips
it with the reason instead of failing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.console.harness import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
"""Screenshots the tests take, for a person to look at after a run."""

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="/usr/bin/chromium is missing (apt-get install chromium)",
)


@contextmanager
def opened_page(base_url: str) -> Iterator[Any]:
    """A fresh browser context on ``base_url`` that accepts downloads."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=ARGS, headless=True
        )
        context = chromium.new_context(base_url=base_url, accept_downloads=True)
        try:
            yield context.new_page()
        finally:
            context.close()
            chromium.close()


def sign_in(page: Any, login: str, password: str = PASSWORD) -> None:
    """Sign in through the login form and wait for the dashboard."""
    page.goto("/console/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/")
