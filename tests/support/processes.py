"""Gateway processes started the way an operator starts them, for crash tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def start_gateway(
    command: str, config: Path, log_file: Path, *args: str
) -> subprocess.Popen:
    """``komus-gateway COMMAND --config CONFIG`` in its own process, logging to file."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    handle = log_file.open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "gateway", command, "--config", str(config), *args],
        cwd=ROOT,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
    )


def stop(process: subprocess.Popen, timeout: float = 15) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
