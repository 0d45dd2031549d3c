"""SAP tax codes (MWSKZ) for Russian VAT rates, per tenant.

Tax codes are customising of each SAP system (T007A), so the table lives with the
tenant: ``tenants[].channels.sap.tax_codes`` maps a rate as the gateway keeps it
("22", "10", "0", "без НДС") to the tenant's code ("V7", "V2", ...). Keys are read
as rates, so "22%" and "НДС 22%" name the same row.
"""

from __future__ import annotations

from collections.abc import Mapping

import structlog

from gateway.money import VatRate, parse_vat_rate

log = structlog.get_logger(__name__)


class TaxCodes:
    def __init__(self, tenant_id: str, table: Mapping[str, str]):
        self.tenant_id = tenant_id
        self.by_rate: dict[VatRate, str] = {}
        for rate, code in table.items():
            try:
                self.by_rate[parse_vat_rate(rate)] = code
            except ValueError as error:
                log.warning(
                    "sap_tax_code_rate_unreadable",
                    tenant=tenant_id,
                    rate=rate,
                    error=str(error),
                    next_step="fix the key in channels.sap.tax_codes",
                )

    def code(self, vat_rate: str | None) -> str:
        """The tenant's tax code, or "" with a warning when the table has none."""
        try:
            rate = parse_vat_rate(vat_rate or "")
        except ValueError:
            rate = None
        code = self.by_rate.get(rate) if rate is not None else None
        if code is None:
            log.warning(
                "sap_tax_code_missing",
                tenant=self.tenant_id,
                vat_rate=vat_rate,
                next_step="add the rate to channels.sap.tax_codes; until then SAP "
                "derives the code from the rate (IDoc) or refuses the invoice (OData)",
            )
            return ""
        return code
