"""The ``smtp`` and ``notifications`` sections of config.yaml.

Kept apart from ``gateway.config`` so that the package owns its settings; the
config module only names the two sections.
"""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator


class SmtpSettings(BaseModel):
    """Where e-mail goes. Off by default: nothing is queued until it is enabled."""

    model_config = ConfigDict(extra="forbid")
    enabled: bool = False
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 587
    security: Literal["starttls", "ssl", "none"] = "starttls"
    login: str | None = None
    password: SecretStr | None = None
    from_address: str = "komus-gateway@localhost"
    from_name: str = "Komus Gateway"
    timeout_seconds: Annotated[float, Field(gt=0)] = 30.0


class NotificationSettings(BaseModel):
    """The daily digest's hour, the watchers' pace and the floor for price news."""

    model_config = ConfigDict(extra="forbid")
    digest_hour: Annotated[int, Field(ge=0, le=23)] = 8
    time_zone: str = "Europe/Moscow"
    digest_check_seconds: Annotated[float, Field(gt=0)] = 300.0
    price_watch_seconds: Annotated[float, Field(gt=0)] = 3600.0
    promotion_watch_seconds: Annotated[float, Field(gt=0)] = 3600.0
    default_price_threshold_percent: Annotated[float, Field(ge=0, le=1000)] = 5.0
    console_url: str = ""  # links in e-mails, e.g. https://gateway.example.ru

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{name!r} is not a time zone; write an IANA name such as Europe/Moscow"
            ) from None
        return name

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)
