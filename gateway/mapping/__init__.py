"""YAML mappings that integrators edit, check and preview.

Public surface::

    check_all(directory) -> list[ConfigProblem]
    preview(mapping_path, input_bytes, reader_name) -> PreviewResult
    MappingRegistry(directory, interval=…)   inbound()/outbound(), states(), reload
    MappingFailed, MappingUnavailable        runtime errors (GatewayError)

The file format is described in ``mappings/README.md``.
"""

from gateway.mapping.check import check_all
from gateway.mapping.engine import InboundMapping, MappingFile, OutboundMapping
from gateway.mapping.errors import MappingFailed, MappingUnavailable
from gateway.mapping.preview import PreviewResult, preview
from gateway.mapping.registry import MappingRegistry

__all__ = [
    "InboundMapping",
    "MappingFailed",
    "MappingFile",
    "MappingRegistry",
    "MappingUnavailable",
    "OutboundMapping",
    "PreviewResult",
    "check_all",
    "preview",
]
