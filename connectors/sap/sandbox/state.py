"""What the SAP sandbox holds: users, rows per entity set, sessions, tokens, writes."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from connectors.sap.sandbox.edmx import (
    EntityModel,
    PropertyTypes,
    entity_models,
    entity_sets,
    services,
)

SAMPLES = Path(__file__).resolve().parents[3].parent / "shared" / "samples" / "sap"
FAULTS = ("logon_page", "unauthorized", "dump")


@dataclass
class SandboxOptions:
    users: dict[str, str] = field(default_factory=lambda: {"KOMUS_RFC": "secret"})
    client: str = "100"
    system_id: str = "S4H"
    page_size: int = 50
    token_seconds: float = 1800.0
    metadata_dir: Path = SAMPLES
    # Tax codes defined for the company code's country (T007A)
    tax_codes: frozenset[str] = frozenset({"V0", "V1", "V2", "V7"})


@dataclass
class Received:
    """One write SAP took: an OData create or an IDoc-XML post."""

    kind: str  # odata, idoc, soap
    target: str  # service/entity set, or the IDoc or SOAP path
    body: bytes
    content_type: str
    if_match: str | None = None
    method: str = "POST"


class SapSandbox:
    def __init__(self, options: SandboxOptions):
        self.options = options
        self.metadata = services(options.metadata_dir)
        self.types: dict[str, dict[str, PropertyTypes]] = {
            name: entity_sets(edmx) for name, edmx in self.metadata.items()
        }
        self.models: dict[str, dict[str, EntityModel]] = {
            name: entity_models(edmx) for name, edmx in self.metadata.items()
        }
        self.created = 0
        self.rows: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.received: list[Received] = []
        self.metadata_fault: str | None = None
        self.write_fault: str | None = None
        self.sessions: set[str] = set()
        self.tokens: dict[str, tuple[str, float]] = {}
        self.skew = 0.0
        self.lock = threading.Lock()

    @property
    def session_cookie(self) -> str:
        return f"SAP_SESSIONID_{self.options.system_id}_{self.options.client}"

    def now(self) -> float:
        return time.monotonic() + self.skew

    def new_session(self) -> str:
        session = secrets.token_urlsafe(16)
        with self.lock:
            self.sessions.add(session)
        return session

    def issue_token(self, session: str) -> str:
        token = secrets.token_urlsafe(18)
        with self.lock:
            self.tokens[token] = (session, self.now() + self.options.token_seconds)
        return token

    def token_valid(self, token: str | None, session: str | None) -> bool:
        if not token or not session:
            return False
        with self.lock:
            bound = self.tokens.get(token)
        return bound is not None and bound[0] == session and bound[1] > self.now()

    def expire_tokens(self) -> None:
        """Move the token clock past every token's validity, as a session timeout."""
        self.skew += self.options.token_seconds + 1

    def record(self, received: Received) -> None:
        with self.lock:
            self.received.append(received)
