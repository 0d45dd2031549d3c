"""The mappings a running gateway uses, reloaded when integrators edit them.

``MappingRegistry`` compiles every mapping file once, then polls the directory
(file times and sizes) every ``interval`` seconds. A changed file, or a table it
looks into, is compiled again; if the new version has problems they are logged one
per line and the last good version keeps serving. A file that has never loaded
cleanly makes its channel's documents fail with ``MappingUnavailable`` (kept for
replay) instead of falling back to a guess.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import structlog

from gateway.config import TenantSettings
from gateway.errors import ConfigProblem
from gateway.mapping.check import mapping_files
from gateway.mapping.engine import InboundMapping, MappingFile, OutboundMapping
from gateway.mapping.errors import MappingUnavailable
from gateway.mapping.loader import SHARED, compile_file, location_of
from gateway.mapping.readers import reader_names
from gateway.mapping.tables import TableStore
from gateway.records import RequisitionDraft, SourceRecord

log = structlog.get_logger(__name__)

Key = tuple[str, str]
"""(tenant folder, channel)."""

Status = Literal["ok", "broken", "unavailable"]


@dataclass(frozen=True)
class MappingState:
    """One mapping file as the registry holds it: what serves, and what is wrong."""

    file: str
    tenant: str
    channel: str
    version: str | None
    problems: tuple[ConfigProblem, ...] = ()

    @property
    def status(self) -> Status:
        """ok; broken (the last good version serves); unavailable (nothing does)."""
        if not self.problems:
            return "ok"
        return "broken" if self.version else "unavailable"


class UnavailableMapping:
    """Stands in for a mapping that has problems and no good version."""

    def __init__(self, file: str, problems: list[ConfigProblem]):
        self.file = file
        self.problems = problems
        self.version = f"{file.split('/', 1)[-1]}@unavailable"

    def to_requisition(
        self, tenant: TenantSettings, record: SourceRecord
    ) -> RequisitionDraft:
        raise MappingUnavailable(self.file, self.problems)


class MappingRegistry:
    def __init__(
        self,
        directory: Path | str,
        *,
        interval: float = 5.0,
        logger: Any = None,
    ):
        self.directory = Path(directory)
        self.interval = interval
        self.log = logger or log
        self.tables = TableStore(self.directory)
        self._signatures: dict[Path, tuple[int, int]] = {}
        self._paths: dict[Key, Path] = {}
        self._good: dict[Key, MappingFile] = {}
        self._broken: dict[Key, list[ConfigProblem]] = {}
        self._loaded = False
        self._guard = threading.RLock()
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None

    # -- loading -------------------------------------------------------------------

    def refresh(self) -> bool:
        """Compile what changed since the last look; True when anything did."""
        with self._guard:
            changed_tables = self.tables.refresh()
            current = {path: _signature(path) for path in mapping_files(self.directory)}
            removed = set(self._signatures) - set(current)
            due = {p for p, s in current.items() if self._signatures.get(p) != s}
            if changed_tables:
                due |= self._depending_on(changed_tables, current)
            for path in removed:
                self._forget(path)
            readers = reader_names()
            for path in sorted(due):
                self._load(path, readers)
            self._signatures = current
            self._loaded = True
            return bool(due or removed or changed_tables)

    def _depending_on(
        self, tables: set[str], current: dict[Path, tuple[int, int]]
    ) -> set[Path]:
        """Files that look into a changed table, and every file that is broken."""
        paths = {
            self._paths[key]
            for key, mapping in self._good.items()
            if mapping.tables & tables
        }
        paths |= {self._paths[key] for key in self._broken if key in self._paths}
        return {path for path in paths if path in current}

    def _load(self, path: Path, readers: list[str]) -> None:
        place = location_of(path, self.directory)
        mapping, problems = compile_file(
            path, self.directory, self.tables, readers=readers
        )
        file = self.tables.display(path)
        if place is None:
            for problem in problems:
                self.log.error("mapping_problem", problem=str(problem))
            return
        self._paths[place] = path
        if mapping is not None:
            previous = self._good.get(place)
            self._good[place] = mapping
            self._broken.pop(place, None)
            self.log.info(
                "mapping_loaded",
                file=file,
                version=mapping.version,
                replaced=previous.version if previous else None,
            )
            return
        self._broken[place] = problems
        for problem in problems:
            self.log.error("mapping_problem", file=file, problem=str(problem))
        kept = self._good.get(place)
        if kept is not None:
            self.log.warning(
                "mapping_reload_failed",
                file=file,
                problems=len(problems),
                serving=kept.version,
                next_step="fix the file; the last good version serves until then",
            )
        else:
            self.log.error(
                "mapping_unavailable",
                file=file,
                problems=len(problems),
                next_step="documents for this channel fail until the file is fixed",
            )

    def _forget(self, path: Path) -> None:
        place = location_of(path, self.directory)
        if place is None:
            return
        self._good.pop(place, None)
        self._broken.pop(place, None)
        self._paths.pop(place, None)
        self.log.info("mapping_removed", file=self.tables.display(path))

    def _ensure_loaded(self) -> None:
        if not self._loaded:
            self.refresh()

    # -- what the gateway asks ------------------------------------------------------

    def inbound(
        self, tenant_id: str, channel: str
    ) -> InboundMapping | UnavailableMapping | None:
        """The tenant's mapping for the channel, else the shared one, else None."""
        self._ensure_loaded()
        for key in ((tenant_id, channel), (SHARED, channel)):
            mapping = self._good.get(key)
            if mapping is not None and mapping.inbound is not None:
                return mapping.inbound
            if mapping is None and key in self._broken:
                return UnavailableMapping(
                    self.tables.display(self._paths[key]), self._broken[key]
                )
        return None

    def outbound(self, tenant_id: str, channel: str, name: str) -> OutboundMapping:
        """The named outbound mapping of the channel: the tenant's, else the shared."""
        self._ensure_loaded()
        for key in ((tenant_id, channel), (SHARED, channel)):
            mapping = self._good.get(key)
            if mapping is not None and name in mapping.outbound:
                return mapping.outbound[name]
            if mapping is None and key in self._broken:
                raise MappingUnavailable(
                    self.tables.display(self._paths[key]), self._broken[key]
                )
        raise KeyError(f"no outbound mapping {name!r} for {tenant_id}/{channel}")

    def versions(self) -> dict[str, str]:
        self._ensure_loaded()
        return {f"{t}/{c}": m.version for (t, c), m in sorted(self._good.items())}

    def states(self) -> list[MappingState]:
        """Every mapping file in a tenant or shared folder, by tenant and channel."""
        self._ensure_loaded()
        with self._guard:
            return [
                MappingState(
                    file=self.tables.display(path),
                    tenant=tenant,
                    channel=channel,
                    version=(
                        self._good[(tenant, channel)].version
                        if (tenant, channel) in self._good
                        else None
                    ),
                    problems=tuple(self._broken.get((tenant, channel), ())),
                )
                for (tenant, channel), path in sorted(self._paths.items())
            ]

    def problems(self) -> list[ConfigProblem]:
        """Problems of the files as they are now (a good version may still serve)."""
        self._ensure_loaded()
        found = self.tables.problems()
        for key in sorted(self._broken):
            found.extend(self._broken[key])
        return found

    # -- watching ------------------------------------------------------------------

    def start(self) -> None:
        """Load now and poll for edits every ``interval`` seconds (0: never)."""
        self.refresh()
        if self.interval <= 0 or self._watcher is not None:
            return
        self._stopping.clear()
        self._watcher = threading.Thread(
            target=self._watch, name="mapping-reload", daemon=True
        )
        self._watcher.start()
        self.log.info(
            "mapping_watch_started",
            directory=str(self.directory),
            interval_seconds=self.interval,
        )

    def stop(self) -> None:
        self._stopping.set()
        if self._watcher is not None:
            self._watcher.join(timeout=max(self.interval, 1.0) + 5)
            self._watcher = None

    def _watch(self) -> None:
        while not self._stopping.wait(self.interval):
            try:
                self.refresh()
            except Exception:  # noqa: BLE001 - the watcher must outlive a bad pass
                self.log.exception(
                    "mapping_reload_crashed", next_step="tried again next pass"
                )


def _signature(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size
