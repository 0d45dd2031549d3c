"""Wiring of the ``cabinet`` channel into a hub, and the hub's catalog service.

``install(hub)`` registers the channel's mapper for every tenant (it turns an
approval decision into a hold in the same transaction that keeps the requisition)
and its reader, so that a checkout replays like any other message.
"""

from __future__ import annotations

import threading
import weakref

from gateway.cabinet.catalog import CatalogService
from gateway.cabinet.mapper import CHANNEL, CabinetMapper
from gateway.hub import Hub
from gateway.plain import read_json_message

_catalogs: weakref.WeakKeyDictionary[Hub, CatalogService] = weakref.WeakKeyDictionary()
_guard = threading.Lock()


def install(hub: Hub) -> None:
    mapper = CabinetMapper()
    for tenant in hub.settings.tenants:
        hub.mappers.setdefault((tenant.id, CHANNEL), mapper)
    hub.pipeline.readers.setdefault(CHANNEL, read_json_message)


def catalog_of(hub: Hub) -> CatalogService:
    """The hub's catalog service, made on first use and kept with its snapshots."""
    with _guard:
        found = _catalogs.get(hub)
        if found is None:
            found = CatalogService(hub)
            _catalogs[hub] = found
        return found
