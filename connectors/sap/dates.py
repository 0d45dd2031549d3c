"""OData V2 JSON dates: ``/Date(ms)/`` and ``/Date(ms+0000)/``.

SAP writes Edm.DateTime as milliseconds since the epoch in UTC, and Edm.DateTimeOffset
the same with an offset in minutes that it sometimes leaves out; filters want
``datetimeoffset'2026-02-10T08:00:00Z'`` literals instead.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

_JSON_DATE = re.compile(r"^/Date\((-?\d+)(?:([+-])(\d{1,4}))?\)/$")


def parse_json_date(value: str) -> datetime:
    """An aware UTC datetime from ``/Date(ms)/`` or ``/Date(ms±mmmm)/``."""
    match = _JSON_DATE.match(value.strip())
    if match is None:
        raise ValueError(f"{value!r} is not an OData /Date(ms)/ value")
    millis, sign, offset = match.groups()
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(millis))
    # The milliseconds are UTC already; the offset only says where the writer was.
    del sign, offset
    return moment


def json_date(moment: datetime | date, *, offset: bool = False) -> str:
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    millis = int(moment.timestamp() * 1000)
    return f"/Date({millis}+0000)/" if offset else f"/Date({millis})/"


def offset_literal(moment: datetime) -> str:
    """A filter literal for an Edm.DateTimeOffset property."""
    utc = moment.astimezone(UTC).replace(microsecond=0, tzinfo=None)
    return f"datetimeoffset'{utc.isoformat()}Z'"


def as_utc(value: datetime | str | None) -> datetime | None:
    """pyodata gives datetimes; raw JSON gives ``/Date()/`` text."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return parse_json_date(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
