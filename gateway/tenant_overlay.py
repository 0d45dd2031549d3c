"""Tenants as config.yaml seeds them, with what admins changed in the console on top.

Everything that needs a tenant's requisites or delivery addresses asks
``Settings.tenant(id)``; once ``install_tenant_overlay`` has run, that answer is the
config's tenant with the stored edits laid over it (``gateway.store.tenant_overlay``):

- requisites: a stored row replaces the legal name, ИНН and КПП;
- addresses: a stored row replaces the config address with its code, a disabled
  row hides it, a new code is added; an address marked default makes it the one.

An edit in this process is seen at once. Other nodes look at the tables again at
most every ``RECHECK_SECONDS`` (a cheap count and newest time), so an edit reaches
them within seconds and a restart changes nothing. Deleting the rows returns a
tenant to what config.yaml says.
"""

from __future__ import annotations

import threading
import time
import unicodedata
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from gateway.clock import Clock
from gateway.config import DeliveryAddress, Settings, TenantSettings
from gateway.errors import NotFound, ValidationFailed
from gateway.identifiers import inn_problem, kpp_problem
from gateway.store.database import Database
from gateway.store.tables import AuditEntry, Tenant
from gateway.store.tenant_overlay import TenantAddress, TenantRequisites

log = structlog.get_logger(__name__)

RECHECK_SECONDS = 5.0
CODE_LIMIT = 64


@dataclass(frozen=True)
class Edits:
    """What the console stored for one tenant."""

    requisites: TenantRequisites | None
    addresses: tuple[TenantAddress, ...]


def overlaid(seed: TenantSettings, edits: Edits) -> TenantSettings:
    """The config tenant with the stored edits laid over it."""
    if edits.requisites is None and not edits.addresses:
        return seed
    update: dict[str, Any] = {}
    if edits.requisites is not None:
        update.update(
            legal_name=edits.requisites.legal_name,
            inn=edits.requisites.inn,
            kpp=edits.requisites.kpp,
        )
    if edits.addresses:
        update["delivery_addresses"] = _addresses(seed.delivery_addresses, edits)
    return seed.model_copy(update=update)


def _addresses(seed: list[DeliveryAddress], edits: Edits) -> list[DeliveryAddress]:
    """Config's addresses in their order, replaced or hidden by code, then new ones."""
    stored = {row.code: row for row in edits.addresses}
    stored_default = any(r.is_default and not r.disabled for r in edits.addresses)
    seed_codes = {address.code for address in seed}
    merged: list[DeliveryAddress] = []
    for address in seed:
        row = stored.get(address.code)
        if row is not None:
            if not row.disabled:
                merged.append(_address(row))
        elif stored_default and address.default:
            merged.append(address.model_copy(update={"default": False}))
        else:
            merged.append(address)
    merged.extend(
        _address(row)
        for row in edits.addresses
        if row.code not in seed_codes and not row.disabled
    )
    return merged


def _address(row: TenantAddress) -> DeliveryAddress:
    return DeliveryAddress.model_construct(
        code=row.code,
        address=row.address,
        komus_address_id=row.komus_address_id,
        default=row.is_default,
    )


