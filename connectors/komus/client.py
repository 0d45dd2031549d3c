"""The Komus-OPT API for one tenant: typed calls, paging, batches, retries, budget.

Every request first takes a slot from the token's shared ``RateBudget``, so that all
gateway nodes together stay under the token's limit. Requests that change nothing
are retried in place (tenacity) on timeouts, dropped connections, 5xx and 429; a
429's ``Retry-After`` is honoured and also spends the budget of every node. Order
creation is made safe to repeat by its ``externalId``: before each attempt the order
is looked up by that key, so a timeout after Komus took the order never doubles it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib.metadata import PackageNotFoundError, version
from typing import Any, TypeVar
from urllib.parse import unquote

import httpx
import structlog
from pydantic import BaseModel
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from connectors.komus.errors import (
    KomusRateLimited,
    KomusRefused,
    KomusTokenRefused,
    KomusUnavailable,
)
from connectors.komus.models import (
    ArticlePrices,
    ArticleProps,
    ArticleStock,
    Batch,
    Category,
    DocumentInfo,
    Element,
    KomusOrder,
    OrderChange,
    OrderDraft,
    Page,
    ShipData,
    ShipmentInfo,
)
from connectors.komus.ratelimit import RateBudget, token_hash
from gateway.retry import parse_retry_after

log = structlog.get_logger(__name__)

BATCH_LIMIT = 250
"""Articles per /prices/, /stock/ and /props/ request: Komus takes at most 250."""

PAGE_LIMIT = 250
"""Items per page asked for on list endpoints."""

REFUSAL_PAUSE_SECONDS = 300.0
"""After a 401/403 the token is not tried again for this long (no hammering)."""

EXCERPT_CHARS = 300

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class RetryPolicy:
    """How hard one call tries before its error goes to the caller.

    Waits longer than ``max_wait`` (a token blocked for hours) are not slept in
    place: the error goes up at once and the scheduler's next run tries again.
    """

    attempts: int = 4
    initial_backoff: float = 0.5
    max_backoff: float = 8.0
    max_wait: float = 30.0


@dataclass(frozen=True)
class DocumentFile:
    content: bytes
    content_type: str
    filename: str | None = None


class _WaitForKomus:
    """Wait what a 429 asked for, else back off exponentially with jitter."""

    def __init__(self, policy: RetryPolicy):
        self.backoff = wait_exponential(
            multiplier=policy.initial_backoff, max=policy.max_backoff
        ) + wait_random(0, policy.initial_backoff)

    def __call__(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            return float(retry_after)
        return float(self.backoff(state))


class _StopWhenTooLong:
    """Stop once the wait Komus asks for is longer than the policy sleeps in place."""

    def __init__(self, policy: RetryPolicy):
        self.max_wait = policy.max_wait

    def __call__(self, state: RetryCallState) -> bool:
        error = state.outcome.exception() if state.outcome else None
        retry_after = getattr(error, "retry_after", None)
        return retry_after is not None and retry_after > self.max_wait


def _user_agent() -> str:
    try:
        return f"komus-gateway/{version('komus-gateway')}"
    except PackageNotFoundError:
        return "komus-gateway"


class KomusClient:
    """One tenant's view of the Komus API; thread-safe like ``httpx.Client``."""

    def __init__(
        self,
        *,
        base_url: str,
        token: str,
        tenant_id: str,
        region: str | None = None,
        budget: RateBudget | None = None,
        timeout: float = 30.0,
        policy: RetryPolicy | None = None,
    ):
        self.tenant_id = tenant_id
        self.region = region
        self.budget = budget
        self.policy = policy or RetryPolicy()
        self._digest = token_hash(token)
        self._refused: tuple[float, KomusTokenRefused] | None = None
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers={
                "token": token,
                "User-Agent": _user_agent(),
                "Accept": "application/json",
            },
            follow_redirects=False,
        )
        self.log = log.bind(tenant=tenant_id)

    def close(self) -> None:
        self._http.close()

    # -- catalog -----------------------------------------------------------------------

    def elements(self, **filters: Any) -> Iterator[Element]:
        """Every article the token may see, page after page to the last."""
        return self._pages("/elements", Element, filters)

    def categories(self, region: str | None = None) -> list[Category]:
        params = {"region": region or self.region} if (region or self.region) else {}
        return list(self._pages("/categories", Category, params))

    def regions(self) -> list[ShipmentInfo]:
        return [data.shipment_info for data in self._pages("/shipdata/", ShipData, {})]

    def prices(
        self, artnumbers: Iterable[int], region: str | None = None
    ) -> Batch[ArticlePrices]:
        """Prices with VAT; in ``region`` only (every region of the token if None)."""
        params = {"region": region} if region else {}
        return self._batches("/prices/", ArticlePrices, artnumbers, params)

    def stock(
        self, artnumbers: Iterable[int], region: str | None = None
    ) -> Batch[ArticleStock]:
        params = {"region": region} if region else {}
        return self._batches("/stock/", ArticleStock, artnumbers, params)

    def props(
        self, artnumbers: Iterable[int], fields: str | None = None
    ) -> Batch[ArticleProps]:
        params = {"fields": fields} if fields else {}
        return self._batches("/props/", ArticleProps, artnumbers, params)

    # -- orders ------------------------------------------------------------------------

    def orders(self, **filters: Any) -> Iterator[KomusOrder]:
        return self._pages("/orders", KomusOrder, filters)

    def order(self, order_id: int | str) -> KomusOrder:
        return KomusOrder.model_validate(self._call("GET", f"/orders/{order_id}"))

    def find_order(
        self, external_id: str, *, retried: bool = True
    ) -> KomusOrder | None:
        """The order created with this idempotency key, if Komus has one."""
        params = {"externalId": external_id}
        for order in self._pages("/orders", KomusOrder, params, retried=retried):
            if order.external_id == external_id:
                return order
        return None

    def create_order(self, draft: OrderDraft, *, looked_up: bool = False) -> KomusOrder:
        """Place an order at most once per ``draft.external_id``, whatever fails.

        Each attempt first looks the key up: after a timeout or a dropped
        connection Komus may have taken the order without the answer arriving.
        ``looked_up`` skips the first lookup when the caller has just made it.
        """
        bound = self.log.bind(external_id=draft.external_id)
        attempts = 0

        def place() -> KomusOrder:
            nonlocal attempts
            attempts += 1
            if attempts > 1 or not looked_up:
                found = self.find_order(draft.external_id, retried=False)
                if found is not None:
                    bound.info("komus_order_found", komus_order_id=found.id)
                    return found
            try:
                response = self._send("POST", "/orders", json=draft.body())
            except KomusRefused as error:
                if error.status_code != 409:
                    raise
                # Komus already holds an order with this key: take that one.
                found = self.find_order(draft.external_id, retried=False)
                if found is None:
                    raise
                return found
            order = KomusOrder.model_validate(response.json())
            bound.info("komus_order_created", komus_order_id=order.id)
            return order

        return self._retrying()(place)

    def change_order(self, order_id: int | str, change: OrderChange) -> KomusOrder:
        """Set row quantities; Komus allows it only in status N (else 409)."""
        body = self._call("PATCH", f"/orders/{order_id}", json=change.body())
        return KomusOrder.model_validate(body)

    def cancel_order(
        self, order_id: int | str, reason: str | None = None
    ) -> KomusOrder:
        """Cancel; repeating it is harmless, a shipped order is refused (409)."""
        body = self._call(
            "POST",
            f"/orders/{order_id}/cancel",
            json={"reason": reason} if reason else None,
        )
        return KomusOrder.model_validate(body)

    def documents(self, order_id: int | str) -> list[DocumentInfo]:
        return list(self._pages(f"/orders/{order_id}/documents", DocumentInfo, {}))

    def document_file(self, order_id: int | str, document_id: int) -> DocumentFile:
        """The file of an invoice (PDF) or a УПД (XML, windows-1251), as sent."""
        return self._download(f"/orders/{order_id}/documents/{document_id}")

    def invoice_pdf(self, order_id: int | str) -> DocumentFile:
        return self._download(f"/orders/{order_id}/invoice")

    # -- transport ---------------------------------------------------------------------

    def _download(self, path: str) -> DocumentFile:
        response = self._retrying()(lambda: self._send("GET", path))
        content_type = response.headers.get("content-type", "").split(";")[0]
        return DocumentFile(
            content=response.content,
            content_type=content_type.strip() or "application/octet-stream",
            filename=_filename(response),
        )

    def _pages(
        self,
        path: str,
        model: type[M],
        params: dict[str, Any],
        *,
        retried: bool = True,
    ) -> Iterator[M]:
        page_model = Page[model]  # type: ignore[valid-type]
        page = 1
        while True:
            body = self._call(
                "GET",
                path,
                params={**params, "page": page, "limit": PAGE_LIMIT},
                retried=retried,
            )
            envelope = page_model.model_validate(body)
            yield from envelope.content
            if envelope.next is None:
                return
            if envelope.next <= page:
                raise KomusUnavailable(
                    f"Komus paged {path} backwards (page {page}, next {envelope.next})"
                )
            page = envelope.next

    def _batches(
        self,
        path: str,
        model: type[M],
        artnumbers: Iterable[int],
        params: dict[str, Any] | None = None,
    ) -> Batch[M]:
        unique = list(dict.fromkeys(int(a) for a in artnumbers))
        merged: Batch[M] = Batch()
        for start in range(0, len(unique), BATCH_LIMIT):
            chunk = unique[start : start + BATCH_LIMIT]
            body = self._call("POST", path, params=params, json={"artnumbers": chunk})
            merged.content.extend(
                model.model_validate(item) for item in body.get("content", [])
            )
            merged.lost.extend(int(a) for a in body.get("artnumberLost") or [])
        return merged

    def _retrying(self) -> Retrying:
        policy = self.policy
        return Retrying(
            retry=retry_if_exception_type(KomusUnavailable),
            stop=stop_after_attempt(policy.attempts) | _StopWhenTooLong(policy),
            wait=_WaitForKomus(policy),
            before_sleep=self._before_retry,
            reraise=True,
        )

    def _before_retry(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        self.log.warning(
            "komus_request_retry",
            attempt=state.attempt_number,
            error=str(error),
            wait_seconds=round(state.upcoming_sleep, 2),
        )

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        retried: bool = True,
    ) -> Any:
        """A request safe to repeat (reads, PATCH, cancel), retried; the JSON body."""

        def send() -> httpx.Response:
            return self._send(method, path, params=params, json=json)

        response = self._retrying()(send) if retried else send()
        return response.json()

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        data: dict[str, Any] | None = None,
        files: Any = None,
    ) -> httpx.Response:
        """One attempt: take a budget slot, send, and sort the answer into errors."""
        self._check_refusal()
        if self.budget is not None:
            self.budget.acquire(self._digest)
        started = time.monotonic()
        try:
            response = self._http.request(
                method, path, params=params, json=json, data=data, files=files
            )
        except httpx.TimeoutException as exc:
            raise KomusUnavailable(
                f"Komus did not answer {method} {path} in time ({type(exc).__name__})"
            ) from exc
        except httpx.TransportError as exc:
            raise KomusUnavailable(
                f"the connection to Komus failed on {method} {path} "
                f"({type(exc).__name__})"
            ) from exc
        self.log.debug(
            "komus_request",
            method=method,
            path=path,
            status=response.status_code,
            ms=round((time.monotonic() - started) * 1000),
        )
        self._raise_for(response, f"{method} {path}")
        return response

    def _raise_for(self, response: httpx.Response, what: str) -> None:
        status = response.status_code
        if status < 400:
            return
        detail = _detail(response)
        if status in (401, 403):
            refused = KomusTokenRefused(
                self.tenant_id, status, detail, blocked_until=_blocked_until(response)
            )
            self._refused = (time.monotonic(), refused)
            if refused.blocked_until is not None and self.budget is not None:
                seconds = (refused.blocked_until - datetime.now(UTC)).total_seconds()
                self.budget.hold(self._digest, seconds)
            self.log.error("komus_token_refused", status=status, next_step=str(refused))
            raise refused
        if status == 429:
            retry_after = parse_retry_after(
                response.headers.get("retry-after"), datetime.now(UTC)
            )
            if self.budget is not None:
                self.budget.hold(self._digest, retry_after or self.budget.window)
            raise KomusRateLimited(
                f"Komus asked to slow down on {what}: {detail}",
                retry_after=retry_after,
                status_code=status,
                response_excerpt=detail,
            )
        if status >= 500 or status == 408:
            raise KomusUnavailable(
                f"Komus failed on {what} (HTTP {status}): {detail}",
                status_code=status,
                response_excerpt=detail,
            )
        raise KomusRefused(
            f"Komus refused {what} (HTTP {status}): {detail}",
            status_code=status,
            response_excerpt=detail,
        )

    def _check_refusal(self) -> None:
        if self._refused is None:
            return
        since, refused = self._refused
        blocked_until = refused.blocked_until
        if blocked_until is not None:
            if datetime.now(UTC) < blocked_until:
                raise refused
        elif time.monotonic() - since < REFUSAL_PAUSE_SECONDS:
            raise refused
        self._refused = None


