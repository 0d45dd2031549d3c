"""Config files for tests, written the way an operator writes them."""

from __future__ import annotations

from pathlib import Path

TENANTS_YAML = """
tenants:
  - id: acme
    legal_name: ООО "Акме"
    inn: "7707083893"
    kpp: "773601001"
    delivery_addresses:
      - code: MAIN
        address: Москва, ул. Тверская, 1
        default: true
  - id: globex
    legal_name: АО "Глобекс"
    inn: "7736207543"
    kpp: "773601001"
    delivery_addresses:
      - code: HQ
        address: Санкт-Петербург, Невский пр., 10
        default: true
"""


def write_config(
    directory: Path, database_url: str, *, extra: str = "", lease_seconds: float = 120
) -> Path:
    """A complete config.yaml for a gateway under test, loopback targets allowed."""
    path = directory / "config.yaml"
    path.write_text(
        f"""
server:
  host: 127.0.0.1
  port: 8080
  admin_token: test-admin-token
database:
  url: "{database_url}"
scheduler:
  dispatch_interval_seconds: 0.2
  housekeeping_interval_seconds: 0.5
outbox:
  lease_seconds: {lease_seconds}
  allow_private_targets: ["127.0.0.0/8"]
  schedules:
    default:
      delays: [0, 0.2, 0.2, 0.2]
      jitter: 0
logging:
  level: INFO
  format: json
{TENANTS_YAML}
{extra}
""",
        encoding="utf-8",
    )
    return path
