"""Wrong 1C passwords, again and again from one address, pause that login there."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connectors.onec.connector import OneCConnector
from connectors.onec.throttle import MAX_FAILURES, PAUSE, LoginThrottle
from gateway.clock import ManualClock
from tests.onec.harness import DEMO_PASSWORD, messages

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock(onec_connector: OneCConnector, gateway) -> ManualClock:
    clock = ManualClock(START)
    assert onec_connector.protocol is not None
    onec_connector.protocol.throttle.clock = clock
    return clock


def _wrong_tries(onec, times: int) -> list:
    onec.password = "not-the-password"
    answers = [onec.checkauth() for _ in range(times)]
    onec.password = DEMO_PASSWORD
    return answers


def test_the_wrong_password_that_reaches_the_limit_says_the_login_is_paused(
    onec, gateway, clock
):
    answers = _wrong_tries(onec, MAX_FAILURES)

    assert [a.first for a in answers] == ["failure"] * MAX_FAILURES
    assert "too many" not in answers[-2].text
    assert "that was too many from this address" in answers[-1].text
    assert "until 12:15 Moscow time (in 15 min)" in answers[-1].text
    assert len(messages(gateway, kind="onec.login")) == MAX_FAILURES


def test_a_paused_login_is_refused_even_with_the_right_password(onec, gateway, clock):
    _wrong_tries(onec, MAX_FAILURES)
    clock.advance(60)

    answer = onec.checkauth()

    assert answer.lines[0] == "failure"
    assert answer.content_type == "text/plain; charset=windows-1251"
    assert (
        "too many wrong passwords for login 'demo' from this address: the gateway "
        "refuses it until 12:15 Moscow time (in 14 min)"
    ) in answer.text
    assert messages(gateway, kind="onec.session") == []


def test_basic_credentials_on_later_requests_are_paused_too(onec, gateway, clock):
    _wrong_tries(onec, MAX_FAILURES)

    answer = onec.call("init", credentials=True)

    assert answer.lines[0] == "failure"
    assert "too many wrong passwords for login 'demo'" in answer.text


def test_the_login_signs_in_again_once_the_pause_is_over(onec, gateway, clock):
    _wrong_tries(onec, MAX_FAILURES)
    clock.advance(PAUSE.total_seconds() + 1)

    answer = onec.checkauth()

    assert answer.lines[0] == "success"


def test_a_right_password_clears_the_count(onec, gateway, clock):
    _wrong_tries(onec, MAX_FAILURES - 1)
    assert onec.checkauth().first == "success"

    answers = _wrong_tries(onec, MAX_FAILURES - 1)

    assert not any("too many" in a.text for a in answers)
    assert onec.checkauth().first == "success"


def test_failures_older_than_the_window_do_not_count():
    clock = ManualClock(START)
    throttle = LoginThrottle(clock, max_failures=3, window=timedelta(minutes=15))
    throttle.failed("demo", "10.0.0.1")
    throttle.failed("demo", "10.0.0.1")
    clock.advance(16 * 60)

    paused = throttle.failed("demo", "10.0.0.1")

    assert paused is None


def test_a_pause_holds_one_address_and_not_another():
    throttle = LoginThrottle(ManualClock(START), max_failures=2)
    throttle.failed("Demo", "10.0.0.1")

    paused = throttle.failed("demo", "10.0.0.1")

    assert paused == START + PAUSE
    assert throttle.paused_until("DEMO", "10.0.0.1") == paused
    assert throttle.paused_until("demo", "10.0.0.2") is None
