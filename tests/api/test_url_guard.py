"""A NUL character in a URL is refused before it reaches the database."""

from __future__ import annotations

import pytest

from tests.api.harness import Api


@pytest.mark.parametrize(
    "path",
    ["/orders?q=%00", "/messages?channel=a%00b", "/deliveries?event_type=%00"],
)
def test_nul_in_a_query_is_400_not_a_database_error(api: Api, path: str) -> None:
    answer = api.admin.get(path)

    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == "the URL contains a NUL character (%00)"
