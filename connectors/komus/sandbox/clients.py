"""The Komus customers the sandbox knows, each by its API token.

Three are built in (the demo tenant and the two test tenants); clients in the
sandbox settings are added, and replace a built-in one with the same token.
"""

from __future__ import annotations

from decimal import Decimal

from gateway.config import SandboxClient, SandboxConsignee
from gateway.money import round_money

BUILT_IN = (
    SandboxClient(
        token="demo-komus-token",
        name='ООО "Ромашка"',
        inn="7707083893",
        kpp="773601001",
        address="127015, г. Москва, ул. Бутырская, д. 76, стр. 1",
        regions=["77", "50"],
        discount_percent=5,
        consignees=[
            SandboxConsignee(
                id=1001,
                name='ООО "Ромашка"',
                inn="7707083893",
                kpp="773601001",
                address="127015, г. Москва, ул. Бутырская, д. 76, стр. 1",
                region="77",
                default=True,
            ),
            SandboxConsignee(
                id=1002,
                name='ООО "Ромашка", склад в Химках',
                inn="7707083893",
                kpp="504701001",
                address="141400, Московская обл., г. Химки, ул. Заводская, д. 8",
                region="50",
            ),
        ],
    ),
    SandboxClient(
        token="acme-komus-token",
        name='ООО "Акме"',
        inn="7707083893",
        kpp="773601001",
        address="125009, г. Москва, ул. Тверская, д. 1",
        regions=["77", "78"],
        discount_percent=7,
        consignees=[
            SandboxConsignee(
                id=2001,
                name='ООО "Акме"',
                inn="7707083893",
                kpp="773601001",
                address="125009, г. Москва, ул. Тверская, д. 1",
                region="77",
                default=True,
            ),
            SandboxConsignee(
                id=2002,
                name='ООО "Акме", филиал в Санкт-Петербурге',
                inn="7707083893",
                kpp="784201001",
                address="191186, г. Санкт-Петербург, Невский пр., д. 28",
                region="78",
            ),
        ],
    ),
    SandboxClient(
        token="globex-komus-token",
        name='АО "Глобекс"',
        inn="7736207543",
        kpp="773601001",
        address="191025, г. Санкт-Петербург, Невский пр., д. 10",
        regions=["78", "66"],
        discount_percent=3,
        consignees=[
            SandboxConsignee(
                id=3001,
                name='АО "Глобекс"',
                inn="7736207543",
                kpp="773601001",
                address="191025, г. Санкт-Петербург, Невский пр., д. 10",
                region="78",
                default=True,
            ),
            SandboxConsignee(
                id=3002,
                name='АО "Глобекс", Уральский филиал',
                inn="7736207543",
                kpp="667101001",
                address="620014, г. Екатеринбург, ул. Малышева, д. 51",
                region="66",
            ),
        ],
    ),
)


class Clients:
    def __init__(self, configured: list[SandboxClient]):
        self._by_token = {client.token: client for client in BUILT_IN}
        self._by_token.update({client.token: client for client in configured})

    def get(self, token: str) -> SandboxClient | None:
        return self._by_token.get(token)

    def tokens(self) -> list[str]:
        return list(self._by_token)


def consignee(
    client: SandboxClient, consignee_id: int | None
) -> SandboxConsignee | None:
    if consignee_id is None:
        defaults = [c for c in client.consignees if c.default] or client.consignees
        return defaults[0] if defaults else None
    return next((c for c in client.consignees if c.id == consignee_id), None)


def region_of(client: SandboxClient, chosen: SandboxConsignee | None) -> str:
    return chosen.region if chosen is not None else client.regions[0]


def contract_price(client: SandboxClient, regional_price: Decimal) -> Decimal:
    """The client's price: the regional price less its contract discount."""
    discount = Decimal(str(client.discount_percent))
    return round_money(regional_price * (100 - discount) / 100)
