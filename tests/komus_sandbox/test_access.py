"""Tokens and the rate limit: 180 requests a minute, then a two-hour block."""

from __future__ import annotations

from tests.komus_sandbox.conftest import ACME_TOKEN, DEMO_TOKEN, Sandbox


def _burst(sandbox: Sandbox, count: int, token: str = DEMO_TOKEN) -> list[int]:
    with sandbox.komus(token) as komus:
        return [komus.get("/shipdata/").status_code for _ in range(count)]


def test_request_without_token_is_refused(sandbox: Sandbox):
    with sandbox.komus() as komus:
        komus.headers.pop("token")

        response = komus.get("/elements")

    assert response.status_code == 401
    assert response.json() == {"status": 401, "message": "Не передан токен"}


def test_unknown_token_is_refused(sandbox: Sandbox):
    with sandbox.komus("not-a-komus-token") as komus:
        response = komus.get("/elements")

    assert response.status_code == 401
    assert response.json()["message"] == "Неизвестный токен"


def test_request_over_the_limit_gets_429_and_blocks_the_token(sandbox: Sandbox):
    statuses = _burst(sandbox, 181)

    assert statuses[:180] == [200] * 180
    assert statuses[180] == 429
    assert sandbox.stats()["blocked"] == {DEMO_TOKEN: "2026-02-02 11:00:00"}


def test_limit_answer_says_when_to_come_back(sandbox: Sandbox):
    _burst(sandbox, 180)

    with sandbox.komus() as komus:
        response = komus.get("/shipdata/")

    assert response.headers["retry-after"] == str(2 * 60 * 60)
    assert response.json()["status"] == 429


def test_blocked_token_gets_403_until_the_block_ends(sandbox: Sandbox):
    _burst(sandbox, 181)

    with sandbox.komus() as komus:
        response = komus.get("/elements")

    assert response.status_code == 403
    assert "заблокирован до 2026-02-02 11:00:00" in response.json()["message"]
    assert int(response.headers["retry-after"]) == 7200


def test_block_ends_after_two_hours(sandbox: Sandbox):
    _burst(sandbox, 181)

    sandbox.advance(120)

    assert _burst(sandbox, 1) == [200]


def test_block_of_one_token_leaves_the_others_alone(sandbox: Sandbox):
    _burst(sandbox, 181)

    statuses = _burst(sandbox, 3, token=ACME_TOKEN)

    assert statuses == [200, 200, 200]


def test_requests_spread_over_minutes_are_not_limited(sandbox: Sandbox):
    _burst(sandbox, 150)
    sandbox.advance(1)

    statuses = _burst(sandbox, 150)

    assert set(statuses) == {200}


def test_time_scale_shrinks_the_minute_and_the_block(start_sandbox):
    sandbox = start_sandbox(time_scale=0.01)
    _burst(sandbox, 181)

    with sandbox.komus() as komus:
        blocked = komus.get("/shipdata/")
    sandbox.advance(72 / 60)

    assert blocked.headers["retry-after"] == "72"
    assert _burst(sandbox, 1) == [200]


def test_limit_is_configurable(start_sandbox):
    sandbox = start_sandbox(requests_per_minute=5)

    statuses = _burst(sandbox, 7)

    assert statuses == [200] * 5 + [429, 403]
