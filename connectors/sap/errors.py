"""What can go wrong talking to SAP, with SAP's own message where it sent one.

    SapError                  SAP answered, but not with what was asked for
    ├── SapLogonPage          an HTML logon page (often with 200) instead of data
    ├── SapAuthFailed         401: user, password or sap-client refused
    ├── SapServerError        5xx, typically an ABAP runtime error (short dump)
    └── SapRefused            4xx with SAP's error body: SAP said no to this content

Each carries the tenant, the URL without its query and SAP's message text.
"""

from __future__ import annotations

import json
import re

from lxml import etree

from gateway.errors import GatewayError

EXCERPT = 500
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")


class SapError(GatewayError):
    def __init__(
        self,
        reason: str,
        *,
        tenant: str,
        url: str,
        status: int | None = None,
        sap_message: str | None = None,
        body: bytes = b"",
    ):
        self.tenant = tenant
        self.url = url.split("?", 1)[0]
        self.status = status
        self.sap_message = sap_message
        self.body = body
        detail = f": {sap_message}" if sap_message else ""
        super().__init__(f"{reason} (HTTP {status} from {self.url}){detail}")


class SapLogonPage(SapError):
    pass


class SapAuthFailed(SapError):
    pass


class SapServerError(SapError):
    pass


class SapRefused(SapError):
    pass


def is_html(content_type: str, body: bytes) -> bool:
    head = body[:512].lstrip().lower()
    return "html" in content_type.lower() or head.startswith((b"<!doctype", b"<html"))


def sap_message(body: bytes, content_type: str = "") -> str | None:
    """SAP's error text from a JSON or XML error body, or an HTML page's title."""
    if not body:
        return None
    if is_html(content_type, body):
        return _html_message(body)
    if body.lstrip().startswith(b"{"):
        return _json_message(body)
    if body.lstrip().startswith(b"<"):
        return _xml_message(body)
    return body[:EXCERPT].decode("utf-8", "replace").strip() or None


def _html_message(body: bytes) -> str | None:
    """The page title, and the runtime error line a short dump page carries."""
    title = _TITLE.search(body)
    text = _TAGS.sub("\n", body.decode("utf-8", "replace"))
    dump = next(
        (line.strip() for line in text.splitlines() if "runtime error" in line.lower()),
        None,
    )
    parts = [
        _TAGS.sub("", title.group(1).decode("utf-8", "replace")).strip()
        if title
        else "",
        dump or "",
    ]
    return "; ".join(part for part in parts if part)[:EXCERPT] or None


def _json_message(body: bytes) -> str | None:
    try:
        error = json.loads(body).get("error") or {}
    except (ValueError, AttributeError):
        return None
    message = error.get("message")
    text = message.get("value") if isinstance(message, dict) else message
    code = error.get("code")
    details = [
        detail.get("message")
        for detail in (error.get("innererror") or {}).get("errordetails") or []
        if isinstance(detail, dict) and detail.get("message") not in (None, text)
    ]
    parts = [f"{code}: {text}" if code else str(text)] if text else []
    return "; ".join(parts + details) or None


def _xml_message(body: bytes) -> str | None:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError:
        return None
    code = root.findtext("{*}code")
    text = root.findtext("{*}message")
    if text is None:
        return None
    return f"{code}: {text}" if code else text


def error_for(
    status: int, content_type: str, body: bytes, *, tenant: str, url: str
) -> SapError:
    """The error that an unexpected SAP answer means."""
    message = sap_message(body, content_type)
    common = {"tenant": tenant, "url": url, "status": status, "body": body}
    if is_html(content_type, body) and status < 400:
        return SapLogonPage(
            "SAP answered with an HTML page instead of data; the technical user is "
            "probably sent to an interactive logon (check the ICF logon procedure)",
            sap_message=message,
            **common,
        )
    if status == 401:
        return SapAuthFailed(
            "SAP refused the logon; check user, password and sap-client",
            sap_message=message,
            **common,
        )
    if status >= 500:
        return SapServerError(
            "SAP failed while answering (an ABAP runtime error; see ST22)",
            sap_message=message,
            **common,
        )
    return SapRefused("SAP refused the request", sap_message=message, **common)
