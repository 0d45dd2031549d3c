"""``mode=import``: an uploaded orders file becomes requisitions, in time slices.

An import runs in phases, each resumable where the last call stopped:

1. **check** — the whole file is read once before anything is accepted: bytes
   against the declared encoding, well-formed XML without DTD or entities, depth
   and size limits, every order with an ``Ид``, every quantity and price a number
   and none negative. A file that fails is kept in the message log with the
   reason and answered ``failure``; nothing of it was accepted;
2. **store** — the file's bytes go to the message log (kind ``onec.file``), the
   record an operator replays from, streamed from the upload in chunks
   (``gateway/store/payloads.py``) so a 200 MB file never sits in memory; the
   step starts only when the call has time left for it, else it opens the next
   call;
3. **intake** — order by order through the pipeline (each order a message of its
   own, idempotent by ``Ид`` and ``НомерВерсии``); a version that comes after its
   order was placed goes to ``revisions.AfterOrder``;
4. **done** — the answer: ``success`` with what each file produced, or
   ``failure`` naming every order that was held or failed.

Each call works until its deadline (``import_seconds``, about 20 s) and answers
``progress``; 1C sends the same request again and the job goes on from where it
was. Jobs live in the node's memory; after a restart a job starts over, and the
orders it had already taken come back as duplicates, which change nothing.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import structlog
from sqlalchemy import select

from connectors.onec.encoding import EncodingCheck
from connectors.onec.reader import (
    ORDER_OPERATION,
    CommerceMLDocument,
    CommerceMLError,
    Limits,
    iter_documents,
    iter_orders,
)
from connectors.onec.replies import Reply
from connectors.onec.revisions import AfterOrder, normalised
from connectors.onec.sessions import ExchangeSession, SessionStore
from connectors.onec.settings import CHANNEL, OneCProfile
from connectors.onec.survey import survey
from connectors.onec.uploads import UploadArea
from connectors.onec.zips import ZipLimits, ZipRefused, is_zip, unpack
from gateway.errors import GatewayError
from gateway.metrics import MESSAGES
from gateway.money import to_decimal
from gateway.records import SourceRecord
from gateway.store.payloads import store_stream
from gateway.store.tables import Message, Requisition

if TYPE_CHECKING:
    from gateway.hub import Hub

log = structlog.get_logger(__name__)

FILE_KIND = "onec.file"
READ_CHUNK = 1 << 20
MAX_PROBLEMS = 20
NOT_ACCEPTED_STATES = ("held", "rejected")
STORE_BYTES_PER_SECOND = 16 * 1024 * 1024
"""A cautious guess at how fast a file goes into the message log, to decide
whether the store step still fits in the call or waits for the next one."""


@dataclass
class Outcome:
    """What one order of a file came to."""

    external_id: str
    number: str | None
    outcome: str
    state: str | None = None
    requisition_id: int | None = None
    message_id: int | None = None
    problems: list[str] = field(default_factory=list)
    note: str | None = None

    @property
    def accepted(self) -> bool:
        return self.outcome != "failed" and self.state not in NOT_ACCEPTED_STATES

    def describe(self) -> str:
        name = f"order {self.number or self.external_id} (Ид {self.external_id})"
        if self.outcome == "failed":
            return f"{name}: failed: {'; '.join(self.problems) or 'no reason given'}"
        if self.state in NOT_ACCEPTED_STATES:
            return f"{name}: {self.state}: {'; '.join(self.problems) or '-'}"
        text = f"{name}: {self.outcome}"
        return f"{text}: {self.note}" if self.note else text

    def as_step(self) -> dict[str, Any]:
        return {
            "id": self.external_id,
            "outcome": self.outcome,
            "state": self.state,
            "requisition_id": self.requisition_id,
            "message_id": self.message_id,
            **({"problems": self.problems} if self.problems else {}),
            **({"note": self.note} if self.note else {}),
        }


class ImportJob:
    """One file of one session, imported slice by slice."""

    def __init__(
        self,
        importer: Importer,
        profile: OneCProfile,
        session: ExchangeSession,
        name: str,
        path: Path,
    ):
        self.importer = importer
        self.profile = profile
        self.session = session
        self.name = name
        self.path = path
        self.phase = "check"
        self.reply: Reply | None = None
        self.message_id: int | None = None
        self.outcomes: list[Outcome] = []
        self.documents = 0
        self.orders = 0
        self.problems: list[str] = []
        self.checksum: str | None = None
        self._phase_at_call = self.phase
        self.touched = time.monotonic()
        self.lock = threading.Lock()
        self._stream: BinaryIO | None = None
        self._walk: Iterator[Any] | None = None
        self.log = log.bind(tenant=profile.tenant_id, session=session.id, filename=name)

    @property
    def done(self) -> bool:
        return self.reply is not None

    def run(self, deadline: float | None) -> Reply:
        """Work until ``deadline`` (monotonic seconds; None: to the end)."""
        with self.lock:
            self.touched = time.monotonic()
            if self.reply is not None:
                return self.reply
            self._phase_at_call = self.phase
            try:
                return self._run(deadline)
            except Exception as error:
                # Not kept as the answer: the next import of the file starts over.
                self.log.exception("onec_import_crashed", phase=self.phase)
                self.close()
                self._start_over()
                return Reply.failure(
                    f"{self.name}: internal error while importing: {error!r}; "
                    "the next import starts over, orders already taken stay taken"
                )

    def _start_over(self) -> None:
        self.phase = "check"
        self.checksum = None
        self.outcomes, self.problems = [], []
        self.documents = self.orders = 0

    def _run(self, deadline: float | None) -> Reply:
        if self.phase == "check":
            if not self._check(deadline):
                return self._progress("checking")
            if self.problems:
                return self._refuse("; ".join(self.problems))
            self.phase = "store"
        if self.phase == "store":
            if not self._time_to_store(deadline):
                return self._progress("checked, storing next")
            self.message_id = self.importer.keep_file(self)
            if self.orders == 0:
                return self._nothing_to_import()
            self.phase = "intake"
        if self.phase == "intake":
            if not self._intake(deadline):
                return self._progress("importing")
            self.phase = "done"
        return self._finish()

    def _time_to_store(self, deadline: float | None) -> bool:
        """Storing is one transaction: it starts when it fits the call's time, or
        at the start of a call, which gives it the whole ``import_seconds``."""
        if deadline is None or self._phase_at_call == "store":
            return True
        needed = self.path.stat().st_size / STORE_BYTES_PER_SECOND
        return deadline - time.monotonic() >= needed

    # -- check -----------------------------------------------------------------------

    def _check(self, deadline: float | None) -> bool:
        if self._walk is None:
            if problem := self._encoding_problem():
                self.problems.append(problem)
                return True
            self._stream = self.path.open("rb")
            self._walk = iter_documents(
                self._stream, filename=self.name, limits=self.importer.limits(self)
            )
        try:
            for document in self._walk:
                self.documents += 1
                self._check_document(document)
                if len(self.problems) >= MAX_PROBLEMS:
                    break
                if _late(deadline):
                    return False
        except CommerceMLError as error:
            self.problems.append(str(error))
        self.close()
        return True

    def _encoding_problem(self) -> str | None:
        """Bytes against the declared encoding; the file's checksum on the way."""
        check, digest = EncodingCheck(), hashlib.sha256()
        with self.path.open("rb") as stream:
            while chunk := stream.read(READ_CHUNK):
                check.feed(chunk)
                digest.update(chunk)
        self.checksum = digest.hexdigest()
        return check.problem()

    def _check_document(self, document: CommerceMLDocument) -> None:
        if document.operation != ORDER_OPERATION:
            return
        self.orders += 1
        name = f"order {document.number or document.id or '?'}"
        if not document.id:
            self.problems.append(f"{name} has no Ид")
        for position, line in enumerate(document.lines, start=1):
            where = f"{name}, line {position} ({line.get('id') or 'no Ид'})"
            for key, label in (("quantity", "Количество"), ("price", "Цена")):
                value = line.get(key)
                if value is None:
                    continue
                try:
                    number = to_decimal(value)
                except ValueError:
                    self.problems.append(f"{where}: {label} {value!r} is not a number")
                    continue
                if number < 0:
                    self.problems.append(f"{where}: {label} {value} is negative")

    # -- intake ----------------------------------------------------------------------

    def _intake(self, deadline: float | None) -> bool:
        if self._walk is None:
            self._stream = self.path.open("rb")
            self._walk = iter_orders(
                self._stream,
                tenant_id=self.profile.tenant_id,
                channel=CHANNEL,
                filename=self.name,
                limits=self.importer.limits(self),
            )
        for record in self._walk:
            self.outcomes.append(self.importer.take(self.profile, normalised(record)))
            if _late(deadline):
                return False
        self.close()
        return True

    # -- answers ---------------------------------------------------------------------

    def _progress(self, what: str) -> Reply:
        counted = len(self.outcomes) if self.phase == "intake" else self.documents
        return Reply.progress(f"{self.name}: {what}, {counted} document(s) so far")

    def _refuse(self, reason: str) -> Reply:
        self.close()
        self.message_id = self.importer.keep_refused(self, reason)
        self.log.warning("onec_file_refused", message_id=self.message_id, reason=reason)
        self.reply = Reply.failure(f"{self.name} was not imported: {reason}")
        self.importer.record(self, self.reply, "failed", reason)
        return self.reply

    def _nothing_to_import(self) -> Reply:
        try:
            with self.path.open("rb") as stream:
                found = survey(stream, limits=self.importer.limits(self)).describe()
        except CommerceMLError:
            found = "nothing"
        self.reply = Reply.success(f"{self.name}: no orders to import (holds {found})")
        self.importer.record(self, self.reply, "processed", None)
        return self.reply

    def _finish(self) -> Reply:
        refused = [o for o in self.outcomes if not o.accepted]
        counts = Counter(o.outcome for o in self.outcomes)
        summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
        head = f"{self.name}: {len(self.outcomes)} order(s): {summary}"
        notes = [o.describe() for o in self.outcomes if o.note and o.accepted]
        if refused:
            error = "; ".join(o.describe() for o in refused)
            self.reply = Reply.failure(
                f"{self.name}: {len(refused)} of {len(self.outcomes)} order(s) not "
                "accepted",
                *(o.describe() for o in refused),
                head,
                *notes,
            )
            self.importer.record(self, self.reply, "held", error)
        else:
            self.reply = Reply.success(head, *notes)
            self.importer.record(self, self.reply, "processed", None)
        self.log.info(
            "onec_file_imported",
            message_id=self.message_id,
            orders=len(self.outcomes),
            not_accepted=len(refused),
        )
        return self.reply

    def close(self) -> None:
        if self._walk is not None and hasattr(self._walk, "close"):
            self._walk.close()
        self._walk = None
        if self._stream is not None:
            self._stream.close()
            self._stream = None