def _detail(response: httpx.Response) -> str:
    """Komus's error text: ``message`` and ``details`` of its error body."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:EXCERPT_CHARS] or response.reason_phrase
    if not isinstance(body, dict):
        return str(body)[:EXCERPT_CHARS]
    message = str(body.get("message") or body.get("detail") or response.reason_phrase)
    details = body.get("details") or []
    if isinstance(details, list) and details:
        message += ": " + "; ".join(str(d) for d in details)
    return message[:EXCERPT_CHARS]


def _blocked_until(response: httpx.Response) -> datetime | None:
    """When a blocked token is let in again: ``Retry-After`` on the 403 says."""
    retry_after = parse_retry_after(
        response.headers.get("retry-after"), datetime.now(UTC)
    )
    if retry_after is None:
        return None
    return datetime.now(UTC) + timedelta(seconds=retry_after)


def _filename(response: httpx.Response) -> str | None:
    """The file name from ``Content-Disposition``; ``filename*`` (RFC 5987) first."""
    names: dict[str, str] = {}
    for part in response.headers.get("content-disposition", "").split(";"):
        key, _, value = part.strip().partition("=")
        names[key.lower()] = value.strip().strip('"')
    extended = names.get("filename*", "")
    if extended.lower().startswith("utf-8''"):
        return unquote(extended[7:]) or None
    return names.get("filename") or None
