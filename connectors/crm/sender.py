"""The ``webhook`` channel's sender: signs at send time, never follows a redirect.

An endpoint that answers 410, or that has failed without a success for five days,
is disabled and the tenant is told through a ``webhook.endpoint_disabled`` event.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
import structlog
from sqlalchemy import update

from connectors.crm.fanout import SUBSCRIPTION_HEADER
from connectors.crm.signing import signed_headers
from connectors.crm.subscriptions import signing_keys
from gateway.errors import FinalError, RetryableError
from gateway.hub import Hub
from gateway.netguard import Resolver, guarded_client
from gateway.outbox import Claimed
from gateway.senders import SendResult, classify
from gateway.store.tables import WebhookSubscription
from gateway.vault import Vault

log = structlog.get_logger(__name__)

MAX_RESPONSE_BYTES = 20_000
DISABLE_AFTER = timedelta(days=5)


class WebhookSender:
    def __init__(
        self,
        hub: Hub,
        *,
        resolver: Resolver | None = None,
        vault: Vault | None = None,
    ):
        self.hub = hub
        self.vault = vault or Vault.from_env()
        self.client = guarded_client(
            timeout=hub.settings.outbox.request_timeout_seconds,
            allowed=hub.settings.outbox.allow_private_targets,
            resolver=resolver,
        )

    def __call__(self, claimed: Claimed) -> SendResult:
        subscription_id = int(claimed.headers.get(SUBSCRIPTION_HEADER, "0"))
        with self.hub.db.session() as session:
            subscription = session.get(WebhookSubscription, subscription_id)
        if subscription is None or subscription.disabled_at is not None:
            raise FinalError(f"webhook endpoint {subscription_id} is disabled or gone")
        try:
            result = self._post(claimed, subscription)
        except (RetryableError, FinalError) as error:
            self._failed(subscription_id, error)
            raise
        self._succeeded(subscription_id)
        return result

    def _post(self, claimed: Claimed, subscription: WebhookSubscription) -> SendResult:
        now = self.hub.clock.now()
        headers = {
            "content-type": claimed.content_type,
            **signed_headers(
                claimed.headers["webhook-id"],
                int(now.timestamp()),
                claimed.payload,
                signing_keys(subscription, now, self.vault),
            ),
        }
        request = self.client.build_request(
            "POST", subscription.url, content=claimed.payload, headers=headers
        )
        try:
            response = self.client.send(request, stream=True)
        except httpx.TimeoutException as exc:
            raise RetryableError(f"no answer from endpoint: {exc!r}") from exc
        except httpx.TransportError as exc:
            raise RetryableError(f"cannot reach endpoint: {exc!r}") from exc
        try:
            head = _read_capped(response)
        finally:
            response.close()
        return classify(
            httpx.Response(response.status_code, headers=response.headers, content=head)
        )

    def _failed(self, subscription_id: int, error: RetryableError | FinalError) -> None:
        now = self.hub.clock.now()
        with self.hub.db.session() as session:
            subscription = session.get(WebhookSubscription, subscription_id)
            if subscription is None or subscription.disabled_at is not None:
                return
            tenant_id, url = subscription.tenant_id, subscription.url
            if error.status_code == 410:
                reason = "the endpoint answered 410 Gone"
            else:
                since = subscription.failing_since
                if since is None:
                    subscription.failing_since = now
                    return
                if since.tzinfo is None:
                    since = since.replace(tzinfo=now.tzinfo)
                if now - since < DISABLE_AFTER:
                    return
                reason = f"no successful delivery since {since.isoformat()}"
        self._disable(subscription_id, tenant_id, url, reason)

    def _disable(self, subscription_id: int, tenant_id: str, url: str, reason: str):
        """Disable once: of attempts failing at the same time, one tells the tenant.

        The conditional update is the first statement of its own transaction, so it
        sees what a concurrent attempt committed and only one of them wins.
        """
        now = self.hub.clock.now()
        with self.hub.db.session() as session:
            won = session.execute(
                update(WebhookSubscription)
                .where(
                    WebhookSubscription.id == subscription_id,
                    WebhookSubscription.disabled_at.is_(None),  # type: ignore[union-attr]
                )
                .values(disabled_at=now, disabled_reason=reason, updated_at=now)
            ).rowcount
            if not won:
                return
            self.hub.pipeline.record_event(
                session,
                tenant_id,
                "webhook.endpoint_disabled",
                {"subscription_id": subscription_id, "url": url, "reason": reason},
            )
        log.error(
            "webhook_endpoint_disabled",
            tenant=tenant_id,
            subscription_id=subscription_id,
            reason=reason,
            next_step="fix the endpoint, enable it, then recover what failed",
        )

    def _succeeded(self, subscription_id: int) -> None:
        with self.hub.db.session() as session:
            subscription = session.get(WebhookSubscription, subscription_id)
            if subscription is not None and subscription.failing_since is not None:
                subscription.failing_since = None

    def close(self) -> None:
        self.client.close()


def _read_capped(response: httpx.Response) -> bytes:
    kept = bytearray()
    for chunk in response.iter_bytes():
        kept += chunk[: MAX_RESPONSE_BYTES - len(kept)]
        if len(kept) >= MAX_RESPONSE_BYTES:
            break
    return bytes(kept)