def _late(deadline: float | None) -> bool:
    return deadline is not None and time.monotonic() >= deadline


class Importer:
    """Import jobs of every session on this node, and what they share."""

    def __init__(self, hub: Hub, uploads: UploadArea, sessions: SessionStore):
        self.hub = hub
        self.uploads = uploads
        self.sessions = sessions
        self.after_order = AfterOrder(hub)
        self._jobs: dict[tuple[int, str], ImportJob] = {}
        self._guard = threading.Lock()

    # -- jobs ------------------------------------------------------------------------

    def job(
        self, profile: OneCProfile, session: ExchangeSession, name: str
    ) -> ImportJob | None:
        """The job of ``name`` in the session: the running one, or a new one."""
        key = (session.id, name)
        with self._guard:
            job = self._jobs.get(key)
            if job is not None:
                return job
            path = self.uploads.path(profile.tenant_id, session.id, name)
            if not path.is_file():
                return None
            job = ImportJob(self, profile, session, name, path)
            self._jobs[key] = job
            return job

    def forget(self, session_id: int, name: str | None = None) -> None:
        """Drop a file's job (a new upload of it begins) or a whole session's."""
        with self._guard:
            keys = [
                key
                for key in self._jobs
                if key[0] == session_id and (name is None or key[1] == name)
            ]
            for key in keys:
                self._jobs.pop(key).close()

    def finished(self, session_id: int, name: str) -> bool:
        with self._guard:
            job = self._jobs.get((session_id, name))
        return job is not None and job.done

    def started(self, session_id: int, name: str) -> bool:
        with self._guard:
            return (session_id, name) in self._jobs

    def sweep(self, idle_seconds: float = 3 * 3600) -> int:
        """Forget jobs nobody asked about for a while; their files stay on disk."""
        cutoff = time.monotonic() - idle_seconds
        with self._guard:
            stale = [key for key, job in self._jobs.items() if job.touched < cutoff]
            for key in stale:
                self._jobs.pop(key).close()
        return len(stale)

    def limits(self, job: ImportJob) -> Limits:
        return Limits(max_bytes=job.profile.settings.max_file_bytes)

    # -- zip archives ----------------------------------------------------------------

    def unpack_pending(
        self, profile: OneCProfile, session: ExchangeSession
    ) -> Reply | None:
        """Unpack the session's archives not yet unpacked; None when there are none."""
        unpacked = set(session.record.get("unpacked", []))
        pending = [
            name
            for name in self.uploads.files(profile.tenant_id, session.id)
            if name not in unpacked
            and _starts_as_zip(self.uploads.path(profile.tenant_id, session.id, name))
        ]
        if not pending:
            return None
        written: list[str] = []
        for name in pending:
            path = self.uploads.path(profile.tenant_id, session.id, name)
            folder = self.uploads.folder(profile.tenant_id, session.id)
            limits = ZipLimits(max_total=profile.settings.max_file_bytes * 4)
            try:
                entries = unpack(path, folder, limits)
            except ZipRefused as error:
                message_id = self._keep_zip(profile, session, name, path, str(error))
                log.warning(
                    "onec_archive_refused",
                    tenant=profile.tenant_id,
                    session=session.id,
                    filename=name,
                    message_id=message_id,
                    reason=str(error),
                )
                path.unlink(missing_ok=True)
                return Reply.failure(f"{name} was not unpacked: {error}")
            message_id = self._keep_zip(profile, session, name, path, None)
            written += entries
            unpacked.add(name)
            log.info(
                "onec_archive_unpacked",
                tenant=profile.tenant_id,
                session=session.id,
                filename=name,
                message_id=message_id,
                entries=len(entries),
            )
        self.sessions.note(
            session,
            {"mode": "unpack", "archives": pending, "entries": written},
            unpacked=sorted(unpacked),
        )
        return Reply.progress(f"archive unpacked: {', '.join(written) or 'empty'}")

    def archive_entries(self, session: ExchangeSession, name: str) -> list[str]:
        """The XML files an unpacked archive held, when ``name`` is an archive."""
        for step in session.record.get("steps", []):
            if step.get("mode") == "unpack" and name in step.get("archives", []):
                return [
                    e for e in step.get("entries", []) if e.lower().endswith(".xml")
                ]
        return []

    def _keep_zip(
        self,
        profile: OneCProfile,
        session: ExchangeSession,
        name: str,
        path: Path,
        reason: str | None,
    ) -> int:
        return self._store_path(
            profile, session, name, path, "failed" if reason else "unpacked", reason
        )

    # -- the message log -------------------------------------------------------------

    def keep_file(self, job: ImportJob) -> int:
        """The file's message, stored once per session and content."""
        digest = job.checksum
        if digest is not None:
            with self.hub.db.session() as session:
                existing = session.execute(
                    select(Message.id).where(
                        Message.tenant_id == job.profile.tenant_id,
                        Message.channel == CHANNEL,
                        Message.kind == FILE_KIND,
                        Message.external_id == job.session.external_id,
                        Message.filename == job.name,
                        Message.checksum == digest,
                    )
                ).scalar_one_or_none()
            if existing is not None:
                return existing
        return self._store_path(job.profile, job.session, job.name, job.path)

    def keep_refused(self, job: ImportJob, reason: str) -> int:
        return self._store_path(
            job.profile, job.session, job.name, job.path, "failed", reason
        )

    def _store_path(
        self,
        profile: OneCProfile,
        session: ExchangeSession,
        name: str,
        path: Path,
        state: str = "received",
        error: str | None = None,
    ) -> int:
        """An uploaded file into the message log, read from disk as it is stored."""
        now = self.hub.clock.now()
        zipped = _starts_as_zip(path)
        message = Message(
            tenant_id=profile.tenant_id,
            channel=CHANNEL,
            direction="in",
            kind=FILE_KIND,
            state=state,
            external_id=session.external_id,
            content_type="application/zip" if zipped else "application/xml",
            filename=name,
            payload=b"",
            checksum="",
            error=error[:4000] if error else None,
            created_at=now,
            updated_at=now,
        )
        with path.open("rb") as stream:
            message_id = store_stream(self.hub.db, message, stream)
        if state == "failed":
            MESSAGES.labels(CHANNEL, "in", "failed").inc()
            log.warning(
                "payload_refused",
                tenant=profile.tenant_id,
                channel=CHANNEL,
                message_id=message_id,
                reason=error,
            )
        return message_id

    def record(
        self, job: ImportJob, reply: Reply, state: str, error: str | None
    ) -> None:
        if job.message_id is not None and state != "failed":
            self._finish_message(job.message_id, state, error)
        self.sessions.note(
            job.session,
            {
                "mode": "import",
                "filename": job.name,
                "message_id": job.message_id,
                "answer": reply.status,
                **({"reason": reply.reason} if reply.status == "failure" else {}),
                "documents": [o.as_step() for o in job.outcomes],
            },
        )

    def _finish_message(self, message_id: int, state: str, error: str | None) -> None:
        with self.hub.db.session() as session:
            message = session.get(Message, message_id)
            if message is None:
                return
            message.state = state
            message.error = error[:4000] if error else None
            message.updated_at = self.hub.clock.now()

    # -- one order -------------------------------------------------------------------

    def take(self, profile: OneCProfile, record: SourceRecord) -> Outcome:
        """One order through the pipeline, and what 1C should hear about it."""
        number = record.fields.get("number_1c") or record.fields.get("number")
        outcome = Outcome(record.external_id, number, "skipped")
        cancelled = record.fields.get("deletion_mark") == "true" or (
            record.fields.get("requisites", {}).get("Отменен") == "true"
        )
        if not record.fields.get("has_goods") and not cancelled:
            outcome.note = "no Товары: a status note from 1C, not a requisition"
            return outcome
        try:
            intake = self.hub.pipeline.receive(record)
        except GatewayError as error:
            outcome.outcome, outcome.problems = "failed", [str(error)]
            return outcome
        except Exception as error:  # noqa: BLE001 - kept with the message already
            outcome.outcome = "failed"
            outcome.problems = [f"internal error: {error!r}; the order can be replayed"]
            return outcome
        outcome.outcome = intake.outcome
        outcome.state = intake.state
        outcome.requisition_id = intake.requisition_id
        outcome.message_id = intake.message_id
        outcome.problems = list(intake.problems)
        if intake.outcome == "after_order":
            verdict = self.after_order.judge(profile.tenant, record, intake)
            outcome.note = verdict.text
        elif intake.outcome == "duplicate" and intake.state in NOT_ACCEPTED_STATES:
            outcome.problems = self._hold_reasons(intake.requisition_id)
        elif intake.outcome == "stale":
            outcome.note = "; ".join(intake.problems) or (
                "older than the version already received; nothing changed"
            )
            outcome.problems = []
        return outcome

    def _hold_reasons(self, requisition_id: int | None) -> list[str]:
        with self.hub.db.session() as session:
            requisition = session.get(Requisition, requisition_id)
            reason = requisition.hold_reason if requisition else None
        return [reason] if reason else []


def _starts_as_zip(path: Path) -> bool:
    try:
        with path.open("rb") as stream:
            return is_zip(stream.read(4))
    except OSError:
        return False
