"""A client's nomenclature matched against the Komus catalog, for an integrator.

``match_catalog_upload`` takes what 1C sends with ``type=catalog`` (``import.xml``,
``offers.xml``), keeps every file in the message log (channel ``onec``, kind
``catalog``), reads the items and proposes a Komus article for each:

1. by barcode: an EAN/GTIN with a valid check digit equal to one of the article's;
2. by article: the client's ``Артикул`` equal to the article's vendor code or to the
   Komus article number, compared without case, separators or look-alike letters;
3. by name: token-set similarity (``catalog_names``) of at least
   ``NAME_THRESHOLD``.

Each proposal is a stored ``ItemSuggestion`` with its method and a confidence; an
item nothing matched is stored as ``unmatched``. Nothing reaches the item table
until ``confirm_suggestions`` is called with the ids an integrator accepted; it
writes ``mappings/tables/<tenant>_items.csv`` and the mapping registry reloads it.

A file that is not a well-formed, safe CommerceML document (a DTD, an entity, too
big, too deep) refuses the upload: every file of it is kept as a failed message
with the reason, and ``CatalogUploadRefused`` says which file and why.

A nomenclature can run to hundreds of megabytes, so no file is ever held whole:
each is copied from its source into the message log in chunks
(``gateway/store/payloads.py``), then read back from there by the streaming
parser of ``catalog_reader``, which drops every element once it is read.
"""

from __future__ import annotations

import heapq
import io
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import BinaryIO, NoReturn, TypeAlias

import structlog
from sqlalchemy import select, update

from connectors.onec.catalog_names import (
    Weights,
    code_key,
    gtin_key,
    name_tokens,
    similarity,
)
from connectors.onec.catalog_reader import (
    CATALOG_LIMITS,
    CatalogFile,
    ClientItem,
    iter_items,
)
from connectors.onec.item_table import ItemRow, item_table_name, upsert_items
from connectors.onec.komus_catalog import KomusArticle, articles, tenant_client
from connectors.onec.reader import CommerceMLError, Limits
from gateway.errors import GatewayError, NotFound, ValidationFailed
from gateway.hub import Hub
from gateway.metrics import MESSAGES
from gateway.store.locks import locked_session
from gateway.store.payloads import open_payload, store_stream
from gateway.store.tables import AuditEntry, ItemSuggestion, Message

log = structlog.get_logger(__name__)

CHANNEL = "onec"
KIND = "catalog"

NAME_THRESHOLD = 0.7
"""The least name similarity that is proposed at all."""
BARCODE_CONFIDENCE = 0.99
ARTICLE_CONFIDENCE = 0.9
SHARED_KEY_CONFIDENCE = 0.8
"""A barcode or code that several Komus articles carry: the name decided."""
DOUBTED_ARTICLE_CONFIDENCE = 0.6
ARTICLE_NAME_DOUBT = 0.3
"""An article match whose names are less alike than this is doubted."""
TIE_MARGIN = 0.02
TIE_PENALTY = 0.1
CANDIDATES = 25
MAX_POSTINGS = 5000
"""Tokens in more names than this do not pick name candidates (they still score)."""
SUPERSEDE_CHUNK = 500

SUGGESTED = "suggested"
UNMATCHED = "unmatched"
CONFIRMED = "confirmed"
SUPERSEDED = "superseded"
OPEN_STATES = (SUGGESTED, UNMATCHED)

CatalogSource: TypeAlias = bytes | os.PathLike[str] | Callable[[], BinaryIO]
"""A file of the upload: its bytes, its path, or a function that opens it."""


class CatalogUploadRefused(CommerceMLError):
    """A nomenclature upload that cannot be read; its files are kept as failed."""

    def __init__(self, filename: str, reason: str, message_ids: dict[str, int]):
        super().__init__(f"{filename}: {reason}")
        self.filename = filename
        self.reason = reason
        self.message_ids = message_ids


