"""How a claimed delivery reaches its target: HTTP built in, connectors add more."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import structlog
from tenacity import (
    retry,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from gateway.errors import FinalError, RetryableError
from gateway.netguard import check_target
from gateway.outbox import EXCERPT_CHARS, Claimed
from gateway.retry import parse_retry_after

log = structlog.get_logger(__name__)

RETRYABLE_CLIENT_ERRORS = {401, 403, 404, 408, 409, 425, 429}
"""4xx answers that an operator or time can fix; any other 4xx refuses the payload."""


@dataclass(frozen=True)
class SendResult:
    status_code: int | None = None
    response_excerpt: str = ""


Sender = Callable[[Claimed], SendResult]


class HttpSender:
    """POSTs the payload as it was stored, with the headers stored beside it."""

    def __init__(self, *, timeout: float, allowed_private: list[str] | None = None):
        self.allowed_private = allowed_private or []
        self.client = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            follow_redirects=False,
            headers={"User-Agent": "komus-gateway"},
        )

    def __call__(self, claimed: Claimed) -> SendResult:
        check_target(claimed.target, self.allowed_private)
        headers = {
            "Content-Type": claimed.content_type,
            "Idempotency-Key": f"delivery-{claimed.id}",
            **claimed.headers,
        }
        try:
            response = self._post(claimed.target, claimed.payload, headers)
        except httpx.TimeoutException as exc:
            raise RetryableError(f"no answer from {claimed.target}: {exc!r}") from exc
        except httpx.TransportError as exc:
            raise RetryableError(f"cannot reach {claimed.target}: {exc!r}") from exc
        return classify(response)

    @retry(
        retry=retry_if_exception_type(httpx.ConnectError),
        stop=stop_after_attempt(3),
        wait=wait_exponential_jitter(multiplier=0.2, max=2.0, jitter=0.2),
        reraise=True,
    )
    def _post(
        self, url: str, payload: bytes, headers: dict[str, str]
    ) -> httpx.Response:
        # Only connection failures are retried in place: nothing reached the peer yet.
        return self.client.post(url, content=payload, headers=headers)

    def close(self) -> None:
        self.client.close()


def classify(response: httpx.Response) -> SendResult:
    """Turn an HTTP answer into success, a retryable failure or a final one."""
    excerpt = response.text[:EXCERPT_CHARS]
    status = response.status_code
    if 200 <= status < 300:
        return SendResult(status, excerpt)
    if 300 <= status < 400:
        location = response.headers.get("location", "?")
        raise RetryableError(
            f"HTTP {status} redirect to {location} not followed; update the target",
            status_code=status,
            response_excerpt=excerpt,
        )
    if status == 410:
        raise FinalError(
            "HTTP 410 Gone: the receiver says this endpoint no longer exists",
            status_code=status,
            response_excerpt=excerpt,
        )
    if 400 <= status < 500 and status not in RETRYABLE_CLIENT_ERRORS:
        raise FinalError(
            f"HTTP {status}: the receiver refused the payload; fix it and replay",
            status_code=status,
            response_excerpt=excerpt,
        )
    retry_after = parse_retry_after(
        response.headers.get("retry-after"), datetime.now(UTC)
    )
    raise RetryableError(
        f"HTTP {status} from the receiver",
        status_code=status,
        response_excerpt=excerpt,
        retry_after=retry_after,
    )
