"""One JSON call to a CRM's REST API, with its failures sorted for the inbox.

Network faults, 429 and 5xx are worth another try (the inbox row waits for the next
pass); a refused token, a missing deal or an answer that is not JSON are not, and the
row fails with a reason the integrator can act on. The client is always the guarded
one: the URL comes from a tenant's hook settings.
"""

from __future__ import annotations

from typing import Any

import httpx

from gateway.errors import FinalError, RetryableError


def call_json(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    what: str,
    empty: Any = None,
    **options: Any,
) -> Any:
    """The decoded answer; ``empty`` stands for a 204 where that means an empty list.

    Without ``empty`` a 204 is "not found", as amoCRM answers for a missing entity.
    """
    try:
        answer = client.request(method, url, **options)
    except httpx.TransportError as exc:
        raise RetryableError(f"{what}: {exc!r}") from exc
    status = answer.status_code
    if status == 429 or status >= 500:
        raise RetryableError(
            f"{what}: HTTP {status}",
            retry_after=_seconds(answer.headers.get("retry-after")),
            status_code=status,
        )
    if status in (401, 403):
        raise FinalError(
            f"{what}: HTTP {status}, the CRM refused the hook's credentials; "
            "set a valid token in the hook settings and replay the message",
            status_code=status,
        )
    if status == 204 and empty is not None:
        return empty
    if status in (204, 404):
        raise FinalError(f"{what}: not found (HTTP {status})", status_code=status)
    if not 200 <= status < 300:
        raise FinalError(
            f"{what}: HTTP {status} {answer.text[:200]}", status_code=status
        )
    try:
        return answer.json()
    except ValueError as exc:
        raise FinalError(f"{what}: the answer is not JSON") from exc


def setting(settings: dict[str, Any], name: str, kind: str, purpose: str) -> str:
    value = settings.get(name)
    if not value:
        raise FinalError(
            f"the {kind} hook has no {name!r} setting, needed {purpose}; "
            "add it to the hook and replay the message"
        )
    return str(value)


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None
