"""Where the key that seals stored credentials comes from."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from gateway.vault import ENV, SecretKeyMissing, Vault, new_key, operator_vault


@pytest.fixture(autouse=True)
def no_key_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)


def test_a_missing_key_file_is_made_readable_by_its_owner_only(tmp_path: Path):
    key_file = tmp_path / "var" / "secret.key"

    vault = operator_vault(key_file)

    assert vault.ready
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    sealed = vault.seal("token-1")
    assert operator_vault(key_file).open(sealed) == "token-1"


def test_the_environment_key_wins_over_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    key_file = tmp_path / "secret.key"
    key_file.write_text(new_key() + "\n")
    environment_key = new_key()
    monkeypatch.setenv(ENV, environment_key)

    sealed = operator_vault(key_file).seal("token-2")

    assert Vault([environment_key]).open(sealed) == "token-2"


def test_no_file_configured_and_no_environment_key_leaves_the_vault_unready():
    assert not operator_vault(None).ready


def test_an_empty_key_file_is_refused_with_what_to_do(tmp_path: Path):
    key_file = tmp_path / "secret.key"
    key_file.write_text("\n")

    with pytest.raises(SecretKeyMissing) as refused:
        operator_vault(key_file)

    assert str(key_file) in str(refused.value) and ENV in str(refused.value)
