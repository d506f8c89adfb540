"""Starting processes never hangs a run: a process that dies or never answers fails it, with
its log, within the deadline; whatever was started is stopped by its PID."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from gateway import local


def test_a_process_that_exits_fails_fast_with_its_log(tmp_path: Path) -> None:
    group = local.ProcessGroup(tmp_path)
    service = group.start(
        "broken",
        [sys.executable, "-c", "print('no database'); raise SystemExit(3)"],
        f"http://127.0.0.1:{local.free_port()}",
        {},
    )
    with pytest.raises(RuntimeError, match=r"(?s)broken exited with 3.*no database"):
        group.wait_until_ready(service, "/healthz")
    group.stop_all()


def test_a_process_that_never_answers_is_given_up_and_stopped(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(local, "START_TIMEOUT_SECONDS", 0.5)
    group = local.ProcessGroup(tmp_path)
    service = group.start(
        "silent",
        [sys.executable, "-c", "import time; time.sleep(60)"],
        f"http://127.0.0.1:{local.free_port()}",
        {},
    )
    with pytest.raises(RuntimeError, match="silent not ready"):
        group.wait_until_ready(service, "/healthz")
    group.stop_all()
    assert service.process.poll() is not None
