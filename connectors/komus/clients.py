"""One Komus client per tenant, all sharing the database-backed request budget."""

from __future__ import annotations

import threading

import structlog

from connectors.komus.client import KomusClient, RetryPolicy
from connectors.komus.ratelimit import RateBudget
from gateway.config import KomusSettings, TenantSettings
from gateway.errors import RetryableError
from gateway.store.database import Database

log = structlog.get_logger(__name__)


SANDBOX = "sandbox"


def api_url(settings: KomusSettings) -> str:
    """The API root; ``sandbox`` means the built-in sandbox on its loopback port."""
    if settings.base_url == SANDBOX:
        return f"http://127.0.0.1:{settings.sandbox_port}/api2"
    return settings.base_url


class KomusNotConfigured(RetryableError):
    """A tenant has no Komus token; its requisitions wait until it gets one."""


class KomusClients:
    def __init__(
        self,
        settings: KomusSettings,
        db: Database,
        *,
        base_url: str | None = None,
        policy: RetryPolicy | None = None,
        budget: RateBudget | None = None,
    ):
        self.settings = settings
        self.base_url = base_url or api_url(settings)
        self.policy = policy
        self.budget = budget or RateBudget(db, limit=settings.requests_per_minute)
        self._clients: dict[str, KomusClient] = {}
        self._guard = threading.Lock()

    def configured(self, tenant: TenantSettings) -> bool:
        token = tenant.komus.token
        return bool(token and token.get_secret_value())

    def for_tenant(self, tenant: TenantSettings) -> KomusClient:
        if not self.configured(tenant):
            raise KomusNotConfigured(
                f"tenant {tenant.id!r} has no Komus token: set "
                f"tenants[{tenant.id}].komus.token (and region) in config.yaml; "
                "its requisitions wait and are submitted once it is set"
            )
        with self._guard:
            client = self._clients.get(tenant.id)
            if client is None:
                assert tenant.komus.token is not None
                client = KomusClient(
                    base_url=self.base_url,
                    token=tenant.komus.token.get_secret_value(),
                    tenant_id=tenant.id,
                    region=tenant.komus.region,
                    budget=self.budget,
                    timeout=self.settings.timeout_seconds,
                    policy=self.policy,
                )
                self._clients[tenant.id] = client
            return client

    def close(self) -> None:
        with self._guard:
            for client in self._clients.values():
                client.close()
            self._clients.clear()
