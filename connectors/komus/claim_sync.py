"""Claims to Komus and back: the ``komus-claim`` sender and the poll of open claims.

The sender builds the multipart request from the stored claim when the delivery is
due, so the outbox row stays small however large the photos are. A claim Komus
refuses (4xx) is marked ``failed`` with Komus's words and its delivery ends dead;
a timeout, a 5xx or a refused token leaves the delivery to the outbox's retries,
with the error kept on the attempt.
"""

from __future__ import annotations

import json

import structlog
from sqlalchemy import select

from connectors.komus.cabinet_api import ClaimPhotoFile, KomusClaim, claim, file_claim
from connectors.komus.clients import KomusClients
from connectors.komus.errors import KomusRefused, KomusTokenRefused
from gateway.cabinet.claims import Claims, claim_lines, open_claims
from gateway.errors import FinalError, GatewayError, RetryableError
from gateway.hub import Hub
from gateway.outbox import Claimed
from gateway.senders import SendResult
from gateway.store.claims import Claim, ClaimPhoto
from gateway.store.tables import Order

log = structlog.get_logger(__name__)


class ClaimSender:
    def __init__(self, hub: Hub, clients: KomusClients, claims: Claims):
        self.hub = hub
        self.clients = clients
        self.claims = claims

    def __call__(self, claimed: Claimed) -> SendResult:
        claim_id = int(json.loads(claimed.payload)["claim_id"])
        with self.hub.db.session() as session:
            found = session.get(Claim, claim_id)
            if found is None:
                raise FinalError(f"claim {claim_id} is gone; nothing to send")
            order = session.get(Order, found.order_id)
            lines = claim_lines(session, claim_id)
            photos = [
                ClaimPhotoFile(p.filename, p.content_type, p.content)
                for p in session.execute(
                    select(ClaimPhoto)
                    .where(ClaimPhoto.claim_id == claim_id)
                    .order_by(ClaimPhoto.id)
                ).scalars()
            ]
            text = found.text
        assert order is not None and order.komus_order_id is not None
        tenant = self.hub.pipeline.tenant(claimed.tenant_id)
        client = self.clients.for_tenant(tenant)
        body = {
            "externalId": f"gw-claim-{claim_id}",
            "text": text,
            "rows": [
                {
                    "artnumber": int(line.article) if line.article.isdigit() else None,
                    "quantity": format(line.quantity.normalize(), "f"),
                    "reason": line.reason,
                }
                for line in lines
            ],
        }
        try:
            answer = file_claim(client, order.komus_order_id, body, photos)
        except KomusTokenRefused as error:
            raise RetryableError(str(error), status_code=error.status_code) from error
        except KomusRefused as error:
            self.claims.record_failure(claim_id, str(error))
            raise
        self._record(claim_id, answer)
        log.info(
            "claim_filed",
            tenant=claimed.tenant_id,
            claim_id=claim_id,
            komus_claim_id=answer.id,
            photos=len(photos),
        )
        return SendResult(201, f"Komus claim {answer.id}: {answer.status.code}")

    def _record(self, claim_id: int, answer: KomusClaim) -> None:
        self.claims.record_status(
            claim_id,
            komus_claim_id=str(answer.id),
            status=answer.status.code,
            komus_status=answer.status.name,
            answer=answer.answer,
        )


class ClaimTracker:
    """Polls every open claim until Komus has answered it, like order tracking."""

    def __init__(self, hub: Hub, clients: KomusClients, claims: Claims):
        self.hub = hub
        self.clients = clients
        self.claims = claims

    def run_once(self) -> int:
        looked = 0
        for tenant in self.hub.settings.tenants:
            if not self.clients.configured(tenant):
                continue
            with self.hub.db.session() as session:
                pending = [
                    (c.id, c.komus_claim_id) for c in open_claims(session, tenant.id)
                ]
            if not pending:
                continue
            client = self.clients.for_tenant(tenant)
            for claim_id, komus_claim_id in pending:
                assert claim_id is not None and komus_claim_id is not None
                try:
                    answer = claim(client, komus_claim_id)
                except KomusTokenRefused:
                    break  # logged where raised; the whole tenant waits
                except GatewayError as error:
                    log.warning(
                        "claim_poll_failed",
                        tenant=tenant.id,
                        claim_id=claim_id,
                        error=str(error),
                        next_step="next poll",
                    )
                    continue
                self.claims.record_status(
                    claim_id,
                    komus_claim_id=komus_claim_id,
                    status=answer.status.code,
                    komus_status=answer.status.name,
                    answer=answer.answer,
                )
                looked += 1
        return looked
