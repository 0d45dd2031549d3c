"""Who is calling: a tenant found by its 1C login, its password checked by hash.

Only a salted scrypt digest of each password is kept. Every check costs one
scrypt run, also for an unknown login (against a dummy digest), and digests are
compared in constant time, so neither timing nor answers tell which logins exist.

The password comes from config.yaml until an admin issues a new one in the
console; from then on the digest stored in the database
(``gateway/store/onec_passwords.py``) is the only one that opens the tenant's
exchange. It is read at every sign-in, so a new password takes effect on every
node at once. Each password has a ``credential`` stamp; an exchange session
remembers the stamp it was opened with and ends when the stamp changes. A wrong
password for such a login is also checked against the one the current password
replaced (a second scrypt run), so that a 1C still sending it is told why, and
is not paused as a guesser while someone types the new one in.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import datetime

import structlog

from connectors.onec.settings import (
    CHANNEL,
    OneCProfile,
    OneCSettingsError,
    exchange_settings,
)
from gateway.config import Settings
from gateway.store.database import Database
from gateway.store.onec_passwords import OneCPassword, stored_password

log = structlog.get_logger(__name__)

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SCHEME = "scrypt"
CONFIG_CREDENTIAL = "config"
"""The stamp of the password config.yaml gives, for sessions opened with it."""
PASSWORD_BYTES = 18
"""A new password's randomness: 24 URL-safe characters, typed into 1C once."""


class StoredPasswordError(OneCSettingsError):
    """A stored password hash that this gateway cannot read."""


@dataclass(frozen=True)
class PasswordDigest:
    salt: bytes
    digest: bytes
    n: int = SCRYPT_N
    r: int = SCRYPT_R
    p: int = SCRYPT_P

    @classmethod
    def of(cls, password: str) -> PasswordDigest:
        salt = os.urandom(16)
        return cls(salt, _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P))

    def matches(self, password: str) -> bool:
        computed = _scrypt(password, self.salt, self.n, self.r, self.p)
        return hmac.compare_digest(computed, self.digest)

    def encode(self) -> str:
        """``scrypt$n$r$p$salt$digest`` (base64): the form kept in the database,
        with the cost parameters, so raising them later leaves old hashes valid."""
        salt = base64.b64encode(self.salt).decode()
        digest = base64.b64encode(self.digest).decode()
        return f"{SCHEME}${self.n}${self.r}${self.p}${salt}${digest}"

    @classmethod
    def decode(cls, text: str) -> PasswordDigest:
        parts = text.split("$")
        try:
            if len(parts) != 6 or parts[0] != SCHEME:
                raise ValueError("not an scrypt hash")
            n, r, p = (int(part) for part in parts[1:4])
            salt = base64.b64decode(parts[4], validate=True)
            digest = base64.b64decode(parts[5], validate=True)
        except (ValueError, binascii.Error) as error:
            raise StoredPasswordError(
                f"the stored 1C password hash cannot be read ({error}); issue a new "
                "password in the console"
            ) from error
        return cls(salt, digest, n, r, p)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    # scrypt needs 128·r·n bytes; OpenSSL's default ceiling is 32 MiB.
    memory = max(32 << 20, 256 * r * n)
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=memory
    )


def new_password() -> str:
    """A random 1C exchange password, for an admin to type into 1C."""
    return secrets.token_urlsafe(PASSWORD_BYTES)


def password_hash(password: str) -> str:
    return PasswordDigest.of(password).encode()


def credential_stamp(stored_hash: str) -> str:
    """Names one issued password without revealing anything about it."""
    return hashlib.sha256(stored_hash.encode()).hexdigest()[:16]


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


@dataclass(frozen=True)
class Verified:
    """A sign-in that succeeded: whose login, and which password opened it."""

    profile: OneCProfile
    credential: str


@dataclass(frozen=True)
class Replaced:
    """A password that was right until an admin issued a new one at ``rotated_at``.

    1C keeps sending it on its schedule until someone types the new one in; it is
    told so, and is not counted as a guess."""

    profile: OneCProfile
    rotated_at: datetime


class Directory:
    """Every tenant with an enabled 1C channel, by login.

    With a database, a password issued in the console and stored there replaces
    the tenant's config.yaml password; without one (a check of config.yaml
    alone) only the file counts.
    """

    def __init__(self, settings: Settings, db: Database | None = None):
        self.db = db
        self._profiles: dict[str, OneCProfile] = {}
        self._digests: dict[str, PasswordDigest] = {}
        self._dummy = PasswordDigest.of(os.urandom(12).hex())
        self._decoded: dict[str, tuple[str, PasswordDigest]] = {}
        """Tenant → the stored hash last read and its digest, decoded once."""
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
        verified = self.verify(credentials)
        return verified.profile if isinstance(verified, Verified) else None

    def verify(self, credentials: BasicCredentials) -> Verified | Replaced | None:
        """The tenant and password stamp these credentials open; ``Replaced`` for
        the password the current one replaced; None otherwise."""
        key = credentials.login.strip().casefold()
        profile = self._profiles.get(key)
        stored = self._stored(profile)
        if profile is None:
            self._dummy.matches(credentials.password)
            return None
        if self._digest(key, stored).matches(credentials.password):
            return Verified(profile, _stamp(stored))
        if stored is not None and self._previous(key, stored).matches(
            credentials.password
        ):
            return Replaced(profile, stored.rotated_at)
        return None

    def credential(self, tenant_id: str) -> str | None:
        """The stamp of the password that opens the tenant's exchange now."""
        profile = self.for_tenant(tenant_id)
        if profile is None:
            return None
        return _stamp(self._stored(profile))

    def _stored(self, profile: OneCProfile | None) -> OneCPassword | None:
        # The store is asked for unknown logins too, so that the time an answer
        # takes does not tell which logins exist.
        if self.db is None:
            return None
        return stored_password(self.db, profile.tenant_id if profile else "")

    def _digest(self, key: str, stored: OneCPassword | None) -> PasswordDigest:
        if stored is None:
            return self._digests[key]
        known = self._decoded.get(stored.tenant_id)
        if known is None or known[0] != stored.password_hash:
            known = (stored.password_hash, PasswordDigest.decode(stored.password_hash))
            self._decoded[stored.tenant_id] = known
        return known[1]

    def _previous(self, key: str, stored: OneCPassword) -> PasswordDigest:
        if stored.previous_hash is None:
            return self._digests[key]
        return PasswordDigest.decode(stored.previous_hash)


def _stamp(stored: OneCPassword | None) -> str:
    if stored is None:
        return CONFIG_CREDENTIAL
    return credential_stamp(stored.password_hash)
