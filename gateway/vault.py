"""Credentials sealed at rest with the operator's key (``GATEWAY_SECRET_KEY``).

CRM API tokens, client secrets, Basic passwords and the Bitrix24 REST URL (its path
is a credential) sit in each hook's ``settings``; a webhook subscription's signing
secret sits in its row. All of them are written sealed (Fernet: AES-128-CBC with
HMAC-SHA256) as ``sealed:<token>`` and opened only where a request needs them.

``GATEWAY_SECRET_KEY`` holds one or more Fernet keys separated by spaces or commas:
the first seals, every one opens. To rotate, put the new key first and keep the old
one after it; on start the gateway seals every stored value again with the new key,
after which the old key can go.

Without that variable, ``secrets.key_file`` in the config names a file that holds
the key, made on first start; the embedded default keeps it beside its SQLite
database, which protects a copied database but not a stolen disk.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import structlog
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from gateway.errors import FinalError

log = structlog.get_logger(__name__)

ENV = "GATEWAY_SECRET_KEY"
PREFIX = "sealed:"

SECRET_SETTINGS = frozenset(
    {
        "access_token",
        "api_token",
        "application_token",
        "client_secret",
        "password",
        "refresh_token",
        "rest_url",
        "secret",
    }
)
"""Hook settings that are credentials; every other setting is kept readable."""


class SecretKeyMissing(FinalError):
    """A credential must be sealed or opened and no key is configured."""


class SecretUnreadable(FinalError):
    """A sealed value does not open with any configured key."""


def new_key() -> str:
    return Fernet.generate_key().decode()


class Vault:
    def __init__(self, keys: list[str]):
        self.keys = keys
        try:
            fernets = [Fernet(key.encode()) for key in keys]
        except ValueError as exc:
            raise SecretKeyMissing(
                f"{ENV} holds a key that is not a Fernet key (32 url-safe base64 "
                "bytes); make one with: python -c 'from cryptography.fernet import "
                "Fernet; print(Fernet.generate_key().decode())'"
            ) from exc
        self._primary = fernets[0] if fernets else None
        self._all = MultiFernet(fernets) if fernets else None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Vault:
        raw = (environ if environ is not None else os.environ).get(ENV, "")
        return cls([k for k in re.split(r"[\s,]+", raw) if k])

    @property
    def ready(self) -> bool:
        return self._primary is not None

    def seal(self, value: str) -> str:
        if self._primary is None:
            raise SecretKeyMissing(
                f"{ENV} is not set, so CRM credentials cannot be stored; set it to a "
                "Fernet key (see the README, section CRM webhooks) and restart"
            )
        return PREFIX + self._primary.encrypt(value.encode()).decode()

    def open(self, value: str) -> str:
        """The plain value; a value that was never sealed comes back as it is."""
        if not is_sealed(value):
            return value
        if self._all is None:
            raise SecretKeyMissing(
                f"{ENV} is not set, so sealed CRM credentials cannot be read; set the "
                "key they were sealed with and restart"
            )
        try:
            return self._all.decrypt(value.removeprefix(PREFIX).encode()).decode()
        except InvalidToken as exc:
            raise SecretUnreadable(
                f"a sealed CRM credential does not open with any key in {ENV}; "
                "add the key it was sealed with"
            ) from exc

    def is_current(self, value: str) -> bool:
        """Sealed with the first key (nothing to do on a reseal)."""
        if not is_sealed(value) or self._primary is None:
            return False
        try:
            self._primary.decrypt(value.removeprefix(PREFIX).encode())
        except InvalidToken:
            return False
        return True

    def reseal(self, value: str) -> str:
        return self.seal(self.open(value))

    # -- hook settings ---------------------------------------------------------------

    def seal_settings(self, settings: Mapping[str, Any]) -> dict[str, Any]:
        return {
            name: self.seal(str(value))
            if _secret_setting(name, value) and not is_sealed(value)
            else value
            for name, value in settings.items()
        }

    def open_settings(self, settings: Mapping[str, Any]) -> dict[str, Any]:
        return {
            name: self.open(value) if is_sealed(value) else value
            for name, value in settings.items()
        }

    def reseal_settings(self, settings: Mapping[str, Any]) -> dict[str, Any] | None:
        """The settings sealed with the first key, or None when they already are."""
        if all(
            self.is_current(value)
            for name, value in settings.items()
            if _secret_setting(name, value)
        ):
            return None
        return self.seal_settings(self.open_settings(settings))


def is_sealed(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def plain_secrets(settings: Mapping[str, Any]) -> list[str]:
    """Names of credentials in ``settings`` that are stored unsealed."""
    return sorted(
        name
        for name, value in settings.items()
        if _secret_setting(name, value) and not is_sealed(value)
    )


def _secret_setting(name: str, value: Any) -> bool:
    return name in SECRET_SETTINGS and isinstance(value, str) and value != ""


def operator_vault(key_file: Path | None) -> Vault:
    """The vault of a running gateway: the key from the environment, else the file.

    A missing key file is made (readable by its owner only) so that the embedded
    default can keep credentials from its first start; a cluster sets the variable.
    """
    vault = Vault.from_env()
    if vault.ready or key_file is None:
        return vault
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(new_key() + "\n")
        log.warning(
            "secret_key_file_created",
            path=str(key_file),
            next_step=f"back this file up with the database, or set {ENV} and keep "
            "the key apart from the data",
        )
    keys = key_file.read_text(encoding="ascii").split()
    if not keys:
        raise SecretKeyMissing(
            f"{key_file} holds no key; delete it to have a new one made (only when "
            f"nothing was sealed with it yet) or set {ENV}"
        )
    return Vault(keys)
