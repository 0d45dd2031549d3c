"""Property types per entity set, read from the real EDMX files the sandbox serves."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

PropertyTypes = dict[str, str]


def entity_sets(edmx: bytes) -> dict[str, PropertyTypes]:
    """``{entity set: {property: Edm type}}`` for one service's metadata."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(edmx, parser)
    types: dict[str, PropertyTypes] = {}
    for entity_type in root.iter("{*}EntityType"):
        types[entity_type.get("Name", "")] = {
            prop.get("Name", ""): prop.get("Type", "Edm.String")
            for prop in entity_type.iterfind("{*}Property")
        }
    sets: dict[str, PropertyTypes] = {}
    for entity_set in root.iter("{*}EntitySet"):
        type_name = entity_set.get("EntityType", "").rsplit(".", 1)[-1]
        sets[entity_set.get("Name", "")] = types.get(type_name, {})
    return sets


def services(directory: Path) -> dict[str, bytes]:
    """Every ``<SERVICE>.edmx`` in ``directory``, by service name."""
    return {path.stem: path.read_bytes() for path in sorted(directory.glob("*.edmx"))}
