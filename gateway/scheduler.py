"""Periodic jobs. They only trigger work; the work itself is claimed from the database.

On PostgreSQL a job marked ``singleton`` runs on one node at a time: each run first
takes a session-level advisory lock on a connection kept for that job alone. If a node
dies its connection closes and the lock goes with it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog
from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MISSED,
    JobExecutionEvent,
)
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Connection

from gateway.config import SchedulerSettings
from gateway.metrics import JOB_RUNS
from gateway.store.database import Database
from gateway.store.locks import advisory_key

log = structlog.get_logger(__name__)


@dataclass
class PeriodicJob:
    name: str
    seconds: float
    work: Callable[[], Any]
    singleton: bool = True


class JobLock:
    """A session-level advisory lock held on its own connection (PostgreSQL only)."""

    def __init__(self, db: Database, name: str):
        self.db = db
        self.key = advisory_key(db, name)
        self._connection: Connection | None = None

    def acquire(self) -> bool:
        if self._connection is None or self._connection.closed:
            self._connection = self.db.engine.connect().execution_options(
                isolation_level="AUTOCOMMIT"
            )
        try:
            return bool(
                self._connection.exec_driver_sql(
                    "SELECT pg_try_advisory_lock(%s)", (self.key,)
                ).scalar()
            )
        except Exception:
            self.close()
            raise

    def release(self) -> None:
        if self._connection is not None and not self._connection.closed:
            self._connection.exec_driver_sql(
                "SELECT pg_advisory_unlock(%s)", (self.key,)
            )

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class Scheduler:
    def __init__(self, db: Database, settings: SchedulerSettings):
        self.db = db
        self.settings = settings
        self.jobs: dict[str, PeriodicJob] = {}
        self.last_run: dict[str, datetime] = {}
        self._locks: dict[str, JobLock] = {}
        self._guard = threading.Lock()
        self._scheduler = BackgroundScheduler(
            timezone=UTC,
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": settings.misfire_grace_seconds,
            },
        )
        self._scheduler.add_listener(
            self._on_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED | EVENT_JOB_EXECUTED
        )

    @property
    def running(self) -> bool:
        return bool(self._scheduler.running)

    def add(self, job: PeriodicJob) -> None:
        self.jobs[job.name] = job
        self._scheduler.add_job(
            self._run,
            "interval",
            seconds=job.seconds,
            id=job.name,
            name=job.name,
            args=[job.name],
            next_run_time=datetime.now(UTC),
            replace_existing=True,
        )

    def start(self) -> None:
        self._scheduler.start()
        log.info("scheduler_started", jobs=sorted(self.jobs))

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)
        for lock in self._locks.values():
            lock.close()
        log.info("scheduler_stopped")

    def run_now(self, name: str) -> bool:
        """Run a job in the calling thread, with the same locking; False if skipped."""
        return self._run(name)

    def _run(self, name: str) -> bool:
        job = self.jobs[name]
        lock = self._lock_for(job)
        if lock is not None and not lock.acquire():
            log.debug("job_skipped_held_elsewhere", job=name)
            JOB_RUNS.labels(name, "skipped").inc()
            return False
        try:
            job.work()
        finally:
            if lock is not None:
                lock.release()
        self.last_run[name] = datetime.now(UTC)
        return True

    def _lock_for(self, job: PeriodicJob) -> JobLock | None:
        if not (job.singleton and self.db.is_postgres):
            return None
        with self._guard:
            if job.name not in self._locks:
                self._locks[job.name] = JobLock(self.db, job.name)
            return self._locks[job.name]

    def _on_event(self, event: JobExecutionEvent) -> None:
        if event.code == EVENT_JOB_MISSED:
            JOB_RUNS.labels(event.job_id, "missed").inc()
            log.warning(
                "job_run_missed",
                job=event.job_id,
                scheduled_for=event.scheduled_run_time.isoformat(),
                next_step="the next run catches up; runs are coalesced",
            )
        elif event.code == EVENT_JOB_ERROR:
            JOB_RUNS.labels(event.job_id, "failed").inc()
            log.error(
                "job_run_failed",
                job=event.job_id,
                error=repr(event.exception),
                exc_info=event.exception,
                next_step="the job runs again at its next interval",
            )
        else:
            JOB_RUNS.labels(event.job_id, "done").inc()
