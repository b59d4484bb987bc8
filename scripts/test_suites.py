"""Run every test suite `make test` promises, and say which ones were skipped and why.

1. The embedded default: SQLite, jobs in-process (always).
2. The same suite on PostgreSQL, when a server answers at NEWSDESK_TEST_POSTGRES
   (default postgres://postgres@127.0.0.1:5432/newsdesk).
3. The scale tests (tests/scale/: Celery workers, per-host politeness across processes), which
   need Redis at NEWSDESK_TEST_REDIS (default redis://127.0.0.1:6379/15) and, for the workers,
   the PostgreSQL suite.
Browser tests need Debian's chromium (/usr/bin/chromium); without it they are skipped with a reason.
Under CI (CI=true) a missing PostgreSQL, Redis or chromium fails the run instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile

import psycopg
import redis

POSTGRES_URL = os.environ.get(
    "NEWSDESK_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432/newsdesk"
)
REDIS_URL = os.environ.get("NEWSDESK_TEST_REDIS", "redis://127.0.0.1:6379/15")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def postgres_reason() -> str:
    """'' when PostgreSQL answers, else why not."""
    admin_url = POSTGRES_URL.rsplit("/", 1)[0] + "/postgres"
    try:
        with psycopg.connect(admin_url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return f"PostgreSQL at {admin_url} did not answer ({str(exc).strip().splitlines()[0]})"
    return ""


def redis_reason() -> str:
    """'' when Redis answers, else why not."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        return f"Redis at {REDIS_URL} did not answer ({exc})"
    return ""


def run(label: str, extra_env: dict[str, str], args: list[str]) -> int:
    print(f"\n=== {label} ===", flush=True)
    with tempfile.TemporaryDirectory(prefix="newsdesk-test-") as home:
        env = {**os.environ, "NEWSDESK_HOME": home, **extra_env}
        env.pop("DATABASE_URL", None) if "DATABASE_URL" not in extra_env else None
        return subprocess.call([sys.executable, "-m", "pytest", *args], env=env)  # noqa: S603


def main() -> int:
    args = sys.argv[1:] or ["-q"]
    skipped: list[str] = []
    failures = 0
    if not shutil.which("chromium") and not os.path.exists("/usr/bin/chromium"):
        if IN_CI:
            print(
                "chromium is missing: install it with `apt-get install chromium`.", file=sys.stderr
            )
            return 1
        skipped.append("browser tests: no chromium (install Debian's `chromium` package)")

    redis_missing = redis_reason()
    if redis_missing:
        if IN_CI:
            print(f"FAIL: {redis_missing}", file=sys.stderr)
            return 1
        skipped.append(f"Redis-backed scale tests (tests/scale): {redis_missing}")
    reason = postgres_reason()
    if reason and IN_CI:
        print(f"FAIL: {reason}", file=sys.stderr)
        return 1

    ran = 1
    failures += run("embedded default: SQLite", {"NEWSDESK_TEST_REDIS": REDIS_URL}, args) != 0

    if reason:
        skipped.append(f"PostgreSQL suite, with the Celery worker tests: {reason}")
    else:
        ran += 1
        env = {"DATABASE_URL": POSTGRES_URL, "NEWSDESK_TEST_REDIS": REDIS_URL}
        failures += run("PostgreSQL", env, [*args, "-m", "not browser"]) != 0

    print()
    for line in skipped:
        print(f"skipped: {line}")
    print(f"suites: {ran - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
