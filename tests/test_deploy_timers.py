"""The single-machine units in deploy/ (no broker, no beat) run every job beat would schedule,
and each command they start works on a fresh site."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
VENV = Path(sys.executable).parent.parent
# Each job of the beat schedule, as the command a timer runs on a site without beat.
COMMANDS = {
    "newsdesk.sources.ingest_due_batch": "newsdesk ingest",
    "newsdesk.pressroom.publish_due": "newsdesk pressroom publish-due",
    "newsdesk.newsletter.send": "newsdesk newsletter send",
    "newsdesk.sources.alert_editors": "newsdesk alert_editors",
}


def _timed_commands() -> list[str]:
    """ExecStart commands of the services that deploy/'s timers start."""
    commands = []
    for timer in sorted(DEPLOY.glob("*.timer")):
        service = DEPLOY / timer.name.replace(".timer", ".service")
        commands += re.findall(r"^ExecStart=(.+)$", service.read_text(), flags=re.MULTILINE)
    return commands


def test_every_job_beat_schedules_has_a_timer() -> None:
    assert {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()} == set(COMMANDS)
    timed = [command.replace("/srv/newsdesk/.venv/bin/", "") for command in _timed_commands()]

    assert sorted(timed) == sorted(COMMANDS.values())


@pytest.mark.parametrize("command", _timed_commands())
def test_each_timed_command_works_on_a_fresh_site(command: str, tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("NEWSDESK_", "DJANGO_")) and key != "DATABASE_URL"}
    env.update(NEWSDESK_HOME=str(tmp_path), NEWSDESK_LOG_LEVEL="ERROR")
    newsdesk = command.split()[0].replace("/srv/newsdesk/.venv", str(VENV))
    subprocess.run([newsdesk, "migrate", "-v0"], env=env, check=True, timeout=120)  # noqa: S603

    done = subprocess.run([newsdesk, *command.split()[1:]], env=env,  # noqa: S603
                          capture_output=True, text=True, timeout=120, check=False)

    assert done.returncode == 0, done.stderr


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is missing")
@pytest.mark.parametrize("name", ["newsdesk-ingest", "newsdesk-mail"])
def test_systemd_accepts_the_timer_and_its_service(name: str, tmp_path: Path) -> None:
    for suffix in (".service", ".timer"):
        text = (DEPLOY / f"{name}{suffix}").read_text()
        here = text.replace("/srv/newsdesk/.venv", str(VENV)).replace("/srv/newsdesk", str(ROOT))
        (tmp_path / f"{name}{suffix}").write_text(here)
    checked = subprocess.run(["systemd-analyze", "verify", "--man=no",  # noqa: S603, S607
                              str(tmp_path / f"{name}.timer")], capture_output=True, text=True,
                             timeout=60)

    assert [line for line in checked.stderr.splitlines() if name in line] == []
