"""One logged-on conversation with SAP: Basic auth, sap-client, cookies, CSRF.

SAP binds a CSRF token to the session cookie it sets when the token is fetched, so
the two travel together; a token that has timed out earns ``403`` with the header
``x-csrf-token: Required``, after which a fresh token is fetched and the write is
sent once more.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

import pyodata
import requests
import structlog
from pyodata.v2.model import Config, ParserError, PolicyIgnore

from connectors.sap.errors import error_for, is_html
from connectors.sap.settings import SapChannel

log = structlog.get_logger(__name__)

TIMEOUT_SECONDS = 30.0
XML_TYPES = ("application/xml", "text/xml", "application/atom+xml")

# pyodata logs one line per SAP annotation it does not model; there are dozens.
logging.getLogger("pyodata.model").setLevel(logging.ERROR)


class _TimedSession(requests.Session):
    """A session that keeps ``sap-client`` on every request and never waits forever.

    pyodata passes its query as an encoded string, and requests then drops the
    session's own params, ``sap-client`` with them (SAP answers 401 for the wrong
    client); pyodata also sends without a timeout.
    """

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", TIMEOUT_SECONDS)
        params = kwargs.get("params")
        if isinstance(params, str) and self.params:
            own = urlencode(self.params)  # type: ignore[arg-type]
            kwargs["params"] = f"{params}&{own}" if params else own
        return super().request(*args, **kwargs)


def _csrf_required(response: requests.Response) -> bool:
    return (
        response.status_code == 403
        and response.headers.get("x-csrf-token", "").lower() == "required"
    )


class SapSession:
    def __init__(self, channel: SapChannel):
        self.channel = channel
        self.http = _TimedSession()
        self.http.auth = (channel.login, channel.password)
        # In params, never in the URL: pyodata appends "$metadata" to the service URL.
        self.http.params = {"sap-client": channel.client}
        self.http.headers.update({"Accept": "application/json"})
        self.token: str | None = None
        self._clients: dict[str, pyodata.Client] = {}

    def close(self) -> None:
        self.http.close()

    # -- metadata and the pyodata client --------------------------------------------

    def metadata(self, service: str) -> bytes:
        """The service's EDMX, or the SapError that SAP's answer amounts to."""
        url = f"{self.channel.service_url(service)}$metadata"
        response = self.http.get(url, headers={"Accept": "application/xml"})
        content_type = response.headers.get("content-type", "")
        readable = response.status_code == 200 and content_type.startswith(XML_TYPES)
        if not readable or is_html(content_type, response.content):
            raise error_for(
                response.status_code,
                content_type,
                response.content,
                tenant=self.channel.tenant_id,
                url=url,
            )
        return response.content

    def client(self, service: str) -> pyodata.Client:
        """A pyodata client built from SAP's ``$metadata``, once per service."""
        if service not in self._clients:
            config = Config(
                custom_error_policies={ParserError.ANNOTATION: PolicyIgnore()}
            )
            self._clients[service] = pyodata.Client(
                self.channel.service_url(service),
                self.http,
                metadata=self.metadata(service),
                config=config,
            )
        return self._clients[service]

    # -- writes ---------------------------------------------------------------------

    def fetch_token(self, url: str) -> None:
        response = self.http.get(url, headers={"x-csrf-token": "Fetch"})
        token = response.headers.get("x-csrf-token")
        if response.status_code >= 400 or not token:
            raise error_for(
                response.status_code,
                response.headers.get("content-type", ""),
                response.content,
                tenant=self.channel.tenant_id,
                url=url,
            )
        self.token = token
        log.info("sap_csrf_token_fetched", tenant=self.channel.tenant_id)

    def write(
        self,
        url: str,
        body: bytes,
        *,
        content_type: str,
        token_url: str,
        method: str = "POST",
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        """Send a write with a CSRF token, fetching a new one once if SAP wants it."""
        if self.token is None:
            self.fetch_token(token_url)
        response = self._send(method, url, body, content_type, headers)
        if _csrf_required(response):
            log.info("sap_csrf_token_expired", tenant=self.channel.tenant_id)
            self.fetch_token(token_url)
            response = self._send(method, url, body, content_type, headers)
        return response

    def _send(
        self,
        method: str,
        url: str,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None,
    ) -> requests.Response:
        sent = {"Content-Type": content_type, "x-csrf-token": self.token or ""}
        return self.http.request(method, url, data=body, headers=sent | (headers or {}))
