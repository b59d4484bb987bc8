"""Production settings pass Django's deploy check, as the README promises, with the shipped
deploy/newsdesk.env too (its proxy does the https redirect)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

DEPLOY_ENV = Path(__file__).resolve().parent.parent / "deploy" / "newsdesk.env"


def _deploy_check(tmp_path: Path, extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # As an operator's shell has it: none of the test run's own Django variables (the browser
    # tests set DJANGO_ALLOW_ASYNC_UNSAFE, which the deploy check rightly refuses).
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("NEWSDESK_", "DJANGO_")) and key != "DATABASE_URL"}
    env["NEWSDESK_BASE_URL"] = "https://www.example.org"  # required in production
    env.update(extra, NEWSDESK_ENV="production", NEWSDESK_HOME=str(tmp_path),
               NEWSDESK_SECRET_KEY=secrets.token_urlsafe(50))
    return subprocess.run(  # noqa: S603 - our own command line
        [sys.executable, "-m", "newsdesk.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, capture_output=True, text=True, timeout=120, check=False)


def _shipped_env() -> dict[str, str]:
    lines = (line.strip() for line in DEPLOY_ENV.read_text().splitlines())
    pairs = (line.split("=", 1) for line in lines if line and not line.startswith("#"))
    return {key: value for key, value in pairs
            if key not in {"NEWSDESK_HOME", "NEWSDESK_SECRET_KEY"}}


@pytest.mark.parametrize("extra", [{}, _shipped_env(), {"NEWSDESK_DEBUG": "true"}],
                         ids=["defaults", "deploy/newsdesk.env", "debug asked for"])
def test_production_settings_pass_the_deploy_check(tmp_path: Path, extra: dict[str, str]) -> None:
    done = _deploy_check(tmp_path, extra)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout
