"""SAP unit codes (ST, PC, KAR) against ОКЕИ codes and the ISO codes IDocs carry.

The table is ``mappings/tables/sap_units.csv``, which integrators edit; the first row
for a code wins, so ``ST`` and ``PC`` both read as ОКЕИ 796 and 796 goes back as
``ST``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class UnitTable:
    okei_by_sap: dict[str, str]
    okei_by_iso: dict[str, str]
    sap_by_okei: dict[str, str]
    iso_by_okei: dict[str, str]

    @classmethod
    def load(cls, path: Path) -> UnitTable:
        okei_by_sap: dict[str, str] = {}
        okei_by_iso: dict[str, str] = {}
        sap_by_okei: dict[str, str] = {}
        iso_by_okei: dict[str, str] = {}
        with path.open(encoding="utf-8", newline="") as file:
            for row in csv.DictReader(file):
                sap, okei, iso = row["sap"].strip(), row["okei"].strip(), row["iso"]
                iso = iso.strip()
                okei_by_sap.setdefault(sap.upper(), okei)
                okei_by_iso.setdefault(iso.upper(), okei)
                sap_by_okei.setdefault(okei, sap)
                iso_by_okei.setdefault(okei, iso)
        return cls(okei_by_sap, okei_by_iso, sap_by_okei, iso_by_okei)

    def okei(self, code: str) -> str | None:
        """ОКЕИ for an SAP code or, failing that, an ISO code; None if unknown."""
        key = code.strip().upper()
        return self.okei_by_sap.get(key) or self.okei_by_iso.get(key)

    def sap(self, okei: str) -> str:
        return self.sap_by_okei.get(okei, okei)

    def iso(self, okei: str) -> str:
        return self.iso_by_okei.get(okei, okei)