@dataclass(frozen=True)
class CatalogMatchResult:
    message_ids: dict[str, int]
    """File name → the message it is kept as."""
    files: dict[str, str]
    """File name → what it holds: catalog, offers, counterparties, documents, …"""
    items: int = 0
    by_barcode: int = 0
    by_article: int = 0
    by_name: int = 0
    unmatched: int = 0
    already_mapped: int = 0
    """Matched to the article the item table already gives it: nothing to confirm."""
    skipped: int = 0
    """Marked deleted, or services (ТипНоменклатуры «Услуга»): not matched."""
    suggestion_ids: list[int] = field(default_factory=list)

    @property
    def message_id(self) -> int:
        """The first file's message (the upload's, when it was one file)."""
        return next(iter(self.message_ids.values()))

    @property
    def matched(self) -> int:
        return self.by_barcode + self.by_article + self.by_name

    def lines(self) -> list[str]:
        """What 1C shows after ``success``: the files, the counts, what is next."""
        files = "; ".join(f"{name}: {kind}" for name, kind in self.files.items())
        return [
            files,
            f"{self.items} item(s): {self.by_barcode} by barcode, {self.by_article} "
            f"by article, {self.by_name} by name, {self.unmatched} unmatched; "
            f"{self.already_mapped} already mapped, {self.skipped} skipped",
            f"{len(self.suggestion_ids)} suggestion(s) wait for an integrator "
            f"(message {self.message_id})",
        ]


@dataclass(frozen=True)
class ConfirmResult:
    confirmed: list[int]
    table: str
    added: int
    updated: int


@dataclass(frozen=True)
class Match:
    article: KomusArticle
    method: str  # barcode, article, name
    confidence: float
    note: str | None = None


class KomusIndex:
    """The tenant's Komus articles by barcode, by code and by name token."""

    def __init__(self, catalog: Iterable[KomusArticle]):
        self.articles: dict[int, KomusArticle] = {}
        self.tokens: dict[int, frozenset[str]] = {}
        self.by_barcode: dict[str, set[int]] = defaultdict(set)
        self.by_code: dict[str, set[int]] = defaultdict(set)
        self.postings: dict[str, list[int]] = defaultdict(list)
        for article in catalog:
            number = article.artnumber
            self.articles[number] = article
            self.tokens[number] = name_tokens(article.name)
            for barcode in article.barcodes:
                if key := gtin_key(barcode):
                    self.by_barcode[key].add(number)
            for code in (article.vendor_code, str(number)):
                if key := code_key(code):
                    self.by_code[key].add(number)
            for token in self.tokens[number]:
                self.postings[token].append(number)
        self.weights = Weights(self.tokens.values())

    def __len__(self) -> int:
        return len(self.articles)

    def match(self, item: ClientItem) -> Match | None:
        names = [
            tokens
            for tokens in (name_tokens(item.name), name_tokens(item.full_name))
            if tokens
        ]
        return (
            self._keyed(self._by_barcodes(item), "barcode", BARCODE_CONFIDENCE, names)
            or self._keyed(
                self.by_code.get(code_key(item.article) or "", set()),
                "article",
                ARTICLE_CONFIDENCE,
                names,
            )
            or self._by_name(names)
        )

    def _by_barcodes(self, item: ClientItem) -> set[int]:
        found: set[int] = set()
        for barcode in item.barcodes:
            if key := gtin_key(barcode):
                found |= self.by_barcode.get(key, set())
        return found

    def name_score(self, names: Sequence[frozenset[str]], number: int) -> float:
        theirs = self.tokens[number]
        return max(
            (similarity(ours, theirs, self.weights) for ours in names), default=0.0
        )

    def _keyed(
        self,
        found: set[int],
        method: str,
        confidence: float,
        names: Sequence[frozenset[str]],
    ) -> Match | None:
        if not found:
            return None
        ranked = sorted(found, key=lambda n: (-self.name_score(names, n), n))
        best = ranked[0]
        score = self.name_score(names, best)
        if len(ranked) > 1:
            others = ", ".join(str(n) for n in ranked[1:4])
            return Match(
                self.articles[best],
                method,
                SHARED_KEY_CONFIDENCE,
                f"the {method} is also on Komus article(s) {others}; the name decided",
            )
        if method == "article" and names and score < ARTICLE_NAME_DOUBT:
            return Match(
                self.articles[best],
                method,
                DOUBTED_ARTICLE_CONFIDENCE,
                f"the names differ (similarity {score:.2f}): check it is the same item",
            )
        return Match(self.articles[best], method, confidence)

    def _by_name(self, names: Sequence[frozenset[str]]) -> Match | None:
        shared: dict[int, float] = defaultdict(float)
        for tokens in names:
            for token in tokens:
                holders = self.postings.get(token, ())
                if len(holders) > MAX_POSTINGS:
                    continue
                weight = self.weights.of(token)
                for number in holders:
                    shared[number] += weight
        if not shared:
            return None
        candidates = heapq.nlargest(CANDIDATES, shared, key=shared.__getitem__)
        scored = sorted(
            ((self.name_score(names, n), n) for n in candidates),
            key=lambda pair: (-pair[0], pair[1]),
        )
        best_score, best = scored[0]
        if best_score < NAME_THRESHOLD:
            return None
        if len(scored) > 1 and scored[1][0] >= best_score - TIE_MARGIN:
            runner = self.articles[scored[1][1]]
            return Match(
                self.articles[best],
                "name",
                round(max(best_score - TIE_PENALTY, 0.0), 3),
                f"as close: {runner.artnumber} «{runner.name}» ({scored[1][0]:.2f})",
            )
        return Match(self.articles[best], "name", round(best_score, 3))


