"""Who is calling: a tenant found by its 1C login, its password checked by hash.

Only a salted scrypt digest of each password is kept. Every check costs one
scrypt run, also for an unknown login (against a dummy digest), and digests are
compared in constant time, so neither timing nor answers tell which logins exist.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass

import structlog

from connectors.onec.settings import (
    CHANNEL,
    OneCProfile,
    OneCSettingsError,
    exchange_settings,
)
from gateway.config import Settings

log = structlog.get_logger(__name__)

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


@dataclass(frozen=True)
class PasswordDigest:
    salt: bytes
    digest: bytes

    @classmethod
    def of(cls, password: str) -> PasswordDigest:
        salt = os.urandom(16)
        return cls(salt, _scrypt(password, salt))

    def matches(self, password: str) -> bool:
        return hmac.compare_digest(_scrypt(password, self.salt), self.digest)


def _scrypt(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P
    )


@dataclass(frozen=True)
class BasicCredentials:
    login: str
    password: str


def parse_basic(header: str | None) -> BasicCredentials | None:
    """``Authorization: Basic …`` as login and password; None when absent or broken.

    1C encodes the pair in UTF-8; very old builds used windows-1251.
    """
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp1251")
    login, colon, password = text.partition(":")
    if not colon:
        return None
    return BasicCredentials(login, password)


class Directory:
    """Every tenant with an enabled 1C channel, by login."""

    def __init__(self, settings: Settings):
        self._profiles: dict[str, OneCProfile] = {}
        self._digests: dict[str, PasswordDigest] = {}
        self._dummy = PasswordDigest.of(os.urandom(12).hex())
        claimed: dict[str, str] = {}
        for tenant in settings.tenants:
            exchange = exchange_settings(tenant)
            channel = tenant.channels.get(CHANNEL)
            if exchange is None or channel is None:
                continue
            if not channel.login or channel.password is None:
                log.warning(
                    "onec_channel_without_credentials",
                    tenant=tenant.id,
                    next_step="set channels.onec.login and password in config.yaml",
                )
                continue
            login = channel.login.strip()
            if login.casefold() in claimed:
                raise OneCSettingsError(
                    f"tenants[{tenant.id}].channels.onec.login: {login!r} is already "
                    f"the 1C login of tenant {claimed[login.casefold()]!r}; each "
                    "tenant needs its own"
                )
            claimed[login.casefold()] = tenant.id
            self._profiles[login.casefold()] = OneCProfile(tenant, login, exchange)
            self._digests[login.casefold()] = PasswordDigest.of(
                channel.password.get_secret_value()
            )

    def __len__(self) -> int:
        return len(self._profiles)

    def profiles(self) -> list[OneCProfile]:
        return list(self._profiles.values())

    def for_tenant(self, tenant_id: str) -> OneCProfile | None:
        return next(
            (p for p in self._profiles.values() if p.tenant_id == tenant_id), None
        )

    def authenticate(self, credentials: BasicCredentials) -> OneCProfile | None:
        """The tenant whose login and password these are; None otherwise."""
        key = credentials.login.strip().casefold()
        digest = self._digests.get(key, self._dummy)
        matches = digest.matches(credentials.password)
        profile = self._profiles.get(key)
        return profile if matches and profile is not None else None
