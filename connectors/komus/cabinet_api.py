"""Komus calls beyond ordering: claims, promotions, and prices for the watchers.

They go through ``KomusClient``'s own transport, so they share the token's request
budget, its refusal pause and its in-place retries. Filing a claim is safe to repeat
because it carries an ``externalId`` Komus answers with the claim it already has.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import Field

from connectors.komus.client import KomusClient
from connectors.komus.models import Amount, Coded, KomusModel, KomusTime


class KomusClaim(KomusModel):
    id: int
    order_id: int = Field(alias="orderId")
    status: Coded
    answer: str | None = None
    answered_at: KomusTime | None = Field(default=None, alias="dateAnswer")


class KomusPromotion(KomusModel):
    id: int
    title: str
    description: str = ""
    category_id: int = Field(alias="categoryId")
    category_name: str | None = Field(default=None, alias="categoryName")
    discount_percent: Amount = Field(alias="discountPercent")
    valid_from: date = Field(alias="validFrom")
    valid_to: date = Field(alias="validTo")


@dataclass(frozen=True)
class ClaimPhotoFile:
    filename: str
    content_type: str
    content: bytes


def file_claim(
    client: KomusClient,
    komus_order_id: str,
    body: dict[str, Any],
    photos: list[ClaimPhotoFile],
) -> KomusClaim:
    """POST the claim as multipart: a ``claim`` JSON part and the ``photos``."""
    parts: list[tuple[str, tuple[str | None, bytes, str]]] = [
        (
            "claim",
            (None, json.dumps(body, ensure_ascii=False).encode(), "application/json"),
        )
    ]
    parts += [
        ("photos", (photo.filename, photo.content, photo.content_type))
        for photo in photos
    ]
    path = f"/orders/{komus_order_id}/claims"
    response = client._retrying()(lambda: client._send("POST", path, files=parts))
    return KomusClaim.model_validate(response.json())


def claim(client: KomusClient, komus_claim_id: str) -> KomusClaim:
    return KomusClaim.model_validate(client._call("GET", f"/claims/{komus_claim_id}"))


def promotions(client: KomusClient) -> list[KomusPromotion]:
    return list(client._pages("/promotions", KomusPromotion, {}))


def partner_prices(
    client: KomusClient, articles: list[str], region: str | None
) -> dict[str, Decimal]:
    """The tenant's contract price per article in its region; lost ones left out."""
    numbers = [int(a) for a in articles if a.isdigit()]
    found: dict[str, Decimal] = {}
    for item in client.prices(numbers, region=region).content:
        offer = item.in_region(region) if region else (item.prices or [None])[0]
        if offer is not None:
            found[str(item.artnumber)] = offer.partner_price
    return found
