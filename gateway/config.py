"""The gateway's configuration: ``config.yaml``, typed and validated.

Secrets stay out of the file: any string may say ``${VAR}`` or ``${VAR:-default}`` and
is expanded from the environment. Every problem is reported as
``config.yaml:LINE:COL: path.to.field: message`` so the operator can jump to it.
"""

from __future__ import annotations

import ipaddress
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from gateway.errors import ConfigError, ConfigProblem
from gateway.identifiers import inn_problem, kpp_problem
from gateway.notifications.settings import NotificationSettings, SmtpSettings

DEFAULT_RETRY_SCHEDULE = (0, 5, 300, 1800, 7200, 18000, 36000, 36000)
"""Seconds before each attempt: at once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ServerSettings(Section):
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 8080
    admin_token: SecretStr | None = None
    max_body_bytes: Annotated[int, Field(ge=1024)] = 50 * 1024 * 1024


class DatabaseSettings(Section):
    url: str = "sqlite:///var/gateway.db"
    echo: bool = False

    @field_validator("url")
    @classmethod
    def _known_backend(cls, url: str) -> str:
        if not url.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:")):
            raise ValueError("use sqlite:///PATH or postgresql+psycopg://USER@HOST/DB")
        return url


class SchedulerSettings(Section):
    enabled: bool = True
    dispatch_interval_seconds: Annotated[float, Field(gt=0)] = 2.0
    housekeeping_interval_seconds: Annotated[float, Field(gt=0)] = 60.0
    misfire_grace_seconds: Annotated[int, Field(ge=1)] = 60


class RetrySchedule(Section):
    delays: list[Annotated[float, Field(ge=0)]] = Field(
        default_factory=lambda: list(DEFAULT_RETRY_SCHEDULE), min_length=1
    )
    jitter: Annotated[float, Field(ge=0, lt=1)] = 0.2


class OutboxSettings(Section):
    lease_seconds: Annotated[float, Field(gt=0)] = 120.0
    batch_size: Annotated[int, Field(ge=1, le=1000)] = 20
    concurrency: Annotated[int, Field(ge=1, le=64)] = 4
    request_timeout_seconds: Annotated[float, Field(gt=0)] = 30.0
    keep_delivered_days: Annotated[int, Field(ge=1)] = 30
    schedules: dict[str, RetrySchedule] = Field(
        default_factory=lambda: {"default": RetrySchedule()}
    )
    allow_private_targets: list[str] = Field(default_factory=list)

    @field_validator("allow_private_targets")
    @classmethod
    def _networks(cls, targets: list[str]) -> list[str]:
        for target in targets:
            try:
                ipaddress.ip_network(target, strict=False)
            except ValueError:
                raise ValueError(
                    f"{target!r} is not a network; write an address or a CIDR such as "
                    "127.0.0.0/8 or 10.20.0.0/16"
                ) from None
        return targets

    def schedule_for(self, channel: str) -> RetrySchedule:
        return (
            self.schedules.get(channel)
            or self.schedules.get("default")
            or RetrySchedule()
        )


class SandboxConsignee(Section):
    id: Annotated[int, Field(ge=1)]
    name: Annotated[str, Field(min_length=1)]
    inn: str
    kpp: str | None = None
    address: Annotated[str, Field(min_length=1)]
    region: Annotated[str, Field(pattern=r"^[0-9]{2}$")] = "77"
    default: bool = False


class SandboxClient(Section):
    """A Komus customer the sandbox knows by its token; replaces a built-in one."""

    token: Annotated[str, Field(min_length=8)]
    name: Annotated[str, Field(min_length=1)]
    inn: str
    kpp: str | None = None
    address: str = ""
    regions: list[Annotated[str, Field(pattern=r"^[0-9]{2}$")]] = Field(
        default_factory=lambda: ["77"], min_length=1
    )
    discount_percent: Annotated[float, Field(ge=0, lt=100)] = 0.0
    partial_shipments: bool | None = None
    consignees: list[SandboxConsignee] = Field(default_factory=list)


class SandboxFaults(Section):
    error_rate: Annotated[float, Field(ge=0, le=1)] = 0.0
    latency_ms: Annotated[int, Field(ge=0)] = 0
    timeout_rate: Annotated[float, Field(ge=0, le=1)] = 0.0
    timeout_seconds: Annotated[float, Field(gt=0)] = 35.0
    throttle_rate: Annotated[float, Field(ge=0, le=1)] = 0.0
    retry_after_seconds: Annotated[int, Field(ge=1)] = 5
    seed: int = 0


class SandboxStages(Section):
    """Minutes on the sandbox clock from one order status to the next."""

    reserve: Annotated[float, Field(ge=0)] = 5
    invoice: Annotated[float, Field(ge=0)] = 10
    pay: Annotated[float, Field(ge=0)] = 60
    pick: Annotated[float, Field(ge=0)] = 30
    ship: Annotated[float, Field(ge=0)] = 120
    ship_rest: Annotated[float, Field(ge=0)] = 1440
    deliver: Annotated[float, Field(ge=0)] = 1440
    close: Annotated[float, Field(ge=0)] = 4320


class KomusSandboxOptions(Section):
    """The built-in Komus sandbox; ``time_scale`` shrinks the rate-limit windows."""

    database: str = "var/komus-sandbox.db"
    catalog_seed: int = 20260101
    articles: Annotated[int, Field(ge=100, le=660)] = 600
    requests_per_minute: Annotated[int, Field(ge=1)] = 180
    block_minutes: Annotated[float, Field(gt=0)] = 120
    time_scale: Annotated[float, Field(gt=0, le=1)] = 1.0
    clock_speed: Annotated[float, Field(ge=0)] = 1.0
    clock_start: datetime | None = None
    partial_shipments: bool = False
    stages: SandboxStages = Field(default_factory=SandboxStages)
    faults: SandboxFaults = Field(default_factory=SandboxFaults)
    clients: list[SandboxClient] = Field(default_factory=list)


class KomusSettings(Section):
    base_url: str = "sandbox"
    timeout_seconds: Annotated[float, Field(gt=0)] = 30.0
    requests_per_minute: Annotated[int, Field(ge=1, le=180)] = 150
    price_tolerance_percent: Annotated[float, Field(ge=0, le=100)] = 2.0
    poll_interval_seconds: Annotated[float, Field(gt=0)] = 120.0
    hold_on_short_stock: bool = False
    expected_prices_include_vat: bool = True
    statuses_table: str | None = None  # None: mappings/tables/komus_statuses.yaml
    sandbox: bool = False
    sandbox_port: Annotated[int, Field(ge=1, le=65535)] = 8081
    sandbox_options: KomusSandboxOptions = Field(default_factory=KomusSandboxOptions)


class LoggingSettings(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["auto", "json", "console"] = "auto"


class MappingSettings(Section):
    """Where the YAML mappings live and how often edits are picked up."""

    directory: str = "mappings"  # relative to the config file's folder
    reload_interval_seconds: Annotated[float, Field(ge=0)] = 5.0  # 0: no reload

    def path(self, config_source: str) -> Path:
        directory = Path(self.directory)
        if directory.is_absolute() or config_source.startswith("<"):
            return directory
        return Path(config_source).parent / directory


class ConsoleSettings(Section):
    """The web console: its session cookie, sign-in lockout and demo admin."""

    session_secret: SecretStr | None = None  # empty: a random one per process
    cookie_secure: bool = False  # set true behind HTTPS
    session_hours: Annotated[float, Field(gt=0, le=24 * 30)] = 12.0
    lockout_threshold: Annotated[int, Field(ge=1, le=100)] = 5
    lockout_minutes: Annotated[float, Field(ge=0)] = 15.0  # 0: until an admin unlocks
    demo_admin_password: SecretStr | None = None  # creates user "admin" when missing


class SecretSettings(Section):
    """Where the key that seals stored credentials comes from (see gateway/vault.py).

    ``GATEWAY_SECRET_KEY`` wins; without it the key is read from ``key_file``
    (relative to this config file), which is made on first start.
    """

    key_file: str | None = None

    def key_path(self, config_source: str) -> Path | None:
        if not self.key_file:
            return None
        path = Path(self.key_file)
        if path.is_absolute() or config_source.startswith("<"):
            return path
        return Path(config_source).parent / path


class DeliveryAddress(Section):
    code: Annotated[str, Field(min_length=1)]
    address: Annotated[str, Field(min_length=1)]
    komus_address_id: str | None = None
    default: bool = False


class ChannelCredentials(Section):
    """Credentials one channel uses; which keys matter depends on the connector."""

    model_config = ConfigDict(extra="allow")
    enabled: bool = True
    login: str | None = None
    password: SecretStr | None = None
    token: SecretStr | None = None


class TenantKomus(Section):
    token: SecretStr | None = None
    region: str | None = None
    contract: str | None = None


class TenantSettings(Section):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")]
    legal_name: Annotated[str, Field(min_length=1)]
    inn: str
    kpp: str | None = None
    komus: TenantKomus = Field(default_factory=TenantKomus)
    channels: dict[str, ChannelCredentials] = Field(default_factory=dict)
    delivery_addresses: list[DeliveryAddress] = Field(default_factory=list)

    @field_validator("inn", "kpp", mode="before")
    @classmethod
    def _codes_are_text(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            raise ValueError("write it as a quoted string so leading zeros survive")
        return value

    @field_validator("inn")
    @classmethod
    def _inn_checksum(cls, inn: str) -> str:
        if problem := inn_problem(inn):
            raise ValueError(problem)
        return inn

    @field_validator("kpp")
    @classmethod
    def _kpp_format(cls, kpp: str | None) -> str | None:
        if kpp is not None and (problem := kpp_problem(kpp)):
            raise ValueError(problem)
        return kpp

    @model_validator(mode="after")
    def _kpp_for_legal_entities(self) -> TenantSettings:
        if len(self.inn) == 10 and self.kpp is None:
            raise ValueError("a legal entity (10-digit ИНН) needs its КПП")
        return self


class Settings(Section):
    server: ServerSettings = Field(default_factory=ServerSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    scheduler: SchedulerSettings = Field(default_factory=SchedulerSettings)
    outbox: OutboxSettings = Field(default_factory=OutboxSettings)
    komus: KomusSettings = Field(default_factory=KomusSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    mappings: MappingSettings = Field(default_factory=MappingSettings)
    console: ConsoleSettings = Field(default_factory=ConsoleSettings)
    secrets: SecretSettings = Field(default_factory=SecretSettings)
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    notifications: NotificationSettings = Field(default_factory=NotificationSettings)
    tenants: list[TenantSettings] = Field(default_factory=list)
    source: str = Field(default="<defaults>", exclude=True)
    # Set by gateway.tenant_overlay: a tenant as edited in the console.
    _tenant_view: Any = PrivateAttr(default=None)

    def tenant(self, tenant_id: str) -> TenantSettings | None:
        found = next((t for t in self.tenants if t.id == tenant_id), None)
        if found is None or self._tenant_view is None:
            return found
        return self._tenant_view(found)


_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def _expand(text: str, missing: list[str]) -> str:
    def substitute(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        value = os.environ.get(name)
        if value is None or (value == "" and default is not None):
            if default is None:
                missing.append(name)
                return ""
            return default
        return value

    expanded = _VARIABLE.sub(substitute, text)
    leftover = _VARIABLE.sub("", text)
    if "${" in leftover:
        missing.append("")  # a malformed reference; reported by the caller
    return expanded


def load_settings(path: str | Path) -> Settings:
    """Read, expand and validate a config file; ``ConfigError`` lists every problem."""
    path = Path(path)
    name = str(path)
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        problem = ConfigProblem(
            name, line, column, "", "not UTF-8 text; save the file as UTF-8"
        )
        raise ConfigError([problem]) from exc
    except OSError as exc:
        raise ConfigError(
            [ConfigProblem(name, 1, 1, "", f"cannot read: {exc}")]
        ) from exc
    return parse_settings(text, name)


def parse_settings(text: str, name: str = "config.yaml") -> Settings:
    yaml = YAML(typ="rt")
    try:
        tree = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise ConfigError(
            [ConfigProblem(name, line, column, "", str(exc.problem))]
        ) from exc
    if tree is None:
        tree = CommentedMap()
    if not isinstance(tree, CommentedMap):
        raise ConfigError(
            [ConfigProblem(name, 1, 1, "", "the top level must be a mapping")]
        )

    problems: list[ConfigProblem] = []
    plain = _to_plain(tree, tree, (), name, problems)
    try:
        settings = Settings.model_validate(plain)
    except ValidationError as exc:
        for error in exc.errors():
            location = tuple(error["loc"])
            on_key = error["type"] == "extra_forbidden"
            line, column = _position(tree, location, on_key=on_key)
            problems.append(
                ConfigProblem(name, line, column, _dotted(location), _message(error))
            )
        settings = None
    if settings is not None:
        problems += _duplicates(settings, tree, name)
    if problems:
        raise ConfigError(sorted(problems, key=lambda p: (p.line, p.column)))
    assert settings is not None
    settings.source = name
    return settings


def _duplicates(
    settings: Settings, tree: CommentedMap, name: str
) -> list[ConfigProblem]:
    """Ids that must be unique, reported where the repeat stands."""
    problems = []
    seen: dict[str, int] = {}
    for index, tenant in enumerate(settings.tenants):
        if tenant.id in seen:
            line, column = _position(tree, ("tenants", index, "id"))
            problems.append(
                ConfigProblem(
                    name,
                    line,
                    column,
                    f"tenants[{index}].id",
                    f"tenant id {tenant.id!r} is already used by "
                    f"tenants[{seen[tenant.id]}]",
                )
            )
        seen.setdefault(tenant.id, index)
        codes: dict[str, int] = {}
        for number, address in enumerate(tenant.delivery_addresses):
            where = ("tenants", index, "delivery_addresses", number, "code")
            if address.code in codes:
                line, column = _position(tree, where)
                problems.append(
                    ConfigProblem(
                        name,
                        line,
                        column,
                        _dotted(where),
                        f"delivery address code {address.code!r} is already used by "
                        f"delivery_addresses[{codes[address.code]}]",
                    )
                )
            codes.setdefault(address.code, number)
    return problems


def _to_plain(
    node: Any,
    tree: CommentedMap,
    location: tuple,
    name: str,
    problems: list[ConfigProblem],
) -> Any:
    """Turn ruamel's tree into plain data, expanding ``${VAR}`` in every string."""
    if isinstance(node, CommentedMap):
        return {
            k: _to_plain(v, tree, (*location, k), name, problems)
            for k, v in node.items()
        }
    if isinstance(node, CommentedSeq):
        return [
            _to_plain(v, tree, (*location, i), name, problems)
            for i, v in enumerate(node)
        ]
    if isinstance(node, str):
        missing: list[str] = []
        value = _expand(str(node), missing)
        for variable in missing:
            line, column = _position(tree, location)
            message = (
                f"environment variable {variable} is not set "
                f"(set it, or write ${{{variable}:-default}})"
                if variable
                else "a ${...} reference is malformed; write ${NAME} or "
                "${NAME:-default}, NAME being letters, digits and _"
            )
            problems.append(
                ConfigProblem(name, line, column, _dotted(location), message)
            )
        return value
    return node


