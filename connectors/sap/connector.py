"""The SAP connector: OData and IDoc intake; IDoc, OData or SOAP back via the outbox."""

from __future__ import annotations

from pathlib import Path

import structlog

from connectors.sap.idoc_endpoint import idoc_router
from connectors.sap.intake import RequisitionIntake
from connectors.sap.orders05 import CONTENT_TYPE as IDOC_CONTENT_TYPE
from connectors.sap.orders05 import records_from_message
from connectors.sap.outbound import SapRoute
from connectors.sap.requisitions import record_from_payload
from connectors.sap.sender import SapSender
from connectors.sap.settings import CHANNEL, route_problems, sap_channel
from connectors.sap.units import UnitTable
from gateway.errors import FinalError
from gateway.hub import Hub
from gateway.records import SourceRecord
from gateway.scheduler import PeriodicJob
from gateway.store.tables import Message

log = structlog.get_logger(__name__)

UNITS_TABLE = "sap_units.csv"
SHIPPED_TABLES = Path(__file__).resolve().parents[2] / "mappings" / "tables"


def _units_table(hub: Hub) -> Path:
    """The integrators' table beside the config, else the one shipped."""
    mappings = hub.settings.mappings.path(hub.settings.source)
    configured = Path(mappings) / "tables" / UNITS_TABLE
    return configured if configured.exists() else SHIPPED_TABLES / UNITS_TABLE


class SapConnector:
    name = "sap"

    def __init__(self) -> None:
        self.intakes: dict[str, RequisitionIntake] = {}
        self.sender: SapSender | None = None

    def install(self, hub: Hub) -> None:
        units = UnitTable.load(_units_table(hub))

        def read_message(message: Message) -> list[SourceRecord]:
            """Replay: a stored IDoc or a stored set of OData items."""
            if message.content_type == IDOC_CONTENT_TYPE:
                return records_from_message(message.tenant_id, message.payload, units)
            if message.kind != "requisition":
                raise FinalError(f"message {message.id} is no SAP requisition")
            return [
                record_from_payload(
                    message.tenant_id,
                    message.payload,
                    units,
                    revision=message.revision,
                )
            ]

        hub.pipeline.readers[CHANNEL] = read_message
        hub.pipeline.routes.append(SapRoute(hub.settings, units))
        self.sender = SapSender(hub.settings, hub.db)
        hub.senders[CHANNEL] = self.sender
        hub.routers.append(
            idoc_router(hub.pipeline, units, hub.settings.server.max_body_bytes)
        )
        for tenant in hub.settings.tenants:
            channel = sap_channel(tenant)
            if channel is not None and (problems := route_problems(channel)):
                raise ValueError("; ".join(problems))
            if channel is None or not channel.base_url or channel.poll_seconds <= 0:
                continue
            if not channel.vendor:
                log.warning("sap_vendor_missing", tenant=tenant.id)
                continue
            intake = RequisitionIntake(hub.pipeline, channel, units)
            self.intakes[tenant.id] = intake
            hub.jobs.append(
                PeriodicJob(
                    f"sap-intake:{tenant.id}", channel.poll_seconds, intake.run_once
                )
            )
        log.info("sap_connector_ready", odata_tenants=sorted(self.intakes))

    def close(self) -> None:
        for intake in self.intakes.values():
            intake.close()
        if self.sender is not None:
            self.sender.close()
