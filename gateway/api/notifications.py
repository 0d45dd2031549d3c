"""Notification settings over REST, for integrators who set up a company's users.

A console user edits their own settings on the «Уведомления» page; an integrator's
token may read and set them for the users of its tenant. Webhooks for systems are
the CRM subscriptions under ``/api/v1/crm/subscriptions``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from gateway.api.auth import Caller, current_caller, require
from gateway.api.dependencies import get_hub
from gateway.api.error_responses import ERROR_RESPONSES
from gateway.errors import NotFound
from gateway.hub import Hub
from gateway.notifications.kinds import KINDS, MODES
from gateway.notifications.preferences import preference_of, save_preference
from gateway.store.notifications import NotificationPreference
from gateway.store.tables import ConsoleUser

router = APIRouter(
    prefix="/notifications", tags=["notifications"], responses=ERROR_RESPONSES
)


class KindOut(BaseModel):
    kind: str
    title: str
    event_types: list[str]


class KindsOut(BaseModel):
    kinds: list[KindOut]
    modes: list[str]


class PreferenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field("", max_length=254)
    modes: dict[str, str] = Field(default_factory=dict)
    price_threshold_percent: str = Field("5", max_length=16)


class PreferenceOut(BaseModel):
    login: str
    tenant_id: str | None
    email: str | None
    modes: dict[str, str]
    price_threshold_percent: Decimal
    last_digest_on: date | None
    updated_at: datetime


@router.get("/kinds", response_model=KindsOut)
def kinds(_caller: Caller = Depends(current_caller)) -> KindsOut:
    """The kinds of news a user may choose, and the modes for each."""
    return KindsOut(
        kinds=[
            KindOut(kind=kind, title=title, event_types=list(types))
            for kind, (title, types) in KINDS.items()
        ],
        modes=list(MODES),
    )


@router.get("/preferences", response_model=list[PreferenceOut])
def list_preferences(
    tenant: str | None = Query(None, description="all-tenant tokens only"),
    caller: Caller = Depends(require("integrator")),
    hub: Hub = Depends(get_hub),
) -> list[PreferenceOut]:
    wanted = caller.tenant_filter(tenant)
    query = (
        select(NotificationPreference, ConsoleUser)
        .join(ConsoleUser, ConsoleUser.id == NotificationPreference.user_id)  # type: ignore[arg-type]
        .order_by(ConsoleUser.login)
    )
    if wanted is not None:
        query = query.where(ConsoleUser.tenant_id == wanted)
    with hub.db.session() as session:
        return [_out(p, u) for p, u in session.execute(query).all()]


@router.put("/preferences/{login}", response_model=PreferenceOut)
def put_preference(
    login: str,
    wanted: PreferenceIn,
    caller: Caller = Depends(require("integrator")),
    hub: Hub = Depends(get_hub),
) -> PreferenceOut:
    """Set a user's address, modes (kinds left out are ``off``) and threshold."""
    user = _user(hub, caller, login)
    saved = save_preference(
        hub.db,
        hub.clock,
        user,
        email=wanted.email,
        modes=wanted.modes,
        threshold=wanted.price_threshold_percent,
    )
    return _out(saved, user)


@router.get("/preferences/{login}", response_model=PreferenceOut)
def get_preference(
    login: str,
    caller: Caller = Depends(require("integrator")),
    hub: Hub = Depends(get_hub),
) -> PreferenceOut:
    user = _user(hub, caller, login)
    assert user.id is not None
    with hub.db.session() as session:
        found = preference_of(session, user.id)
    if found is None:
        raise NotFound(f"console user {login!r} has no notification settings yet")
    return _out(found, user)


def _user(hub: Hub, caller: Caller, login: str) -> ConsoleUser:
    with hub.db.session() as session:
        user = session.execute(
            select(ConsoleUser).where(ConsoleUser.login == login)
        ).scalar_one_or_none()
        if user is not None:
            session.expunge(user)
    if user is None or not (
        caller.tenant_id is None or caller.tenant_id == user.tenant_id
    ):
        raise NotFound(f"console user {login!r} does not exist")
    return user


def _out(preference: NotificationPreference, user: ConsoleUser) -> PreferenceOut:
    return PreferenceOut(
        login=user.login,
        tenant_id=user.tenant_id,
        email=preference.email,
        modes=dict(preference.modes or {}),
        price_threshold_percent=preference.price_threshold_percent,
        last_digest_on=preference.last_digest_on,
        updated_at=preference.updated_at,
    )
