"""A tenant's 1C settings: versions, and passwords kept only as hashes."""

from __future__ import annotations

import pytest

from connectors.onec.credentials import BasicCredentials, Directory, parse_basic
from connectors.onec.settings import OutputProfile, negotiate
from gateway.config import parse_settings
from tests.onec.harness import basic

CONFIG = """
tenants:
  - id: demo
    legal_name: ООО "Ромашка"
    inn: "7707083893"
    kpp: "773601001"
    channels:
      onec:
        login: demo
        password: demo
        output: {version: 2.10, encoding: utf-8}
"""


@pytest.mark.parametrize(
    ("asked", "spoken"),
    [
        ("2.08", "2.08"),
        ("2.1", "2.10"),
        ("2.10", "2.10"),
        ("3.1", "3.1"),
        ("4.0", "3.1"),
        ("2.02", "2.03"),
        ("x", "2.10"),
    ],
)
def test_the_version_spoken_is_the_nearest_one_not_above_what_1c_asked(asked, spoken):
    assert negotiate(asked, "2.10") == spoken


def test_an_unquoted_yaml_version_still_means_2_10():
    assert OutputProfile.model_validate({"version": 2.1}).version == "2.10"


def test_a_tenant_is_found_by_login_and_password():
    directory = Directory(parse_settings(CONFIG))

    profile = directory.authenticate(BasicCredentials("Demo", "demo"))

    assert profile is not None and profile.tenant_id == "demo"
    assert profile.output.encoding == "utf-8"


def test_a_wrong_password_finds_no_tenant():
    directory = Directory(parse_settings(CONFIG))

    assert directory.authenticate(BasicCredentials("demo", "Demo")) is None


def test_only_a_salted_hash_of_the_password_is_kept():
    directory = Directory(parse_settings(CONFIG))

    (kept,) = directory._digests.values()

    assert (len(kept.salt), len(kept.digest)) == (16, 64)
    assert kept.matches("demo") and not kept.matches("demo ")


def test_basic_credentials_are_read_from_the_header():
    assert parse_basic(basic("demo", "p:ss")) == BasicCredentials("demo", "p:ss")
    assert parse_basic("Bearer x") is None
