"""config.yaml problems are reported as FILE:LINE:COL: path: message."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gateway.config import load_settings, parse_settings
from gateway.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]

VALID_TENANT = """\
tenants:
  - id: acme
    legal_name: ООО "Акме"
    inn: "7707083893"
    kpp: "773601001"
"""


def _problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_settings(text, "config.yaml")
    return [str(problem) for problem in caught.value.problems]


def test_shipped_config_is_valid():
    settings = load_settings(ROOT / "config.yaml")

    assert settings.server.port == 8080
    assert settings.database.url.startswith("sqlite:///")
    assert [t.id for t in settings.tenants] == ["demo"]


def test_inn_with_wrong_check_digit_points_at_its_line():
    text = VALID_TENANT.replace("7707083893", "7707083894")

    assert _problems(text) == [
        "config.yaml:4:10: tenants[0].inn: ИНН 7707083894 fails its check digit: "
        "the last digit should be 3"
    ]


def test_malformed_kpp_points_at_its_line():
    problems = _problems(VALID_TENANT.replace('"773601001"', '"77-360100"'))

    assert len(problems) == 1
    assert problems[0].startswith("config.yaml:5:10: tenants[0].kpp: ")


def test_unknown_key_suggests_the_nearest_name():
    problems = _problems("server:\n  prot: 8080\n")

    assert problems == [
        "config.yaml:2:3: server.prot: unknown key (did you mean 'port'?)"
    ]


def test_wrong_type_names_the_field():
    problems = _problems(
        "scheduler:\n  enabled: true\n  dispatch_interval_seconds: often\n"
    )

    assert len(problems) == 1
    assert problems[0].startswith(
        "config.yaml:3:30: scheduler.dispatch_interval_seconds: "
    )


def test_unquoted_inn_is_refused_because_leading_zeros_would_be_lost():
    problems = _problems(VALID_TENANT.replace('"7707083893"', "7707083893"))

    assert problems == [
        "config.yaml:4:10: tenants[0].inn: write it as a quoted string so leading "
        "zeros survive"
    ]


def test_every_problem_is_reported_not_just_the_first():
    text = VALID_TENANT.replace("7707083893", "123") + "logging:\n  level: LOUD\n"

    problems = _problems(text)

    assert [p.split(":")[1] for p in problems] == ["4", "7"]


def test_environment_variables_are_expanded_with_defaults(monkeypatch):
    monkeypatch.setenv("KOMUS_TOKEN_ACME", "t0ken")
    monkeypatch.delenv("GATEWAY_DB", raising=False)
    text = (
        "database:\n  url: ${GATEWAY_DB:-sqlite:///var/x.db}\n"
        + VALID_TENANT
        + "    komus:\n      token: ${KOMUS_TOKEN_ACME}\n"
    )

    settings = parse_settings(text)

    assert settings.database.url == "sqlite:///var/x.db"
    assert settings.tenants[0].komus.token.get_secret_value() == "t0ken"


def test_missing_environment_variable_is_a_located_problem(monkeypatch):
    monkeypatch.delenv("NO_SUCH_SECRET", raising=False)

    problems = _problems("server:\n  admin_token: ${NO_SUCH_SECRET}\n")

    assert problems == [
        "config.yaml:2:16: server.admin_token: environment variable NO_SUCH_SECRET is "
        "not set (set it, or write ${NO_SUCH_SECRET:-default})"
    ]


def test_yaml_syntax_error_is_located():
    problems = _problems("server:\n  port: [8080\n")

    assert problems[0].startswith("config.yaml:")
    assert problems[0].split(":")[1] == "3"


def test_check_command_prints_problems_and_exits_non_zero(tmp_path: Path):
    config = tmp_path / "config.yaml"
    config.write_text(
        VALID_TENANT.replace("7707083893", "7707083894"), encoding="utf-8"
    )

    result = subprocess.run(
        [sys.executable, "-m", "gateway", "check", "--config", str(config)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )

    assert result.returncode == 2
    assert f"{config}:4:10: tenants[0].inn: ИНН 7707083894 fails" in result.stderr


def test_check_command_accepts_the_shipped_config():
    result = subprocess.run(
        [sys.executable, "-m", "gateway", "check", "--config", "config.yaml"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )

    assert result.returncode == 0, result.stderr
    assert "ok (1 tenant(s))" in result.stdout


def test_duplicate_tenant_id_points_at_the_repeat():
    text = VALID_TENANT + VALID_TENANT.replace("tenants:\n", "")

    problems = _problems(text)

    assert problems == [
        "config.yaml:6:9: tenants[1].id: tenant id 'acme' is already used by tenants[0]"
    ]


def test_duplicate_delivery_address_code_points_at_the_repeat():
    text = VALID_TENANT + (
        "    delivery_addresses:\n"
        "      - {code: MAIN, address: Москва}\n"
        "      - {code: MAIN, address: Тверь}\n"
    )

    problems = _problems(text)

    assert len(problems) == 1
    assert problems[0].startswith("config.yaml:8:")
    assert "delivery address code 'MAIN' is already used" in problems[0]


def test_private_target_allowance_must_be_a_network():
    problems = _problems("outbox:\n  allow_private_targets: ['10.0.0.0/33', banana]\n")

    assert len(problems) == 1
    assert "is not a network" in problems[0]


def test_malformed_variable_reference_is_a_problem():
    problems = _problems("server:\n  admin_token: ${GATEWAY ADMIN}\n")

    assert problems[0].startswith("config.yaml:2:16: server.admin_token: a ${...}")


def test_file_that_is_not_utf8_is_located(tmp_path: Path):
    config = tmp_path / "config.yaml"
    config.write_bytes(b"server:\n  host: \xff\n")

    with pytest.raises(ConfigError) as caught:
        load_settings(config)

    assert str(caught.value) == f"{config}:2:9: not UTF-8 text; save the file as UTF-8"