# -- the upload ----------------------------------------------------------------------


def match_catalog_upload(
    hub: Hub,
    tenant_id: str,
    files: Mapping[str, CatalogSource],
    *,
    limits: Limits = CATALOG_LIMITS,
) -> CatalogMatchResult:
    """Keep the files, read their items, propose a Komus article for each.

    A file given by path or opener is read in chunks, never whole.

    Raises ``CatalogUploadRefused`` (a ``CommerceMLError``: the 1C answer is a
    ``failure`` line with its text) when a file cannot be read, and the Komus
    client's ``RetryableError`` when the catalog cannot be fetched now; in both
    cases the files are already in the message log with the reason.
    """
    if not files:
        raise ValidationFailed(["the catalog upload holds no files"])
    tenant = hub.pipeline.tenant(tenant_id)
    bound = log.bind(tenant=tenant_id, channel=CHANNEL)
    message_ids, parsed = _keep(hub, tenant_id, files, limits, bound)

    items = _merged(parsed)
    try:
        with tenant_client(hub, tenant) as client:
            index = KomusIndex(a for batch in articles(client) for a in batch)
    except GatewayError as error:
        _finish(
            hub,
            message_ids.values(),
            "failed",
            f"not matched: the Komus catalog could not be fetched ({error}); "
            "upload the catalog again",
        )
        raise

    table = _current_table(hub, tenant_id)
    counts: dict[str, int] = defaultdict(int)
    rows: list[ItemSuggestion] = []
    first_message = next(iter(message_ids.values()))
    for item in items:
        if item.deleted or item.is_service:
            counts["skipped"] += 1
            continue
        counts["items"] += 1
        match = index.match(item)
        if match is None:
            counts["unmatched"] += 1
            rows.append(_suggestion(tenant_id, first_message, item, None))
            continue
        counts[match.method] += 1
        if table.get(item.id) == str(match.article.artnumber):
            counts["already_mapped"] += 1
            continue
        rows.append(_suggestion(tenant_id, first_message, item, match))

    suggestion_ids = _store_suggestions(hub, tenant_id, rows)
    _finish(hub, message_ids.values(), "processed", None)
    result = CatalogMatchResult(
        message_ids=message_ids,
        files={name: summary.kind for name, summary in parsed},
        items=counts["items"],
        by_barcode=counts["barcode"],
        by_article=counts["article"],
        by_name=counts["name"],
        unmatched=counts["unmatched"],
        already_mapped=counts["already_mapped"],
        skipped=counts["skipped"],
        suggestion_ids=suggestion_ids,
    )
    bound.info(
        "catalog_matched",
        message_id=result.message_id,
        files=result.files,
        komus_articles=len(index),
        items=result.items,
        by_barcode=result.by_barcode,
        by_article=result.by_article,
        by_name=result.by_name,
        unmatched=result.unmatched,
        already_mapped=result.already_mapped,
        skipped=result.skipped,
    )
    return result


