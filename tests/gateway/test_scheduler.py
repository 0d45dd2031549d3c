"""Periodic jobs: one node at a time on PostgreSQL, failures logged and survived."""

from __future__ import annotations

import threading

from gateway.config import SchedulerSettings
from gateway.scheduler import PeriodicJob, Scheduler
from gateway.store.database import Database
from tests.support.servers import wait_until


def test_singleton_job_runs_on_one_node_at_a_time_on_postgres(postgres_url):
    first_node, second_node = Database(postgres_url), Database(postgres_url)
    inside, release = threading.Event(), threading.Event()
    runs: list[str] = []

    def slow_work(node: str):
        def work():
            runs.append(node)
            inside.set()
            release.wait(10)

        return work

    first = Scheduler(first_node, SchedulerSettings())
    second = Scheduler(second_node, SchedulerSettings())
    first.jobs["poll"] = PeriodicJob("poll", 60, slow_work("first"))
    second.jobs["poll"] = PeriodicJob("poll", 60, slow_work("second"))

    holder = threading.Thread(target=first.run_now, args=("poll",))
    holder.start()
    inside.wait(10)
    skipped = second.run_now("poll")
    release.set()
    holder.join(10)
    after_release = second.run_now("poll")

    assert skipped is False
    assert after_release is True
    assert runs == ["first", "second"]
    first.shutdown()
    second.shutdown()
    first_node.dispose()
    second_node.dispose()


def test_jobs_run_on_their_interval_and_a_failing_run_does_not_stop_them(sqlite_url):
    db = Database(sqlite_url)
    scheduler = Scheduler(db, SchedulerSettings())
    calls: list[int] = []

    def flaky():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("Komus did not answer")

    scheduler.add(PeriodicJob("flaky", 0.1, flaky))
    scheduler.start()
    try:
        wait_until(lambda: len(calls) >= 3, timeout=10)
    finally:
        scheduler.shutdown()

    assert scheduler.running is False
    assert "flaky" in scheduler.last_run
