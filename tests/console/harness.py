"""Signing in to a console under test and posting its forms, over real HTTP."""

from __future__ import annotations

import re

import httpx

from gateway.console.users import create_user
from gateway.hub import Hub

PASSWORD = "correct horse 42"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def add_user(hub: Hub, login: str, role: str, tenant: str | None = None) -> None:
    create_user(hub, login, PASSWORD, role, tenant, actor="test")


class Browser:
    """An httpx client that keeps cookies like a browser and fills CSRF fields."""

    def __init__(self, url: str):
        self.client = httpx.Client(base_url=url, timeout=30, follow_redirects=False)

    def sign_in(self, login: str, password: str = PASSWORD) -> httpx.Response:
        form = self.client.get("/console/login")
        return self.client.post(
            "/console/login",
            data={"csrf": csrf_of(form.text), "login": login, "password": password},
        )

    def get(self, path: str) -> httpx.Response:
        return self.client.get(path)

    def submit(self, page: str, action: str, **fields: str) -> httpx.Response:
        """Post a form the way the page would, with the page's CSRF token."""
        token = csrf_of(self.client.get(page).text)
        return self.client.post(action, data={"csrf": token, **fields})

    def close(self) -> None:
        self.client.close()
