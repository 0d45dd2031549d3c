"""The seller on every sandbox document: a fictitious Komus entity with valid codes.

The bank account's control digit is computed the Bank of Russia way (weights
7-1-3 over the last three digits of the БИК and the account), so checks that a
real gateway runs on requisites pass.
"""

from __future__ import annotations

from dataclasses import dataclass

_ACCOUNT_WEIGHTS = (7, 1, 3) * 8


def account_with_key(bik: str, account_without_key: str) -> str:
    """Fill in the 9th digit (the key) of a 20-digit account for this БИК."""
    if len(bik) != 9 or len(account_without_key) != 20:
        raise ValueError("a БИК has 9 digits and an account 20 (key digit as 0)")
    digits = bik[-3:] + account_without_key[:8] + "0" + account_without_key[9:]
    total = sum(int(d) * w % 10 for d, w in zip(digits, _ACCOUNT_WEIGHTS, strict=False))
    key = total * 3 % 10
    return account_without_key[:8] + str(key) + account_without_key[9:]


def account_is_valid(bik: str, account: str) -> bool:
    digits = bik[-3:] + account
    total = sum(int(d) * w for d, w in zip(digits, _ACCOUNT_WEIGHTS, strict=False))
    return total % 10 == 0


@dataclass(frozen=True)
class Supplier:
    name: str
    inn: str
    kpp: str
    address: str
    region_code: str
    region_name: str
    postcode: str
    street: str
    house: str
    bank: str
    bik: str
    correspondent_account: str
    account: str
    director: tuple[str, str, str]
    accountant: tuple[str, str, str]
    edo_id: str


_BIK = "044525225"

KOMUS = Supplier(
    name='АО "Комус" (песочница)',
    inn="7701234560",
    kpp="770101001",
    address="123100, г. Москва, Песочная наб., д. 1",
    region_code="77",
    region_name="г. Москва",
    postcode="123100",
    street="Песочная наб.",
    house="1",
    bank='ПАО "Тестовый банк", г. Москва',
    bik=_BIK,
    correspondent_account="30101810400000000225",
    account=account_with_key(_BIK, "40702810000000123456"),
    director=("Образцов", "Пётр", "Сергеевич"),
    accountant=("Примерова", "Анна", "Игоревна"),
    edo_id="2BM-7701234560-770101001",
)
