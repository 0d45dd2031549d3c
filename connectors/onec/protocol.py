"""The 1C ⇄ site exchange, request by request: ``type`` and ``mode`` to an answer.

Every answer is HTTP 200 and never empty: plain text lines (``success``,
``progress`` or ``failure`` and why) in the tenant's encoding, or, for ``query``
and ``info``, an XML document whose declaration and ``Content-Type`` agree with
its bytes. No error reaches 1C as anything else: whatever goes wrong becomes a
``failure`` line, and whatever 1C sent is in the message log.

Modes (``type=sale`` unless said): ``checkauth``, ``init``, ``file``, ``import``,
``query``, ``success``, ``info``; ``type=catalog``: ``init``, ``file``, ``import``
(the catalogue matching of ``catalog_match.py``), ``deactivate``, ``complete``;
``type=get_catalog``: ``init``, ``query`` (``catalog_export.py``), ``success``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import structlog

from connectors.onec import catalog_dispatch
from connectors.onec.credentials import (
    BasicCredentials,
    Directory,
    Replaced,
    Verified,
    parse_basic,
)
from connectors.onec.filenames import UnsafeFilename, safe_path
from connectors.onec.importer import Importer
from connectors.onec.pull import PullQueue
from connectors.onec.replies import FAILURE, Reply
from connectors.onec.revisions import CancelRefusals
from connectors.onec.sessions import COOKIE_NAME, ExchangeSession, SessionStore
from connectors.onec.settings import CHANNEL, OneCProfile, negotiate
from connectors.onec.snapshot import MOSCOW, snapshots
from connectors.onec.throttle import LoginThrottle
from connectors.onec.uploads import UploadArea, UploadRefused, looks_complete
from connectors.onec.writer import Encoded, QueryWriter, info_dictionary
from gateway.errors import GatewayError
from gateway.pipeline import checksum
from gateway.records import SourceRecord
from gateway.store.tables import Message

if TYPE_CHECKING:
    from gateway.hub import Hub

log = structlog.get_logger(__name__)

DEFAULT_ENCODING = "windows-1251"
SALE, CATALOG, GET_CATALOG = "sale", "catalog", "get_catalog"
TYPES = (SALE, CATALOG, GET_CATALOG)


@dataclass
class Call:
    """One request as the protocol needs it; secrets only in ``authorization``."""

    type: str
    mode: str
    params: dict[str, str]
    authorization: str | None = None
    cookie: str | None = None
    body: bytes = b""
    body_refused: str | None = None
    base_url: str = ""
    address: str = ""
    """The client's address, which wrong passwords are counted against."""
    started: float = field(default_factory=time.monotonic)
    noted: bool = False
    """Set once the answer's step is in the session record already."""

    @property
    def described(self) -> str:
        shown = {k: v for k, v in self.params.items() if k not in ("sessid",)}
        return "&".join(f"{k}={v}" for k, v in shown.items())


@dataclass
class Answer:
    body: bytes
    content_type: str
    cookies: dict[str, str] = field(default_factory=dict)


def text_answer(reply: Reply, encoding: str = DEFAULT_ENCODING) -> Answer:
    body = reply.text().encode(encoding, errors="replace")
    return Answer(body, f"text/plain; charset={encoding}")


def xml_answer(encoded: Encoded) -> Answer:
    return Answer(encoded.body, encoded.content_type)


@dataclass
class Caller:
    profile: OneCProfile
    session: ExchangeSession


