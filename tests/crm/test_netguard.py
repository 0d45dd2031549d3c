"""The outbound guard checks the address actually connected to."""

from __future__ import annotations

import pytest

from gateway.netguard import TargetRefused, guarded_client, resolve_checked
from tests.crm.conftest import loopback_resolver
from tests.support.receiver import Receiver, Reply
from tests.support.servers import serve


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://[::1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://0.0.0.0/",
        "http://2130706433/",
        "http://0x7f000001/",
        "http://[::ffff:127.0.0.1]/",
        "http://100.64.0.1/",
        "http://internal.example.com/hook",
        "http://mixed.example.com/hook",
        "ftp://hooks.example.com/",
        "http://user:pw@hooks.example.com/",
    ],
)
def test_guard_refuses_private_reserved_and_odd_urls(url):
    with pytest.raises(TargetRefused):
        resolve_checked(url, [], loopback_resolver)


def test_guard_lets_an_allow_listed_network_through():
    address = resolve_checked(
        "http://hooks.example.com/x", ["127.0.0.0/8"], loopback_resolver
    )

    assert address == "127.0.0.1"


def test_client_connects_to_the_checked_address_with_the_host_header_kept():
    receiver = Receiver()
    with (
        serve(receiver.app) as url,
        guarded_client(
            timeout=5, allowed=["127.0.0.0/8"], resolver=loopback_resolver
        ) as client,
    ):
        port = url.rsplit(":", 1)[1]

        answer = client.post(f"http://hooks.example.com:{port}/hook", content=b"{}")

    assert answer.status_code == 200
    assert receiver.requests[0][1] == b"{}"


def test_public_url_redirecting_to_metadata_is_not_followed():
    receiver = Receiver()
    receiver.default = Reply(302, {"Location": "http://169.254.169.254/latest/"})
    with (
        serve(receiver.app) as url,
        guarded_client(
            timeout=5, allowed=["127.0.0.0/8"], resolver=loopback_resolver
        ) as client,
    ):
        port = url.rsplit(":", 1)[1]

        answer = client.post(f"http://hooks.example.com:{port}/hook", content=b"{}")

    assert answer.status_code == 302
    assert len(receiver.requests) == 1


def test_client_refuses_a_name_resolving_to_a_private_address():
    client = guarded_client(timeout=5, resolver=loopback_resolver)

    with client, pytest.raises(TargetRefused):
        client.post("http://internal.example.com/hook", content=b"{}")
