"""A tenant's SAP channel, read from ``tenants[].channels.sap`` in config.yaml.

```yaml
channels:
  sap:
    base_url: https://s4.example.com:44300   # SAP host, no path
    client: "100"                            # sap-client
    login: KOMUS_RFC
    password: ${SAP_PASSWORD}
    vendor: "100200"                         # Komus's vendor number in SAP
    poll_seconds: 300                        # OData intake; 0 switches it off
    lookback_minutes: 10
    idoc_login: sapport                      # what SAP's XML-HTTP port logs on with
    idoc_password: ${SAP_PORT_PASSWORD}
    idoc_partner: KOMUSGW                    # our logical system (RCVPRN)
    idoc_port: KOMUSGW                       # our port (RCVPOR)
    sap_partner: S4HCLNT100                  # SAP's logical system (SNDPRN)
    sap_port: SAPS4H                         # SAP's port (SNDPOR)
```
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway.config import TenantSettings

CHANNEL = "sap"
REQUISITION_SERVICE = "API_PURCHASEREQ_PROCESS_SRV"
ODATA_ROOT = "/sap/opu/odata/sap"
IDOC_PATH = "/sap/bc/idoc_xml"


@dataclass(frozen=True)
class SapChannel:
    tenant_id: str
    base_url: str
    client: str
    login: str
    password: str
    vendor: str
    poll_seconds: float = 300.0
    lookback_minutes: float = 10.0
    service: str = REQUISITION_SERVICE
    idoc_login: str = ""
    idoc_password: str = ""
    idoc_partner: str = "KOMUSGW"
    idoc_port: str = "KOMUSGW"
    sap_partner: str = ""
    sap_port: str = ""
    idoc_path: str = IDOC_PATH
    company_code: str = ""  # the bill-to party (E1EDKA1 RE) in INVOIC02
    invoice_from: str = "invoice"  # or "upd": which Komus document is the invoice

    def service_url(self, service: str | None = None) -> str:
        """The service root, ending with ``/`` as pyodata wants it."""
        return f"{self.base_url}{ODATA_ROOT}/{service or self.service}/"

    @property
    def idoc_url(self) -> str:
        return f"{self.base_url}{self.idoc_path}"

    def __repr__(self) -> str:  # never show the passwords
        return f"SapChannel(tenant_id={self.tenant_id!r}, base_url={self.base_url!r})"


def sap_channel(tenant: TenantSettings) -> SapChannel | None:
    """The tenant's SAP settings, or None when SAP is not configured or is off."""
    channel = tenant.channels.get(CHANNEL)
    if channel is None or not channel.enabled:
        return None
    extra: dict[str, Any] = dict(channel.model_extra or {})
    password = channel.password.get_secret_value() if channel.password else ""
    known = set(SapChannel.__dataclass_fields__) - {"tenant_id", "login", "password"}
    values = {key: str(extra[key]) for key in known if extra.get(key) is not None}
    for number in ("poll_seconds", "lookback_minutes"):
        if number in values:
            values[number] = float(values[number])  # type: ignore[assignment]
    values["base_url"] = values.get("base_url", "").rstrip("/")
    return SapChannel(
        tenant_id=tenant.id,
        login=channel.login or "",
        password=password,
        client=values.pop("client", "100"),
        vendor=values.pop("vendor", ""),
        **values,  # type: ignore[arg-type]
    )
