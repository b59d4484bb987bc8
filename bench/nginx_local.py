"""Run nginx on loopback with the project's own locations (deploy/nginx-newsdesk.conf).

The public server block of deploy/nginx.conf differs only in what a loopback run cannot have
(TLS certificates, the public name, log files under /var/log): the locations, the page-cache
rule and the headers are the deployed file itself, included unchanged.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parent.parent
SNIPPET = ROOT / "deploy" / "nginx-newsdesk.conf"
MIME_TYPES = Path("/etc/nginx/mime.types")


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, *, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing answers on 127.0.0.1:{port}")


@dataclass
class LocalNginx:
    """nginx in front of an application on 127.0.0.1:app_port, serving NEWSDESK_HOME `home`;
    with `plain_root`, a second server on plain_port serves that folder as plain files."""

    workdir: Path
    home: Path
    app_port: int
    plain_root: Path | None = None
    workers: int = 2
    port: int = field(default_factory=free_port)
    plain_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def config(self) -> str:
        user = "user root root;\n" if os.geteuid() == 0 else ""  # workers read pytest's 0700 dirs
        temp = "".join(f"    {kind}_temp_path {self.workdir / kind};\n"
                       for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        plain = ""
        if self.plain_root is not None:
            plain = f"""
    server {{
        listen 127.0.0.1:{self.plain_port};
        root {self.plain_root};
        charset utf-8;
        location / {{ try_files $uri $uri/index.html =404; }}
    }}"""
        return f"""{user}worker_processes {self.workers};
pid {self.workdir / "nginx.pid"};
error_log {self.workdir / "error.log"} warn;
events {{ worker_connections 4096; }}
http {{
    include {MIME_TYPES};
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
{temp}
    upstream newsdesk_app {{
        server 127.0.0.1:{self.app_port};
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{self.port};
        server_name _;
        set $newsdesk_home {self.home};
        set $newsdesk_hsts "";
        include {SNIPPET};
    }}{plain}
}}
"""

    def __enter__(self) -> LocalNginx:
        binary = nginx_binary()
        if binary is None:
            raise FileNotFoundError("nginx is not installed")
        self.workdir.mkdir(parents=True, exist_ok=True)
        conf = self.workdir / "nginx.conf"
        conf.write_text(self.config())
        check = subprocess.run([binary, "-t", "-p", str(self.workdir), "-c", str(conf)],  # noqa: S603
                               capture_output=True, text=True, check=False)
        if check.returncode != 0:
            raise RuntimeError(f"nginx rejects the configuration:\n{check.stderr}")
        self.process = subprocess.Popen(  # noqa: S603 - our binary, our arguments
            [binary, "-p", str(self.workdir), "-c", str(conf), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_for_port(self.port)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def plain_url(self) -> str:
        return f"http://127.0.0.1:{self.plain_port}"
