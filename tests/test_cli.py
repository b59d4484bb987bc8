"""The `newsdesk` command as an operator meets it: one readable line for a mistake, an exit code
that says how it went, never a traceback."""

from __future__ import annotations

import json
import secrets
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from tests.factories import RSS_TYPE, Item, rss
from tests.sources.test_ingest import NewsdeskCommand
from tests.support.httpserver import (
    LocalHTTPServer,
    RequestHandler,
    http_server_fixture,  # noqa: F401
)


@pytest.fixture
def newsdesk(tmp_path: Path) -> NewsdeskCommand:
    command = NewsdeskCommand(tmp_path / "home", NEWSDESK_LOG_LEVEL="ERROR")
    command("migrate", "-v0")
    return command


def _run(newsdesk: NewsdeskCommand, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*newsdesk.command, *args], env=newsdesk.env,  # noqa: S603
                          capture_output=True, text=True, timeout=60, check=False)


def test_ingesting_a_source_that_does_not_exist_says_so(newsdesk: NewsdeskCommand) -> None:
    done = _run(newsdesk, "ingest", "--source", "999")

    assert done.returncode == 1
    assert "No source has the id 999" in done.stderr
    assert "Traceback" not in done.stderr


def test_pagecache_warm_refuses_a_negative_count(newsdesk: NewsdeskCommand) -> None:
    done = _run(newsdesk, "pagecache", "warm", "--articles", "-1")

    assert done.returncode == 2
    assert "is not a whole number from 0 to" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("command", ["serve", "run"])
@pytest.mark.parametrize("port", ["99999", "0", "http"])
def test_serve_refuses_a_port_that_is_none_before_doing_anything(
    newsdesk: NewsdeskCommand, command: str, port: str
) -> None:
    done = _run(newsdesk, command, "--port", port)

    assert done.returncode == 2
    assert "Added source" not in done.stdout  # the demo did not start its work
    assert "is not a whole number from 1 to 65535" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(("args", "bounds"), [
    (("ingest", "--processes", "0"), "from 1 to 64"),
    (("ingest", "--processes", "-3"), "from 1 to 64"),
    (("worker", "--concurrency", "0"), "from 1 to 256"),
])
def test_a_count_of_processes_that_is_none_is_refused(newsdesk: NewsdeskCommand,
                                                      args: tuple[str, ...], bounds: str) -> None:
    done = _run(newsdesk, *args)

    assert done.returncode == 2
    assert f"is not a whole number {bounds}" in done.stderr and "Traceback" not in done.stderr


def test_extract_as_json_says_how_each_field_was_found(newsdesk: NewsdeskCommand,
                                                       tmp_path: Path) -> None:
    page = tmp_path / "notes.html"
    paragraphs = "".join(
        f"<p>Notice {n}: the harbour office will answer letters about moorings on Monday "
        "mornings from now on, the harbour master said.</p>" for n in range(4))
    page.write_text(
        '<html lang="en"><head><meta property="og:title" content="Harbour notes"></head><body>'
        f"<article><h1>Harbour notes</h1>{paragraphs}<div class='callout'>Boat owners may write "
        f"to the office until the end of the month.</div>{paragraphs}</article></body></html>")
    done = _run(newsdesk, "extract", "https://harbour.example/notes", "--from-file", str(page),
                "--format", "json")

    assert done.returncode == 0, done.stderr
    fields = json.loads(done.stdout)["fields"]
    assert fields["title"] == {"value": "Harbour notes", "how": ["og:title"]}
    assert "Boat owners may write" in fields["body_html"]["value"]
    assert fields["body_html"]["how"] == ["1 among the paragraphs read as paragraphs",
                                          "trafilatura"]


