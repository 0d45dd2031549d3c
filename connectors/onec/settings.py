"""A tenant's 1C exchange settings: ``tenants[].channels.onec`` in config.yaml.

``login`` and ``password`` are the channel credentials every connector has; the
other keys belong to this connector::

    channels:
      onec:
        login: demo
        password: ${DEMO_1C_PASSWORD:-demo}
        zip: true                 # 1C may send zip archives (init answers zip=yes)
        file_limit: 8388608       # bytes per mode=file request (capped by the server)
        max_file_bytes: 52428800  # one uploaded file, all chunks together
        import_seconds: 20        # one mode=import call works this long at most
        output:                   # what mode=query sends back
          version: "2.10"         # CommerceML when 1C names none in mode=init
          encoding: windows-1251  # or utf-8 (written with a BOM)
          documents: [invoice, upd, act, payment, shipment]
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from gateway.config import ChannelCredentials, TenantSettings
from gateway.errors import GatewayError

CHANNEL = "onec"
DOCUMENT_KINDS = ("invoice", "upd", "act", "payment", "shipment")
SUPPORTED_VERSIONS = ("2.03", "2.04", "2.05", "2.06", "2.07", "2.08", "2.09", "2.10")
NEWEST = "3.1"


class OneCSettingsError(GatewayError):
    """A tenant's ``channels.onec`` section cannot be used; names the key."""


def version_key(version: str) -> tuple[int, int]:
    """``"2.08"`` → (2, 8); ``"2.1"`` is Bitrix's short form of 2.10."""
    major, _, minor = version.strip().partition(".")
    if not major.isdigit() or not minor.isdigit():
        raise ValueError(f"not a CommerceML version: {version!r} (write it as 2.10)")
    if major == "2" and minor == "1":
        minor = "10"
    return int(major), int(minor)


def negotiate(asked: str | None, default: str) -> str:
    """The CommerceML version the gateway writes for what 1C asked in ``init``."""
    if not asked:
        return default
    try:
        key = version_key(asked)
    except ValueError:
        return default
    if key >= (3, 0):
        return NEWEST
    for version in reversed(SUPPORTED_VERSIONS):
        if version_key(version) <= key:
            return version
    return SUPPORTED_VERSIONS[0]


class OutputProfile(BaseModel):
    """What ``mode=query`` writes: CommerceML version, encoding, which documents."""

    model_config = ConfigDict(extra="forbid")

    version: str = "2.10"
    encoding: Literal["windows-1251", "utf-8"] = "windows-1251"
    documents: list[Literal["invoice", "upd", "act", "payment", "shipment"]] = Field(
        default_factory=lambda: list(DOCUMENT_KINDS)
    )

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> str:
        # YAML reads an unquoted 2.10 as the number 2.1.
        text = f"{value}" if isinstance(value, int | float) else str(value)
        key = version_key(text)
        return NEWEST if key >= (3, 0) else f"{key[0]}.{key[1]:02d}"

    @field_validator("encoding", mode="before")
    @classmethod
    def _encoding_name(cls, value: Any) -> Any:
        if isinstance(value, str) and value.lower() in ("cp1251", "windows-1251"):
            return "windows-1251"
        if isinstance(value, str) and value.lower() in ("utf8", "utf-8"):
            return "utf-8"
        return value


class ExchangeSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    zip: bool = True
    file_limit: Annotated[int, Field(ge=1024)] = 8 * 1024 * 1024
    max_file_bytes: Annotated[int, Field(ge=1024)] = 50 * 1024 * 1024
    import_seconds: Annotated[float, Field(gt=0, le=25)] = 20.0
    session_hours: Annotated[float, Field(gt=0)] = 24.0
    output: OutputProfile = Field(default_factory=OutputProfile)


class OneCProfile:
    """One tenant's exchange: login, the password's hash, and the settings above."""

    def __init__(self, tenant: TenantSettings, login: str, settings: ExchangeSettings):
        self.tenant = tenant
        self.login = login
        self.settings = settings

    @property
    def tenant_id(self) -> str:
        return self.tenant.id

    @property
    def output(self) -> OutputProfile:
        return self.settings.output

    @property
    def encoding(self) -> str:
        return self.settings.output.encoding


def exchange_settings(tenant: TenantSettings) -> ExchangeSettings | None:
    """The tenant's 1C settings, or None when it has no enabled 1C channel."""
    channel: ChannelCredentials | None = tenant.channels.get(CHANNEL)
    if channel is None or not channel.enabled:
        return None
    try:
        return ExchangeSettings.model_validate(channel.model_extra or {})
    except ValidationError as error:
        problems = "; ".join(
            f"tenants[{tenant.id}].channels.onec."
            + ".".join(str(part) for part in problem["loc"])
            + f": {problem['msg']}"
            for problem in error.errors()
        )
        raise OneCSettingsError(problems) from error