class TenantOverlay:
    """``Settings.tenant`` through the stored edits, cached until they change."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        recheck_seconds: float = RECHECK_SECONDS,
    ):
        self.db = db
        self.settings = settings
        self.recheck_seconds = recheck_seconds
        self._guard = threading.Lock()
        self._edits: dict[str, Edits] = {}
        self._generation: tuple[Any, ...] | None = None
        self._looked_at = float("-inf")

    def __call__(self, seed: TenantSettings) -> TenantSettings:
        return overlaid(seed, self.edits_of(seed.id))

    def seed(self, tenant_id: str) -> TenantSettings | None:
        """The tenant as config.yaml has it, without the edits."""
        return next((t for t in self.settings.tenants if t.id == tenant_id), None)

    def edits_of(self, tenant_id: str) -> Edits:
        with self._guard:
            if time.monotonic() - self._looked_at >= self.recheck_seconds:
                self._reload_if_changed()
            return self._edits.get(tenant_id, Edits(None, ()))

    def invalidate(self) -> None:
        """Look at the tables on the next question (after an edit here)."""
        with self._guard:
            self._looked_at = float("-inf")
            self._generation = None

    def _reload_if_changed(self) -> None:
        try:
            with self.db.session() as session:
                generation = tuple(
                    session.execute(
                        select(func.count(), func.max(model.updated_at))
                    ).one()
                    for model in (TenantRequisites, TenantAddress)
                )
                if generation != self._generation:
                    self._edits = _load(session)
                    self._generation = generation
        except SQLAlchemyError as error:
            # The last edits seen keep serving; config.yaml is the floor.
            log.warning(
                "tenant_overlay_unreadable",
                error=str(error)[:200],
                next_step="tried again on the next look-up",
            )
        self._looked_at = time.monotonic()


def _load(session: Any) -> dict[str, Edits]:
    requisites = {
        row.tenant_id: row
        for row in session.execute(select(TenantRequisites)).scalars()
    }
    addresses: dict[str, list[TenantAddress]] = {}
    for row in session.execute(
        select(TenantAddress).order_by(TenantAddress.id)  # type: ignore[arg-type]
    ).scalars():
        addresses.setdefault(row.tenant_id, []).append(row)
    return {
        tenant_id: Edits(requisites.get(tenant_id), tuple(addresses.get(tenant_id, ())))
        for tenant_id in set(requisites) | set(addresses)
    }


def install_tenant_overlay(db: Database, settings: Settings) -> TenantOverlay:
    """Make ``settings.tenant`` answer with the console's edits; idempotent."""
    current = settings._tenant_view
    if isinstance(current, TenantOverlay):
        return current
    overlay = TenantOverlay(db, settings)
    settings._tenant_view = overlay
    _sync_tenant_rows(db, settings)
    return overlay


def overlay_of(settings: Settings) -> TenantOverlay:
    current = settings._tenant_view
    if not isinstance(current, TenantOverlay):
        raise RuntimeError("install_tenant_overlay has not run for these settings")
    return current


def _sync_tenant_rows(db: Database, settings: Settings) -> None:
    """The tenants table shows the requisites in force, edits included."""
    with db.session() as session:
        for row in session.execute(select(TenantRequisites)).scalars():
            tenant = session.get(Tenant, row.tenant_id)
            if tenant is not None:
                tenant.legal_name, tenant.inn, tenant.kpp = (
                    row.legal_name,
                    row.inn,
                    row.kpp,
                )


# -- edits -------------------------------------------------------------------------


CONTROL_PROBLEM = "{field}: содержит управляющий символ (например, NUL); уберите его"
"""Requisites and addresses go into XLSX, PDF and XML documents, which refuse them."""


def _has_control(text: str) -> bool:
    return any(unicodedata.category(char) == "Cc" for char in text)


def requisites_problems(legal_name: str, inn: str, kpp: str | None) -> list[str]:
    """Every problem with a tenant's requisites, in words an admin can act on."""
    problems = []
    if not legal_name:
        problems.append("Наименование: не заполнено")
    elif _has_control(legal_name):
        problems.append(CONTROL_PROBLEM.format(field="Наименование"))
    if problem := inn_problem(inn):
        problems.append(f"ИНН: {problem}")
    if kpp is not None and (problem := kpp_problem(kpp)):
        problems.append(f"КПП: {problem}")
    if len(inn) == 10 and kpp is None:
        problems.append("КПП: у юридического лица (ИНН из 10 цифр) КПП обязателен")
    if len(inn) == 12 and kpp is not None:
        problems.append("КПП: у индивидуального предпринимателя КПП не бывает")
    return problems


def set_requisites(
    db: Database,
    clock: Clock,
    settings: Settings,
    tenant_id: str,
    legal_name: str,
    inn: str,
    kpp: str | None,
    *,
    actor: str,
) -> None:
    """Store a tenant's requisites; ``ValidationFailed`` lists what is wrong."""
    overlay = overlay_of(settings)
    if overlay.seed(tenant_id) is None:
        raise NotFound(f"tenant {tenant_id!r} is not configured")
    legal_name, inn, kpp = legal_name.strip(), inn.strip(), (kpp or "").strip() or None
    if problems := requisites_problems(legal_name, inn, kpp):
        raise ValidationFailed(problems)
    now = clock.now()
    with db.session() as session:
        row = session.get(TenantRequisites, tenant_id)
        before = None if row is None else [row.legal_name, row.inn, row.kpp]
        if row is None:
            row = TenantRequisites(tenant_id=tenant_id, legal_name="", inn="")
        row.legal_name, row.inn, row.kpp = legal_name, inn, kpp
        row.updated_at, row.updated_by = now, actor
        session.add(row)
        tenant = session.get(Tenant, tenant_id)
        if tenant is not None:
            tenant.legal_name, tenant.inn, tenant.kpp = legal_name, inn, kpp
            tenant.updated_at = now
        session.add(
            AuditEntry(
                at=now,
                actor=actor,
                tenant_id=tenant_id,
                action="tenant.requisites.set",
                target=f"tenant:{tenant_id}",
                details={"before": before, "after": [legal_name, inn, kpp]},
            )
        )
    overlay.invalidate()
    log.info("tenant_requisites_set", tenant=tenant_id, actor=actor)