def test_output_cut_short_by_its_reader_ends_quietly(newsdesk: NewsdeskCommand,
                                                     tmp_path: Path) -> None:
    page = tmp_path / "long.html"
    page.write_text("<html><body><article><h1>Harbour notes</h1>" + "".join(
        f"<p>Notice {n}: the harbour office will answer letters about moorings on Monday "
        "mornings from now on, the harbour master said.</p>" for n in range(3000))
        + "</article></body></html>")
    reader = subprocess.Popen(  # noqa: S603 - `newsdesk extract ... | head -c 10`
        [*newsdesk.command, "extract", "https://harbour.example/notes", "--from-file", str(page)],
        env=newsdesk.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert reader.stdout is not None and reader.stderr is not None
    reader.stdout.read(10)
    reader.stdout.close()
    errors = reader.stderr.read().decode()
    reader.wait(timeout=60)

    assert "Traceback" not in errors and "BrokenPipeError" not in errors


def test_ctrl_c_during_ingest_frees_what_it_claimed_and_says_so(
    newsdesk: NewsdeskCommand, http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    def slow(request: RequestHandler) -> None:
        if request.pause(30):
            request.send_plain(200, RSS_TYPE, rss([Item(title="Late", link="https://a.example/1")]))

    for n in range(3):
        http_server.routes[f"/feed{n}.xml"] = (200, RSS_TYPE, rss([]))
        newsdesk("source", "add", http_server.url(f"/feed{n}.xml"), "--name", f"Feed {n}")
        http_server.routes[f"/feed{n}.xml"] = slow  # added: from now on it hangs
    running = subprocess.Popen([*newsdesk.command, "ingest"], env=newsdesk.env,  # noqa: S603
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(2)
    running.send_signal(signal.SIGINT)
    started = time.monotonic()
    out, errors = running.communicate(timeout=60)

    assert running.returncode == 130
    assert "Interrupted" in errors and "Traceback" not in errors
    assert time.monotonic() - started < 5  # it does not wait out the feeds' 20 s deadline
    db = sqlite3.connect(tmp_path / "home" / "db.sqlite3")
    assert db.execute("SELECT count(*) FROM sources_source WHERE lease_owner != ''"
                      ).fetchone() == (0,)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie is gone, only not yet reaped


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_a_multi_process_ingest_stops_its_workers_and_frees_its_claims(
    newsdesk: NewsdeskCommand, http_server: LocalHTTPServer, tmp_path: Path, signum: int
) -> None:
    def slow(request: RequestHandler) -> None:
        if request.pause(30):
            request.send_plain(200, RSS_TYPE, rss([]))

    for n in range(40):  # enough for worker processes (32 at least)
        http_server.routes[f"/feed{n}.xml"] = slow
    feeds = [http_server.url(f"/feed{n}.xml") for n in range(40)]
    newsdesk("shell", "-c", "from newsdesk.sources.models import Source; "
             f"Source.objects.bulk_create(Source(feed_url=u, name=u) for u in {feeds!r})")
    running = subprocess.Popen([*newsdesk.command, "ingest", "--processes", "2"],  # noqa: S603
                               env=newsdesk.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    deadline = time.monotonic() + 20
    while not (workers := _children(running.pid)):
        assert time.monotonic() < deadline, "no worker process started"
        time.sleep(0.2)
    time.sleep(1)

    running.send_signal(signum)  # to the parent alone, as a supervisor or `kill` sends it
    out, errors = running.communicate(timeout=30)

    assert running.returncode == 130, errors
    assert "Traceback" not in errors
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers):
        assert time.monotonic() < deadline, "a worker process outlived the run"
        time.sleep(0.2)
    db = sqlite3.connect(tmp_path / "home" / "db.sqlite3")
    assert db.execute("SELECT count(*) FROM sources_source WHERE lease_owner != ''"
                      ).fetchone() == (0,)


@pytest.mark.parametrize("minutes", ["-5", "1", "100000"])
def test_a_polling_interval_out_of_the_desks_bounds_is_refused(
    newsdesk: NewsdeskCommand, http_server: LocalHTTPServer, minutes: str
) -> None:
    http_server.routes["/feed.xml"] = (200, RSS_TYPE, rss([]))

    done = _run(newsdesk, "source", "add", http_server.url("/feed.xml"), "--poll-minutes", minutes)

    assert done.returncode == 2
    assert "is not a whole number from 5 to 10080" in done.stderr
    assert "Traceback" not in done.stderr and "Added source" not in done.stdout


def test_source_list_tells_a_source_not_yet_polled_from_a_healthy_one(
    newsdesk: NewsdeskCommand, http_server: LocalHTTPServer
) -> None:
    http_server.routes["/feed.xml"] = (200, RSS_TYPE, rss([]))
    newsdesk("source", "add", http_server.url("/feed.xml"), "--name", "Quay Notes")

    before = newsdesk("source", "list").stdout
    newsdesk("ingest")
    after = newsdesk("source", "list").stdout

    assert before.rstrip("\n").endswith("\tnot polled yet")
    assert after.rstrip("\n").endswith("\tok")


def test_the_url_of_an_article_waiting_for_review_comes_with_a_warning(
    newsdesk: NewsdeskCommand, http_server: LocalHTTPServer
) -> None:
    http_server.routes["/feed.xml"] = (200, RSS_TYPE, rss([Item(
        title="Quay works", guid="q-1", link="https://harbour.example/quay",
        description="<p>The quay works begin on Monday, the harbour office said.</p>")]))
    newsdesk("source", "add", http_server.url("/feed.xml"), "--publish", "review",
             "--content", "excerpt")
    newsdesk("ingest")

    done = _run(newsdesk, "article", "url", "1")

    assert done.returncode == 0
    assert done.stdout.strip().endswith("/news/quay-works/")
    assert "waiting for review" in done.stderr.lower()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.parametrize("option", ["--port", "--publisher-port"])
def test_the_demo_on_a_port_in_use_says_so_before_starting(newsdesk: NewsdeskCommand,
                                                           option: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        ports = {"--port": str(_free_port()), "--publisher-port": str(_free_port()), option: port}

        done = _run(newsdesk, "run", *(part for pair in ports.items() for part in pair))

    assert done.returncode == 1
    assert f"Port {port} on 127.0.0.1 is in use: choose another with {option}." in done.stderr
    assert "The demo site" not in done.stdout and "Traceback" not in done.stderr


def test_the_demo_links_to_its_own_port_and_stops_whole_on_sigterm(
    newsdesk: NewsdeskCommand,
) -> None:
    port, publisher_port = _free_port(), _free_port()
    demo = subprocess.Popen(  # noqa: S603 - our own command line
        [*newsdesk.command, "run", "--port", str(port), "--publisher-port", str(publisher_port)],
        env=newsdesk.env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert demo.stdout is not None
        while "The demo site" not in (line := demo.stdout.readline()):
            assert line, "the demo stopped before it served"
        deadline = time.monotonic() + 60
        while not _answers(port):
            assert time.monotonic() < deadline, "the site never answered"
            time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/feeds/rss/", timeout=30) as feed:
            assert f"http://127.0.0.1:{port}/news/".encode() in feed.read()

        demo.send_signal(signal.SIGTERM)  # as systemd or a container runtime stops it
        demo.wait(timeout=30)
        deadline = time.monotonic() + 15
        while _answers(port):  # the site server went with it
            assert time.monotonic() < deadline, "the site server outlived the demo"
            time.sleep(0.2)
    finally:
        if demo.poll() is None:
            demo.kill()


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("NEWSDESK_INGEST_PROCESSES", "abc", "NEWSDESK_INGEST_PROCESSES must be a whole number"),
    ("NEWSDESK_FETCH_TIMEOUT", "20s", "NEWSDESK_FETCH_TIMEOUT must be a number"),
    ("NEWSDESK_FETCH_TIMEOUT", "-1", "NEWSDESK_FETCH_TIMEOUT must be a number above 0, not '-1'"),
    ("NEWSDESK_HOST_CONCURRENCY", "0", "NEWSDESK_HOST_CONCURRENCY must be a whole number, 1 or"),
    ("NEWSDESK_WORKERS", "three", "NEWSDESK_WORKERS must be a whole number"),
    ("NEWSDESK_WORKERS", "0", "NEWSDESK_WORKERS must be a whole number, 1 or more, not '0'"),
    ("NEWSDESK_LOG_LEVEL", "loud", "NEWSDESK_LOG_LEVEL must be DEBUG, INFO"),
    ("NEWSDESK_ENV", "production", "NEWSDESK_SECRET_KEY must be set"),
    ("NEWSDESK_PAGE_CACHE", "ture", "NEWSDESK_PAGE_CACHE must be true or false, not 'ture'"),
    ("NEWSDESK_TIME_ZONE", "Paris", "NEWSDESK_TIME_ZONE must be a time zone such as"),
    ("DATABASE_URL", "postgress://u:secret@db/newsdesk", "DATABASE_URL must be a database URL"),
    ("NEWSDESK_SMTP_URL", "smtp+ssl://u:secret@mail.example:465",
     "NEWSDESK_SMTP_URL must start smtp://, smtp+tls:// (STARTTLS) or smtps:// (TLS), not 'smtp+"),
    ("NEWSDESK_SMTP_RATE_LIMITS", "*=50,gmail.com", "NEWSDESK_SMTP_RATE_LIMITS must be domain="),
    ("NEWSDESK_BASE_URL", "www.example.org", "NEWSDESK_BASE_URL must be an http:// or https://"),
    ("NEWSDESK_REDIS_URL", "127.0.0.1:6379", "NEWSDESK_REDIS_URL must start redis://"),
    ("NEWSDESK_FROM_EMAIL", "newsroom", "NEWSDESK_FROM_EMAIL must be one address, e.g."),
    ("NEWSDESK_FROM_EMAIL", "News, Views <a@example.org>", "NEWSDESK_FROM_EMAIL must be one"),
    ("NEWSDESK_ENV", "prod", "NEWSDESK_ENV must be development or production, not 'prod'"),
])
def test_a_mistyped_setting_is_named_in_one_line(tmp_path: Path, variable: str, value: str,
                                                 message: str) -> None:
    command = NewsdeskCommand(tmp_path / "home", **{variable: value})

    done = _run(command, "ingest")

    assert done.returncode == 2
    assert done.stderr.startswith(f"newsdesk: {message}")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "u:secret@" not in done.stderr  # a URL's password stays out of the logs


def test_production_refuses_the_example_secret_key_of_the_deploy_folder(tmp_path: Path) -> None:
    shipped = (Path(__file__).parent.parent / "deploy" / "newsdesk.env").read_text()
    example = shipped.split("NEWSDESK_SECRET_KEY=", 1)[1].split("\n", 1)[0]
    command = NewsdeskCommand(tmp_path / "home", NEWSDESK_ENV="production",
                              NEWSDESK_SECRET_KEY=example)

    done = _run(command, "ingest")

    assert done.returncode == 2
    assert done.stderr.startswith("newsdesk: NEWSDESK_SECRET_KEY is still deploy/newsdesk.env's")


def test_a_mistyped_network_allowed_to_the_fetcher_is_named(tmp_path: Path) -> None:
    command = NewsdeskCommand(tmp_path / "home")
    command.env["NEWSDESK_FETCH_ALLOW_PRIVATE"] = "127.0.0.1,10.0.0.0/33"

    done = _run(command, "ingest")

    assert done.returncode == 2
    assert done.stderr == ("newsdesk: NEWSDESK_FETCH_ALLOW_PRIVATE: '10.0.0.0/33' is not a network "
                           "such as 10.0.0.0/8\n")


def test_a_site_name_with_a_comma_is_the_senders_name_whole(tmp_path: Path) -> None:
    command = NewsdeskCommand(tmp_path / "home", NEWSDESK_SITE_NAME="Harbour News, Views",
                              NEWSDESK_SITE_DOMAIN="harbour.example")

    done = command("shell", "-v0", "-c", "from email.utils import getaddresses; "
                   "from django.conf import settings; "
                   "print(getaddresses([settings.DEFAULT_FROM_EMAIL]))")

    assert done.stdout.strip() == "[('Harbour News, Views', 'newsroom@harbour.example')]"


def test_variables_set_empty_take_their_defaults(tmp_path: Path) -> None:
    command = NewsdeskCommand(tmp_path / "unused")
    command.env.update(NEWSDESK_HOME="", NEWSDESK_ENV="", NEWSDESK_TIME_ZONE="")

    done = subprocess.run([*command.command, "migrate", "-v0"], env=command.env,  # noqa: S603
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)

    assert done.returncode == 0, done.stderr
    assert (tmp_path / "var" / "db.sqlite3").exists()  # ./var, not the folder itself
    assert not (tmp_path / "db.sqlite3").exists()


def test_production_asks_for_the_sites_public_address(tmp_path: Path) -> None:
    command = NewsdeskCommand(tmp_path / "home", NEWSDESK_ENV="production",
                              NEWSDESK_SECRET_KEY=secrets.token_urlsafe(50))

    done = _run(command, "ingest")

    assert done.returncode == 2
    assert done.stderr.startswith("newsdesk: NEWSDESK_BASE_URL must be set when NEWSDESK_ENV=")


def test_production_credits_and_mails_as_the_host_of_its_base_url(tmp_path: Path) -> None:
    command = NewsdeskCommand(tmp_path / "home", NEWSDESK_ENV="production",
                              NEWSDESK_SECRET_KEY=secrets.token_urlsafe(50),
                              NEWSDESK_BASE_URL="https://www.harbour.example",
                              NEWSDESK_SITE_NAME="Harbour News")

    done = command("shell", "-v0", "-c", "from django.conf import settings; "
                   "print(settings.SITE_DOMAIN, settings.DEFAULT_FROM_EMAIL, sep='|')")

    assert done.stdout.strip() == "www.harbour.example|Harbour News <newsroom@www.harbour.example>"


def test_a_home_that_cannot_be_made_is_named_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")

    done = _run(NewsdeskCommand(tmp_path / "file" / "home"), "source", "list")

    assert done.returncode == 2
    assert done.stderr == (f"newsdesk: NEWSDESK_HOME {tmp_path / 'file' / 'home'} cannot be used: "
                           "Not a directory\n")


@pytest.mark.parametrize("args", [("source", "list"), ("article", "list"), ("ingest",)])
def test_a_database_not_yet_migrated_asks_for_migrate(tmp_path: Path, args: tuple[str, ...]
                                                      ) -> None:
    done = _run(NewsdeskCommand(tmp_path / "home"), *args)

    assert done.returncode == 1
    assert done.stderr.startswith(f"newsdesk: the database {tmp_path / 'home' / 'db.sqlite3'} "
                                  "is not set up for this version")
    assert done.stderr.endswith("run 'newsdesk migrate'\n") and "Traceback" not in done.stderr


def test_serve_on_a_database_not_yet_migrated_asks_for_migrate(tmp_path: Path) -> None:
    done = _run(NewsdeskCommand(tmp_path / "home"), "serve", "--port", str(_free_port()))

    assert done.returncode == 1
    assert "run 'newsdesk migrate' first" in done.stderr and "Serving" not in done.stdout


def test_a_database_that_does_not_answer_is_one_line(tmp_path: Path) -> None:
    command = NewsdeskCommand(tmp_path / "home",
                              DATABASE_URL=f"postgres://newsdesk@127.0.0.1:{_free_port()}/none")

    done = _run(command, "source", "list")

    assert done.returncode == 1
    assert done.stderr.startswith("newsdesk: the database cannot be used: connection failed")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_ingest_names_a_failed_source_once(tmp_path: Path, http_server: LocalHTTPServer) -> None:
    newsdesk = NewsdeskCommand(tmp_path / "home", NEWSDESK_LOG_LEVEL="INFO")  # the default
    newsdesk("migrate", "-v0")
    http_server.routes["/feed.xml"] = (200, RSS_TYPE, rss([]))
    newsdesk("source", "add", http_server.url("/feed.xml"), "--name", "Quay Notes")
    del http_server.routes["/feed.xml"]  # the feed is gone: 404

    done = _run(newsdesk, "ingest", "--all")

    assert done.stderr.count("404 Not Found") == 1, done.stderr  # not again as a log line
    assert "Quay Notes: The server answered 404" in done.stderr
