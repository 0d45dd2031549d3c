"""A Komus stand-in that behaves like the real API: ``create_sandbox_app(settings)``.

It serves ``schemas/komus-api.yaml`` under ``/api2`` with a generated catalogue,
orders that move on a controllable clock, invoice PDFs and УПД XML, the token rate
limit and injected faults; ``/sandbox/`` holds the controls tests use.
"""

from connectors.komus.sandbox.app import create_sandbox_app
from connectors.komus.sandbox.server import SandboxHandle, start_sandbox_in_background

__all__ = ["SandboxHandle", "create_sandbox_app", "start_sandbox_in_background"]