class Protocol:
    def __init__(
        self,
        hub: Hub,
        directory: Directory,
        sessions: SessionStore,
        uploads: UploadArea,
        importer: Importer,
        pull: PullQueue,
    ):
        self.hub = hub
        self.directory = directory
        self.sessions = sessions
        self.uploads = uploads
        self.importer = importer
        self.pull = pull
        self.writer = QueryWriter(hub.mapping_registry)
        self.throttle = LoginThrottle(hub.clock)
        self.refusals = CancelRefusals(hub)
        self._catalog_answers: dict[int, tuple[tuple[Any, ...], Reply]] = {}

    def handle(self, call: Call) -> Answer:
        """Answer one request; never raises."""
        caller: Caller | None = None
        try:
            if call.mode == "checkauth":
                return self.checkauth(call)
            caller_or_reply = self.authenticate(call)
            if isinstance(caller_or_reply, Reply):
                return text_answer(caller_or_reply)
            caller = caller_or_reply
            answer, reply = self.dispatch(call, caller)
        except Exception as error:
            log.exception("onec_request_crashed", type=call.type, mode=call.mode)
            reply = Reply.failure(f"internal error in the gateway: {error!r}")
            answer = None
        if caller is not None:
            self._note(call, caller, reply)
        if answer is not None:
            return answer
        encoding = caller.profile.encoding if caller else DEFAULT_ENCODING
        return text_answer(reply, encoding)

    # -- who is calling --------------------------------------------------------------

    def checkauth(self, call: Call) -> Answer:
        credentials = parse_basic(call.authorization)
        if credentials is None:
            return text_answer(
                Reply.failure(
                    "no login and password arrived: 1C sends the exchange node's "
                    "login and password as HTTP Basic; a proxy in front of the "
                    "gateway must pass the Authorization header on"
                )
            )
        verified = self._sign_in(call, credentials)
        if isinstance(verified, Reply):
            return text_answer(verified)
        profile = verified.profile
        opened = self.sessions.open(profile, credential=verified.credential)
        reply = Reply.success(
            COOKIE_NAME,
            opened.cookie,
            f"sessid={opened.sessid}",
            f"timestamp={int(time.time())}",
        )
        self.sessions.note(opened.session, {"mode": "checkauth", "answer": "success"})
        answer = text_answer(reply, profile.encoding)
        answer.cookies[COOKIE_NAME] = opened.cookie
        return answer

    def _sign_in(self, call: Call, credentials: BasicCredentials) -> Verified | Reply:
        """The profile the credentials open, unless wrong ones came too often."""
        login, address = credentials.login, call.address
        paused_until = self.throttle.paused_until(login, address)
        if paused_until is not None:
            log.warning("onec_login_paused", login=login, address=address)
            return Reply.failure(
                f"too many wrong passwords for login {login!r} from this address: "
                f"{_pause_text(self.throttle.clock.now(), paused_until)}",
                "check the exchange node's login and password in 1C",
            )
        verified = self.directory.verify(credentials)
        if isinstance(verified, Replaced):
            return self._refuse_replaced(call, login, verified)
        if verified is None:
            paused_until = self.throttle.failed(login, address)
            return self._refuse_login(call, login, paused_until)
        self.throttle.succeeded(login, address)
        return verified

    def _refuse_login(
        self, call: Call, login: str, paused_until: datetime | None = None
    ) -> Reply:
        reason = f"wrong 1C login or password (login {login!r})"
        if paused_until is not None:
            pause = _pause_text(self.throttle.clock.now(), paused_until)
            reason += f"; that was too many from this address: {pause}"
        known = self.directory.profiles()
        tenant = next(
            (p.tenant_id for p in known if p.login.casefold() == login.casefold()),
            None,
        )
        log.warning(
            "onec_login_refused", login=login, tenant=tenant, address=call.address
        )
        if tenant is not None:
            self._keep_login_refusal(call, tenant, login, reason)
        return Reply.failure(
            reason, "check the exchange node's login and password in 1C"
        )

    def _keep_login_refusal(
        self, call: Call, tenant_id: str, login: str, reason: str
    ) -> None:
        record = SourceRecord(
            tenant_id=tenant_id,
            channel=CHANNEL,
            external_id="1c-login",
            payload=f"{call.described}\nlogin={login}\n".encode(),
            kind="onec.login",
            content_type="text/plain",
        )
        self.hub.pipeline.keep_refused(record, reason)

    def _refuse_replaced(self, call: Call, login: str, replaced: Replaced) -> Reply:
        """The password an admin replaced: said plainly, and not counted as a
        guess, so the new one works the moment it is typed into 1C."""
        rotated = replaced.rotated_at.astimezone(MOSCOW)
        reason = (
            f"wrong 1C login or password (login {login!r}): this password was "
            f"replaced in the gateway's console on {rotated:%Y-%m-%d at %H:%M} "
            "Moscow time"
        )
        log.warning(
            "onec_login_refused",
            login=login,
            tenant=replaced.profile.tenant_id,
            address=call.address,
            reason="password_replaced",
        )
        self._keep_login_refusal(call, replaced.profile.tenant_id, login, reason)
        return Reply.failure(
            reason, "enter the new password in the exchange node's settings in 1C"
        )

    def authenticate(self, call: Call) -> Caller | Reply:
        session = self.sessions.find(call.cookie)
        ended = False
        if session is not None:
            profile, ended = self._resume(session)
            if profile is not None:
                return self._checked(call, Caller(profile, session))
        credentials = parse_basic(call.authorization)
        if credentials is None and ended:
            return Reply.failure(
                "the exchange session ended: the 1C password of this login was "
                "changed; 1C starts again with mode=checkauth and the new password"
            )
        if credentials is None:
            return Reply.failure(
                "not signed in: the session cookie is missing or expired; 1C starts "
                "a new exchange with mode=checkauth"
            )
        verified = self._sign_in(call, credentials)
        if isinstance(verified, Reply):
            return verified
        profile = verified.profile
        session = self.sessions.latest(profile.tenant_id)
        if session is None or session.credential != verified.credential:
            session = self.sessions.open(
                profile, implicit=True, credential=verified.credential
            ).session
        return self._checked(call, Caller(profile, session))

    def _resume(self, session: ExchangeSession) -> tuple[OneCProfile | None, bool]:
        """The session's tenant while the session lasts, and whether it ended
        because the password it was opened with has since been replaced."""
        profile = self.directory.for_tenant(session.tenant_id)
        if profile is None:
            return None, False
        ttl = timedelta(hours=profile.settings.session_hours)
        if self.sessions.expired(session, ttl):
            return None, False
        if self.directory.credential(session.tenant_id) != session.credential:
            log.info(
                "onec_session_ended",
                tenant=session.tenant_id,
                session=session.id,
                reason="password_changed",
            )
            return None, True
        return profile, False

    def identify(
        self, authorization: str | None, cookie: str | None, address: str = ""
    ) -> OneCProfile | None:
        """The tenant behind a cookie or Basic credentials; opens no session."""
        session = self.sessions.find(cookie)
        if session is not None:
            profile = self._resume(session)[0]
            if profile is not None:
                return profile
        credentials = parse_basic(authorization)
        if credentials is None:
            return None
        download = Call(type="", mode="download", params={}, address=address)
        verified = self._sign_in(download, credentials)
        return None if isinstance(verified, Reply) else verified.profile

    def _checked(self, call: Call, caller: Caller) -> Caller | Reply:
        sessid = call.params.get("sessid")
        if sessid and not caller.session.sessid_matches(sessid):
            return Reply.failure(
                "the sessid does not belong to this session; 1C starts again with "
                "mode=checkauth"
            )
        return caller

    # -- modes -----------------------------------------------------------------------

    def dispatch(self, call: Call, caller: Caller) -> tuple[Answer | None, Reply]:
        if call.type not in TYPES:
            shown = call.type or "(none)"
            return None, Reply.failure(
                f"unknown type={shown}; the gateway speaks type=sale, catalog and "
                "get_catalog"
            )
        handler = getattr(self, f"_{call.type}_{call.mode}", None)
        if handler is None:
            shown = call.mode or "(none)"
            return None, Reply.failure(f"unknown mode={shown} for type={call.type}")
        result = handler(call, caller)
        if isinstance(result, Answer):
            return result, Reply.success()
        return None, result

    def _sale_init(self, call: Call, caller: Caller) -> Answer:
        return self._init(call, caller)

    def _catalog_init(self, call: Call, caller: Caller) -> Answer:
        return self._init(call, caller)

    def _get_catalog_init(self, call: Call, caller: Caller) -> Answer:
        return self._init(call, caller)

    def _init(self, call: Call, caller: Caller) -> Answer:
        """``zip=…``, ``file_limit=…`` and, when 1C named a version, ``sessid=…``
        and ``version=…``: key=value lines, not a status word."""
        profile, session = caller.profile, caller.session
        asked = call.params.get("version") or call.params.get("cmlVersion")
        agreed = negotiate(asked, profile.output.version) if asked else None
        self.importer.forget(session.id)
        self.uploads.reset(profile.tenant_id, session.id)
        self._catalog_answers.pop(session.id, None)
        self.sessions.note(
            session,
            {"mode": "init", "type": call.type, "asked": asked, "agreed": agreed},
            version=agreed,
            initialised=True,
            unpacked=[],
        )
        lines = [
            f"zip={'yes' if profile.settings.zip else 'no'}",
            f"file_limit={self.file_limit(profile)}",
        ]
        if agreed is not None:
            lines += [f"sessid={session.sessid or ''}", f"version={agreed}"]
        encoding = profile.encoding
        body = ("\n".join(lines) + "\n").encode(encoding)
        return Answer(body, f"text/plain; charset={encoding}")

    def file_limit(self, profile: OneCProfile) -> int:
        return min(profile.settings.file_limit, self.hub.settings.server.max_body_bytes)

    def _sale_file(self, call: Call, caller: Caller) -> Reply:
        reply, name = self._store_chunk(call, caller)
        if reply.status == FAILURE or name is None:
            return reply
        old_protocol = caller.session.version is None
        if old_protocol and self._last_chunk(call, caller, name):
            # Without a version 1C never calls import for orders: import now.
            return self._import_sale(caller, name, deadline=None)
        return reply

    def _last_chunk(self, call: Call, caller: Caller, name: str) -> bool:
        """A chunk shorter than ``file_limit`` is the last; a full one is the last
        when the file it completes is whole (its length is a multiple of it)."""
        if len(call.body) < self.file_limit(caller.profile):
            return True
        tenant_id, session_id = caller.profile.tenant_id, caller.session.id
        return looks_complete(self.uploads.path(tenant_id, session_id, name))

    def _catalog_file(self, call: Call, caller: Caller) -> Reply:
        return self._store_chunk(call, caller)[0]

    def _store_chunk(self, call: Call, caller: Caller) -> tuple[Reply, str | None]:
        profile, session = caller.profile, caller.session
        raw_name = call.params.get("filename")
        try:
            name = safe_path(raw_name)
        except UnsafeFilename as error:
            self._keep_refused_body(call, caller, raw_name, str(error))
            return Reply.failure(str(error)), None
        if call.body_refused is not None:
            self._keep_refused_body(call, caller, name, call.body_refused)
            return Reply.failure(call.body_refused), None
        if not call.body:
            return Reply.failure(f"{name}: the request carried no file data"), None
        limit = self.file_limit(profile)
        if len(call.body) > limit:
            reason = f"{name}: {len(call.body)} bytes in one request, above file_limit"
            self._keep_refused_body(call, caller, name, reason)
            return Reply.failure(reason), None
        if self.uploads.repeats_last(profile.tenant_id, session.id, name, call.body):
            # 1C lost the answer to this very chunk and sent it again.
            log.info(
                "onec_chunk_repeated",
                tenant=profile.tenant_id,
                session=session.id,
                filename=name,
                bytes=len(call.body),
            )
            return Reply.success(), name
        restart = self.importer.started(session.id, name)
        if restart:
            self.importer.forget(session.id, name)
        try:
            size = self.uploads.append(
                profile.tenant_id,
                session.id,
                name,
                call.body,
                max_bytes=profile.settings.max_file_bytes,
                restart=restart,
            )
        except UploadRefused as error:
            self._keep_refused_body(call, caller, name, str(error))
            return Reply.failure(str(error)), None
        log.info(
            "onec_chunk_stored",
            tenant=profile.tenant_id,
            session=session.id,
            filename=name,
            bytes=len(call.body),
            size=size,
        )
        return Reply.success(), name

    def _keep_refused_body(
        self, call: Call, caller: Caller, name: str | None, reason: str
    ) -> None:
        record = SourceRecord(
            tenant_id=caller.profile.tenant_id,
            channel=CHANNEL,
            external_id=caller.session.external_id,
            payload=call.body or call.described.encode(),
            kind="onec.file",
            content_type="application/octet-stream",
            filename=(name or "")[:255] or None,
        )
        self.hub.pipeline.keep_refused(record, reason)

    def _sale_import(self, call: Call, caller: Caller) -> Reply:
        try:
            name = safe_path(call.params.get("filename"))
        except UnsafeFilename as error:
            return Reply.failure(str(error))
        seconds = caller.profile.settings.import_seconds
        reply = self._import_sale(caller, name, deadline=call.started + seconds)
        call.noted = reply.status != "progress" and self.importer.finished(
            caller.session.id, name
        )
        return reply

    def _import_sale(
        self, caller: Caller, name: str, *, deadline: float | None
    ) -> Reply:
        profile, session = caller.profile, caller.session
        unpacked = self.importer.unpack_pending(profile, session)
        if unpacked is not None and (
            deadline is not None or unpacked.status == FAILURE
        ):
            return unpacked
        entries = self.importer.archive_entries(session, name)
        names = entries or [name]
        replies = []
        for each in names:
            job = self.importer.job(profile, session, each)
            if job is None:
                return Reply.failure(
                    f"{each} was not uploaded in this exchange session (mode=file "
                    "comes first, after the same mode=init)"
                )
            reply = job.run(deadline)
            if reply.status == "progress":
                return reply
            replies.append(reply)
        failed = any(r.status == FAILURE for r in replies)
        lines = [line for reply in replies for line in reply.lines]
        return Reply.failure(*lines) if failed else Reply.success(*lines)

    def _catalog_import(self, call: Call, caller: Caller) -> Reply:
        try:
            safe_path(call.params.get("filename"))
        except UnsafeFilename as error:
            return Reply.failure(str(error))
        profile, session = caller.profile, caller.session
        unpacked = self.importer.unpack_pending(profile, session)
        if unpacked is not None:
            return unpacked
        paths = {
            name: self.uploads.path(profile.tenant_id, session.id, name)
            for name in self.uploads.files(profile.tenant_id, session.id)
            if name.lower().endswith(".xml")
        }
        # 1C uploads every file first, then imports them one by one: the whole
        # upload is matched at the first import, and later ones get that answer.
        signature = tuple(sorted((n, p.stat().st_size) for n, p in paths.items()))
        matched = self._catalog_answers.get(session.id)
        if matched is not None and matched[0] == signature:
            return matched[1]
        reply = catalog_dispatch.match(self.hub, profile.tenant_id, paths)
        self._catalog_answers[session.id] = (signature, reply)
        return reply

    def _catalog_deactivate(self, call: Call, caller: Caller) -> Reply:
        return Reply.success("nothing to deactivate: the gateway keeps no catalogue")

    def _catalog_complete(self, call: Call, caller: Caller) -> Reply:
        return Reply.success("exchange complete")

    def _get_catalog_query(self, call: Call, caller: Caller) -> Answer | Reply:
        return catalog_dispatch.export(self.hub, caller.profile)

    def _get_catalog_success(self, call: Call, caller: Caller) -> Reply:
        return Reply.success()

    def _sale_info(self, call: Call, caller: Caller) -> Answer:
        encoded = info_dictionary(self.hub.mapping_registry, caller.profile.encoding)
        return xml_answer(encoded)

    def _sale_query(self, call: Call, caller: Caller) -> Answer | Reply:
        profile, session = caller.profile, caller.session
        version = session.version or profile.output.version
        self.refusals.tell(profile.tenant_id)
        pulled = self.pull.claim(profile.tenant_id, session.owner)
        requisition_ids = [p.requisition_id for p in pulled]
        with self.hub.db.session() as db:
            found = snapshots(
                db,
                requisition_ids,
                base_url=call.base_url,
                kinds=profile.output.documents,
            )
        rendered = self.writer.render(
            found,
            tenant=profile.tenant,
            version=version,
            encoding=profile.encoding,
            now=self.hub.clock.now().astimezone(MOSCOW),
        )
        if rendered.failed:
            unsent = [
                p.delivery_id for p in pulled if p.requisition_id in rendered.failed
            ]
            self.pull.release(unsent)
        message_id = self._keep_answer(caller, rendered.encoded)
        self.sessions.note(
            session,
            {
                "mode": "query",
                "answer": "document",
                "version": version,
                "deliveries": len(pulled),
                "requisitions": rendered.written,
                "message_id": message_id,
                **({"unrenderable": rendered.failed} if rendered.failed else {}),
            },
        )
        log.info(
            "onec_query_answered",
            tenant=profile.tenant_id,
            session=session.id,
            requisitions=len(rendered.written),
            deliveries=len(pulled),
            message_id=message_id,
        )
        return xml_answer(rendered.encoded)

    def _keep_answer(self, caller: Caller, encoded: Encoded) -> int:
        now = self.hub.clock.now()
        with self.hub.db.session() as db:
            message = Message(
                tenant_id=caller.profile.tenant_id,
                channel=CHANNEL,
                direction="out",
                kind="onec.query",
                state="sent",
                external_id=caller.session.external_id,
                content_type=encoded.content_type,
                filename=f"query-{caller.session.id}.xml",
                payload=encoded.body,
                size=len(encoded.body),
                checksum=checksum(encoded.body),
                created_at=now,
                updated_at=now,
            )
            db.add(message)
            db.flush()
            assert message.id is not None
            return message.id

    def _sale_success(self, call: Call, caller: Caller) -> Reply:
        done = self.pull.complete(caller.profile.tenant_id, caller.session.owner)
        log.info(
            "onec_query_confirmed",
            tenant=caller.profile.tenant_id,
            session=caller.session.id,
            deliveries=done,
        )
        return Reply.success()

    def _sale_deactivate(self, call: Call, caller: Caller) -> Reply:
        return Reply.success()

    def _sale_complete(self, call: Call, caller: Caller) -> Reply:
        return Reply.success()

    # -- the session's record ----------------------------------------------------------

    def _note(self, call: Call, caller: Caller, reply: Reply) -> None:
        if call.noted or call.mode == "init":
            return  # noted where the answer was made, with what it produced
        if call.mode == "query" and reply.status != FAILURE:
            return
        step: dict[str, Any] = {"type": call.type, "mode": call.mode}
        if "filename" in call.params:
            step["filename"] = call.params["filename"][:255]
            step["bytes"] = len(call.body)
        step["answer"] = reply.status
        if reply.status == FAILURE:
            step["reason"] = reply.reason
        try:
            self.sessions.note(caller.session, step)
        except GatewayError:
            log.exception("onec_session_note_failed", session=caller.session.id)


def _pause_text(now: datetime, until: datetime) -> str:
    minutes = max(1, -(-int((until - now).total_seconds()) // 60))
    return (
        f"the gateway refuses it until {until.astimezone(MOSCOW):%H:%M} Moscow "
        f"time (in {minutes} min)"
    )
