"""The Komus connector plugs into the hub through its entry point."""

from __future__ import annotations

import pytest

from connectors.komus.connector import TRACKING_JOB, KomusConnector
from connectors.komus.submission import KomusSubmitter
from gateway.errors import ConfigError


def test_entry_point_installs_submission_and_a_singleton_tracking_job(hub):
    hub.load_connectors()

    assert "komus" in hub.connectors
    assert isinstance(hub.pipeline.submitter, KomusSubmitter)
    (tracking,) = [job for job in hub.jobs if job.name == TRACKING_JOB]
    assert tracking.singleton
    assert tracking.seconds == hub.settings.komus.poll_interval_seconds


def test_a_broken_status_table_stops_the_install_with_its_location(hub, tmp_path):
    table = tmp_path / "statuses.yaml"
    table.write_text(
        "kind: table\nname: komus_statuses\nkey: code\nrows:\n"
        '  - {code: "N", name: "Новый", status: nouveau}\n',
        encoding="utf-8",
    )
    hub.settings.komus.statuses_table = str(table)

    with pytest.raises(ConfigError) as refused:
        KomusConnector().install(hub)

    assert str(refused.value).startswith(f"{table}:5:")
    assert hub.pipeline.submitter is None
