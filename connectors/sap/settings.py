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
    routes:                                  # how each document goes back to SAP
      confirmation: soap                     # idoc (ORDRSP) | soap
      shipment: odata                        # idoc (DESADV) | odata (inbound delivery)
      invoice: odata                         # idoc (INVOIC02) | odata (supplier inv.)
    tax_codes:                               # VAT rate -> SAP tax code (MWSKZ)
      "22": V7
      "10": V2
      "0": V0
      "без НДС": V0
    plant: "1710"                            # receiving plant on inbound delivery items
```

Every route defaults to ``idoc``, so a tenant that says nothing keeps receiving IDocs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from gateway.config import TenantSettings

CHANNEL = "sap"
REQUISITION_SERVICE = "API_PURCHASEREQ_PROCESS_SRV"
ODATA_ROOT = "/sap/opu/odata/sap"
IDOC_PATH = "/sap/bc/idoc_xml"
DELIVERY_SERVICE = "API_INBOUND_DELIVERY_SRV;v=0002"
INVOICE_SERVICE = "API_SUPPLIERINVOICE_PROCESS_SRV"
SOAP_PATH = "/sap/bc/srt/scs/sap/orderconfirmationrequest_in"
ROUTES = {
    "confirmation": ("idoc", "soap"),
    "shipment": ("idoc", "odata"),
    "invoice": ("idoc", "odata"),
}


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
    plant: str = ""
    delivery_service: str = DELIVERY_SERVICE
    invoice_service: str = INVOICE_SERVICE
    soap_path: str = SOAP_PATH
    routes: Mapping[str, str] = field(default_factory=dict)
    tax_codes: Mapping[str, str] = field(default_factory=dict)

    def route(self, kind: str) -> str:
        """``idoc``, ``odata`` or ``soap`` for confirmation, shipment or invoice."""
        return self.routes.get(kind, "idoc")

    @property
    def soap_url(self) -> str:
        return f"{self.base_url}{self.soap_path}"

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
    tables = {"routes", "tax_codes"}
    known = set(SapChannel.__dataclass_fields__) - {
        "tenant_id",
        "login",
        "password",
        *tables,
    }
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
        routes=MappingProxyType(_table(extra, "routes")),
        tax_codes=MappingProxyType(_table(extra, "tax_codes")),
        **values,  # type: ignore[arg-type]
    )


def _table(extra: dict[str, Any], name: str) -> dict[str, str]:
    value = extra.get(name) or {}
    if not isinstance(value, Mapping):
        return {}
    return {str(key).strip(): str(item).strip() for key, item in value.items()}


def route_problems(channel: SapChannel) -> list[str]:
    """What is wrong with ``routes``, in words an integrator can act on."""
    problems = []
    for kind, route in channel.routes.items():
        allowed = ROUTES.get(kind)
        if allowed is None:
            problems.append(
                f"tenants[{channel.tenant_id}].channels.sap.routes.{kind}: unknown "
                f"document kind (known: {', '.join(ROUTES)})"
            )
        elif route not in allowed:
            problems.append(
                f"tenants[{channel.tenant_id}].channels.sap.routes.{kind}: {route!r} "
                f"is not one of {', '.join(allowed)}"
            )
    return problems