def _position(tree: Any, location: tuple, *, on_key: bool = False) -> tuple[int, int]:
    """Line and column (1-based) of the deepest node of ``location`` found in the tree.

    Scalars point at their value; mappings, lists and unknown keys at the key.
    """
    line, column = 1, 1
    node = tree
    for depth, key in enumerate(location, start=1):
        if isinstance(node, CommentedMap) and key in node:
            last = depth == len(location)
            if (on_key and last) or isinstance(
                node.get(key), (CommentedMap, CommentedSeq)
            ):
                line, column = node.lc.key(key)
            else:
                line, column = node.lc.value(key)
            line, column = line + 1, column + 1
            node = node[key]
        elif (
            isinstance(node, CommentedSeq) and isinstance(key, int) and key < len(node)
        ):
            item_line, item_column = node.lc.item(key)
            line, column = item_line + 1, item_column + 1
            node = node[key]
        else:
            if (
                isinstance(node, (CommentedMap, CommentedSeq))
                and node.lc.line is not None
            ):
                line, column = node.lc.line + 1, node.lc.col + 1
            break
    return line, column


def _dotted(location: tuple) -> str:
    parts: list[str] = []
    for key in location:
        if isinstance(key, int):
            parts.append(f"[{key}]")
        elif key in ("function-after", "function-before", "function-plain"):
            continue
        else:
            parts.append(("." if parts else "") + str(key))
    return "".join(parts)


def _message(error: dict) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key" + _nearest_hint(error)
    if kind == "missing":
        return "required, but missing"
    message = error["msg"]
    return message.removeprefix("Value error, ")


def _nearest_hint(error: dict) -> str:
    import difflib

    location = error["loc"]
    key = location[-1] if location else ""
    model = _model_at(Settings, location[:-1])
    if model is None or not isinstance(key, str):
        return ""
    close = difflib.get_close_matches(key, list(model.model_fields), n=1, cutoff=0.6)
    known = ", ".join(model.model_fields)
    return f" (did you mean {close[0]!r}?)" if close else f" (known keys: {known})"


def _model_at(model: type[BaseModel], location: tuple) -> type[BaseModel] | None:
    import typing

    current: Any = model
    for key in location:
        if isinstance(key, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = current.model_fields.get(key)
        if field is None:
            return None
        annotation = field.annotation
        while typing.get_origin(annotation) in (list, dict, typing.Union):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[-1] if args else None
        current = annotation
    return (
        current
        if isinstance(current, type) and issubclass(current, BaseModel)
        else None
    )