def save_address(
    db: Database,
    clock: Clock,
    settings: Settings,
    tenant_id: str,
    *,
    code: str,
    address: str,
    komus_address_id: str | None,
    default: bool,
    actor: str,
) -> None:
    """Add a delivery address, or change the one with this code."""
    overlay = overlay_of(settings)
    if overlay.seed(tenant_id) is None:
        raise NotFound(f"tenant {tenant_id!r} is not configured")
    code, address = code.strip(), " ".join(address.split())
    komus_address_id = (komus_address_id or "").strip() or None
    problems = []
    if not code or len(code) > CODE_LIMIT or any(c.isspace() for c in code):
        problems.append(f"Код: от 1 до {CODE_LIMIT} символов без пробелов")
    if not address:
        problems.append("Адрес: не заполнен")
    elif _has_control(address):
        problems.append(CONTROL_PROBLEM.format(field="Адрес"))
    if komus_address_id is not None and len(komus_address_id) > CODE_LIMIT:
        problems.append(f"Адрес в Комусе: не длиннее {CODE_LIMIT} символов")
    if problems:
        raise ValidationFailed(problems)
    _write_address(
        db,
        clock,
        tenant_id,
        code,
        actor,
        "tenant.address.save",
        address=address,
        komus_address_id=komus_address_id,
        is_default=default,
        disabled=False,
    )
    overlay.invalidate()


def set_address_disabled(
    db: Database,
    clock: Clock,
    settings: Settings,
    tenant_id: str,
    code: str,
    disabled: bool,
    *,
    actor: str,
) -> None:
    """Disable or enable an address; requisitions naming a disabled one are held."""
    overlay = overlay_of(settings)
    tenant = settings.tenant(tenant_id)
    seed = overlay.seed(tenant_id)
    if tenant is None or seed is None:
        raise NotFound(f"tenant {tenant_id!r} is not configured")
    known = {a.code: a for a in [*seed.delivery_addresses, *tenant.delivery_addresses]}
    stored = {r.code: r for r in overlay.edits_of(tenant_id).addresses}
    current = known.get(code)
    if current is None and code not in stored:
        raise NotFound(f"tenant {tenant_id!r} has no delivery address {code!r}")
    if current is not None:
        values = {
            "address": current.address,
            "komus_address_id": current.komus_address_id,
            "is_default": current.default and not disabled,
        }
    else:
        row = stored[code]
        values = {
            "address": row.address,
            "komus_address_id": row.komus_address_id,
            "is_default": row.is_default and not disabled,
        }
    action = "tenant.address.disable" if disabled else "tenant.address.enable"
    _write_address(
        db, clock, tenant_id, code, actor, action, disabled=disabled, **values
    )
    overlay.invalidate()


def _write_address(
    db: Database,
    clock: Clock,
    tenant_id: str,
    code: str,
    actor: str,
    action: str,
    **values: Any,
) -> None:
    now = clock.now()
    with db.session() as session:
        row = session.execute(
            select(TenantAddress).where(
                TenantAddress.tenant_id == tenant_id, TenantAddress.code == code
            )
        ).scalar_one_or_none()
        if row is None:
            row = TenantAddress(tenant_id=tenant_id, code=code, address="")
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_at, row.updated_by = now, actor
        session.add(row)
        if values.get("is_default"):
            for other in session.execute(
                select(TenantAddress).where(
                    TenantAddress.tenant_id == tenant_id,
                    TenantAddress.code != code,
                    TenantAddress.is_default.is_(True),  # type: ignore[attr-defined]
                )
            ).scalars():
                other.is_default = False
                other.updated_at = now
        session.add(
            AuditEntry(
                at=now,
                actor=actor,
                tenant_id=tenant_id,
                action=action,
                target=f"tenant:{tenant_id}:address:{code}"[:255],
                details={k: v for k, v in values.items()},
            )
        )
    log.info("tenant_address_saved", tenant=tenant_id, code=code, action=action)