def _keep(
    hub: Hub,
    tenant_id: str,
    files: Mapping[str, CatalogSource],
    limits: Limits,
    bound: structlog.typing.FilteringBoundLogger,
) -> tuple[dict[str, int], list[tuple[str, CatalogFile]]]:
    """Every file stored; all of them failed with the reason if one is unreadable."""
    ids = {}
    for filename, source in files.items():
        with _opened(source) as stream:
            ids[filename] = _store(hub, tenant_id, filename, stream)
    parsed: list[tuple[str, CatalogFile]] = []
    for filename, message_id in ids.items():
        try:
            summary = _read(hub, message_id, filename, limits)
        except CommerceMLError as error:
            _refuse(hub, ids, filename, str(error), bound)
        except Exception as error:
            bound.exception("catalog_read_crashed", filename=filename)
            _refuse(hub, ids, filename, f"internal error: {error!r}", bound)
        parsed.append((filename, summary))
    return {name[:255]: message_id for name, message_id in ids.items()}, parsed


@contextmanager
def _opened(source: CatalogSource) -> Iterator[BinaryIO]:
    if isinstance(source, bytes):
        stream: BinaryIO = io.BytesIO(source)
    elif isinstance(source, os.PathLike):
        stream = open(source, "rb")  # noqa: SIM115 - closed below
    else:
        stream = source()
    try:
        yield stream
    finally:
        stream.close()


def _store(hub: Hub, tenant_id: str, filename: str, stream: BinaryIO) -> int:
    """One file into the message log, chunk by chunk as it is read."""
    now = hub.clock.now()
    name = filename[:255]
    message = Message(
        tenant_id=tenant_id,
        channel=CHANNEL,
        direction="in",
        kind=KIND,
        state="received",
        external_id=name,
        content_type="application/xml",
        filename=name,
        payload=b"",
        checksum="",
        created_at=now,
        updated_at=now,
    )
    message_id = store_stream(hub.db, message, stream)
    with hub.db.session() as session:
        stored = session.get(Message, message_id)
        assert stored is not None
        # The content names the revision: the same file uploaded again is the same
        # revision of that file.
        stored.revision = stored.checksum[:16]
        stored.dedupe_key = f"{KIND}:{name}:{stored.revision}"
    return message_id


def _read(hub: Hub, message_id: int, filename: str, limits: Limits) -> CatalogFile:
    """The file's items, parsed from the message log as the chunks come."""
    with hub.db.session() as session:
        message = session.get(Message, message_id)
    assert message is not None
    summary = CatalogFile(filename=filename)
    with open_payload(hub.db, message) as stream:
        summary.items = list(iter_items(stream, summary, limits=limits))
    return summary


def _refuse(
    hub: Hub,
    message_ids: dict[str, int],
    filename: str,
    reason: str,
    bound: structlog.typing.FilteringBoundLogger,
) -> NoReturn:
    now = hub.clock.now()
    ids = {}
    with hub.db.session() as session:
        for name, message_id in message_ids.items():
            why = reason
            if name != filename:
                why = f"not matched: {filename} of the same upload was refused "
                why += f"({reason})"
            message = session.get(Message, message_id)
            assert message is not None
            message.state = "failed"
            message.error = why
            message.dedupe_key = None
            message.updated_at = now
            ids[name[:255]] = message_id
    MESSAGES.labels(CHANNEL, "in", "failed").inc(len(ids))
    bound.warning(
        "catalog_upload_refused", filename=filename, reason=reason, message_ids=ids
    )
    raise CatalogUploadRefused(filename, reason, ids)


def _merged(parsed: list[tuple[str, CatalogFile]]) -> list[ClientItem]:
    """One item per ``Ид`` over every file: goods and their offers describe it
    together (the offer may carry the barcode or article the good lacks)."""
    merged: dict[str, ClientItem] = {}
    for _, summary in parsed:
        for item in summary.items:
            known = merged.get(item.id)
            if known is None:
                merged[item.id] = item
            else:
                known.merge(item)
    return list(merged.values())


def _current_table(hub: Hub, tenant_id: str) -> dict[str, str]:
    """The tenant's item table as it serves now: item code → article."""
    tables = hub.mapping_registry.tables
    tables.refresh()
    table = tables.get(item_table_name(tenant_id))
    if table is None:
        return {}
    return {
        code: row["article"]
        for code, row in table.rows.items()
        if row.get("article") is not None
    }


