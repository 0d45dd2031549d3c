"""A stand-in SAP S/4HANA: OData V2 purchasing services and an IDoc receiver.

It enforces what SAP enforces on the wire (Basic auth, sap-client, CSRF tokens bound
to a session cookie and expiring, server-driven paging with ``__next``, SAP's error
bodies) and records every write so tests can read what SAP would have received.
"""

from connectors.sap.sandbox.app import create_sap_sandbox
from connectors.sap.sandbox.state import SandboxOptions, SapSandbox

__all__ = ["SandboxOptions", "SapSandbox", "create_sap_sandbox"]
