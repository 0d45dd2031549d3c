"""Property types per entity set, read from the real EDMX files the sandbox serves."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

PropertyTypes = dict[str, str]
SAP = "{http://www.sap.com/Protocols/SAPData}"


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


@dataclass(frozen=True)
class Property:
    name: str
    edm: str
    max_length: int | None
    precision: int | None
    scale: int | None
    nullable: bool
    creatable: bool
    updatable: bool
    concurrency: bool


@dataclass
class EntityModel:
    """One entity set as its EDMX describes it, for checking writes."""

    name: str
    type_name: str
    keys: list[str]
    properties: dict[str, Property]
    navigation: dict[str, str] = field(default_factory=dict)  # nav → entity set
    creatable: bool = True
    updatable: bool = True


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def entity_models(edmx: bytes) -> dict[str, EntityModel]:
    """``{entity set: EntityModel}``, navigation resolved to target entity sets."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(edmx, parser)
    types = {t.get("Name", ""): t for t in root.iter("{*}EntityType")}
    association_ends: dict[tuple[str, str], str] = {}
    for association in root.iter("{*}Association"):
        for end in association.iterfind("{*}End"):
            target = end.get("Type", "").rsplit(".", 1)[-1]
            association_ends[(association.get("Name", ""), end.get("Role", ""))] = (
                target
            )
    set_by_type: dict[str, str] = {}
    sets: dict[str, etree._Element] = {}
    for entity_set in root.iter("{*}EntitySet"):
        type_name = entity_set.get("EntityType", "").rsplit(".", 1)[-1]
        set_by_type.setdefault(type_name, entity_set.get("Name", ""))
        sets[entity_set.get("Name", "")] = entity_set
    models = {}
    for name, entity_set in sets.items():
        type_name = entity_set.get("EntityType", "").rsplit(".", 1)[-1]
        entity_type = types.get(type_name)
        if entity_type is None:
            continue
        models[name] = EntityModel(
            name=name,
            type_name=type_name,
            keys=[ref.get("Name", "") for ref in entity_type.iter("{*}PropertyRef")],
            properties={
                prop.get("Name", ""): _property(prop)
                for prop in entity_type.iterfind("{*}Property")
            },
            navigation={
                nav.get("Name", ""): set_by_type.get(
                    association_ends.get(
                        (
                            nav.get("Relationship", "").rsplit(".", 1)[-1],
                            nav.get("ToRole", ""),
                        ),
                        "",
                    ),
                    "",
                )
                for nav in entity_type.iterfind("{*}NavigationProperty")
            },
            creatable=entity_set.get(f"{SAP}creatable") != "false",
            updatable=entity_set.get(f"{SAP}updatable") != "false",
        )
    return models


def _property(prop: etree._Element) -> Property:
    return Property(
        name=prop.get("Name", ""),
        edm=prop.get("Type", "Edm.String"),
        max_length=_int(prop.get("MaxLength")),
        precision=_int(prop.get("Precision")),
        scale=_int(prop.get("Scale")),
        nullable=prop.get("Nullable") != "false",
        creatable=prop.get(f"{SAP}creatable") != "false",
        updatable=prop.get(f"{SAP}updatable") != "false",
        concurrency=prop.get("ConcurrencyMode") == "Fixed",
    )
