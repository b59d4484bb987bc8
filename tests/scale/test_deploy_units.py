"""The systemd units in deploy/ for workers and beat: systemd accepts them, and the command each
starts (ExecStart, with this checkout in place of /srv/newsdesk) comes up against real Redis."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.redis

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(sys.executable).parent.parent
UNITS = {"newsdesk-worker@.service": "ready.", "newsdesk-beat.service": "beat: Starting"}


def unit_text(name: str) -> str:
    return (ROOT / "deploy" / name).read_text()


def here(text: str) -> str:
    """The unit as it would be on this machine: this checkout and its virtualenv."""
    return text.replace("/srv/newsdesk/.venv", str(VENV)).replace("/srv/newsdesk", str(ROOT))


def exec_start(text: str) -> str:
    joined = re.sub(r"\\\n\s*", " ", text)
    [command] = re.findall(r"^ExecStart=(.+)$", joined, flags=re.MULTILINE)
    # systemd's own specifiers and escapes, as systemd would expand them for instance 1.
    return command.replace("%i", "1").replace("%H", "localhost").replace("$$", "$")


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is missing")
@pytest.mark.parametrize("name", UNITS)
def test_systemd_accepts_the_unit(name: str, tmp_path: Path) -> None:
    instance = name.replace("@.", "@1.")
    (tmp_path / instance).write_text(here(unit_text(name)))
    checked = subprocess.run(["systemd-analyze", "verify", "--man=no",  # noqa: S603, S607
                              str(tmp_path / instance)], capture_output=True, text=True,
                             timeout=60)
    problems = [line for line in checked.stderr.splitlines() if instance in line]
    assert problems == []


@pytest.mark.parametrize("name", UNITS)
def test_the_units_command_starts_with_the_sites_environment(name: str, tmp_path: Path,
                                                              redis_url: str) -> None:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "NEWSDESK_HOME": str(tmp_path),
           "NEWSDESK_BROKER_URL": redis_url, "NEWSDESK_QUEUE": f"newsdesk-test-{uuid.uuid4().hex}",
           "NEWSDESK_WORKER_CONCURRENCY": "1", "NEWSDESK_LOG_LEVEL": "INFO"}
    log = tmp_path / "out.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(["/bin/sh", "-c", exec_start(here(unit_text(name)))],  # noqa: S603
                                   cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while UNITS[name] not in log.read_text(errors="replace"):
            assert process.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.2)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)
    if name.startswith("newsdesk-worker"):
        assert "worker1@localhost" in log.read_text()
        assert "concurrency: 1 " in log.read_text()