def _suggestion(
    tenant_id: str, message_id: int, item: ClientItem, match: Match | None
) -> ItemSuggestion:
    return ItemSuggestion(
        tenant_id=tenant_id,
        message_id=message_id,
        client_item_id=item.id[:255],
        client_article=(item.article or None) and item.article[:128],
        client_barcode=item.barcodes[0][:64] if item.barcodes else None,
        client_name=item.name or item.full_name,
        article=str(match.article.artnumber) if match else None,
        komus_name=match.article.name if match else None,
        method=match.method if match else None,
        confidence=match.confidence if match else 0.0,
        note=match.note if match else None,
        state=SUGGESTED if match else UNMATCHED,
    )


def _store_suggestions(
    hub: Hub, tenant_id: str, rows: list[ItemSuggestion]
) -> list[int]:
    """New proposals replace the open ones for the same items."""
    now = hub.clock.now()
    codes = [row.client_item_id for row in rows]
    with hub.db.session() as session:
        for start in range(0, len(codes), SUPERSEDE_CHUNK):
            session.execute(
                update(ItemSuggestion)
                .where(
                    ItemSuggestion.tenant_id == tenant_id,
                    ItemSuggestion.state.in_(OPEN_STATES),  # type: ignore[attr-defined]
                    ItemSuggestion.client_item_id.in_(  # type: ignore[attr-defined]
                        codes[start : start + SUPERSEDE_CHUNK]
                    ),
                )
                .values(state=SUPERSEDED, decided_at=now)
            )
        for row in rows:
            row.created_at = now
        session.add_all(rows)
        session.flush()
        return [row.id for row in rows if row.state == SUGGESTED and row.id]


def _finish(
    hub: Hub, message_ids: Iterable[int], state: str, error: str | None
) -> None:
    now = hub.clock.now()
    with hub.db.session() as session:
        for message_id in message_ids:
            message = session.get(Message, message_id)
            if message is not None:
                message.state = state
                message.error = error
                message.updated_at = now


# -- confirmation --------------------------------------------------------------------


def confirm_suggestions(
    hub: Hub, tenant_id: str, ids: Iterable[int], *, actor: str = "integrator"
) -> ConfirmResult:
    """Write the accepted proposals into the tenant's item table.

    Every id must be one of the tenant's proposals with an article; otherwise
    nothing is written (``NotFound`` or ``ValidationFailed`` say which). Confirming
    a confirmed proposal again changes nothing.
    """
    wanted = list(dict.fromkeys(ids))
    hub.pipeline.tenant(tenant_id)
    name = item_table_name(tenant_id)
    with locked_session(hub.db, f"item-table:{tenant_id}") as session:
        found = {
            s.id: s
            for s in session.execute(
                select(ItemSuggestion).where(
                    ItemSuggestion.tenant_id == tenant_id,
                    ItemSuggestion.id.in_(wanted),  # type: ignore[union-attr]
                )
            ).scalars()
        }
        missing = [i for i in wanted if i not in found]
        if missing:
            raise NotFound(
                f"tenant {tenant_id!r} has no item suggestion(s) "
                f"{', '.join(map(str, missing))}"
            )
        problems = [
            f"suggestion {s.id} ({s.client_item_id}) is {s.state}"
            + ("" if s.article else " and names no Komus article")
            for s in found.values()
            if s.article is None or s.state not in (SUGGESTED, CONFIRMED)
        ]
        if problems:
            raise ValidationFailed(problems)

        chosen = [found[i] for i in wanted]
        rows = {
            s.client_item_id: ItemRow(s.article or "", s.client_name) for s in chosen
        }
        change = upsert_items(hub.mapping_registry.tables.folder, name, rows)
        now = hub.clock.now()
        for suggestion in chosen:
            if suggestion.state != CONFIRMED:
                suggestion.state = CONFIRMED
                suggestion.decided_at = now
        display = hub.mapping_registry.tables.display(change.path)
        session.add(
            AuditEntry(
                at=now,
                actor=actor,
                tenant_id=tenant_id,
                action="item_suggestions.confirm",
                target=display,
                details={
                    "ids": wanted,
                    "added": change.added,
                    "updated": change.updated,
                },
            )
        )

    hub.mapping_registry.refresh()
    log.info(
        "item_suggestions_confirmed",
        tenant=tenant_id,
        channel=CHANNEL,
        suggestions=len(wanted),
        table=display,
        added=change.added,
        updated=change.updated,
    )
    return ConfirmResult(wanted, display, change.added, change.updated)
