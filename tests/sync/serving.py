"""A real `mhv serve` in a subprocess on a free loopback port (port 0: the server binds and prints it),
with its own MHV_HOME, for the HTTP/WebSocket tests and the benchmark."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.faketime import faked_env

GITHUB_SECRET = "gh-test-secret"
GITLAB_TOKEN = "gl-test-token"
WS_TOKEN = "ws-test-token"
BANNER = re.compile(r"listening on (http://[^\s]+) \(socket ([^)]+)\)")


@dataclass
class Served:
    proc: subprocess.Popen[bytes]
    url: str
    home: Path
    log: Path
    socket: str

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/ws"

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
            raise AssertionError(f"mhv serve did not stop on {sig}:\n{self.log_text()[-3000:]}") from None


def start(home: Path, *, database_url: str | None = None, env: dict[str, str] | None = None,
          faketime: str | None = None, args: tuple[str, ...] = (), name: str = "serve",
          timeout: float = 60) -> Served:  # fmt: skip
    home.mkdir(parents=True, exist_ok=True)
    full = {k: v for k, v in os.environ.items() if not k.startswith("MHV_")}
    full |= {"MHV_HOME": str(home), "MHV_GITHUB_SECRET": GITHUB_SECRET, "MHV_GITLAB_TOKEN": GITLAB_TOKEN,
             "MHV_WS_TOKEN": WS_TOKEN, "TZ": "UTC", "PYTHONUNBUFFERED": "1"}  # fmt: skip
    if database_url:
        full["MHV_DATABASE_URL"] = database_url
    full |= env or {}
    full = {k: v for k, v in full.items() if v != ""}
    argv = [sys.executable, "-m", "mhv", "serve", "--host", "127.0.0.1", "--port", "0", *args]
    if faketime:
        full = faked_env(faketime, full)
    log = home / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, env=full, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text(encoding="utf-8", errors="replace")
        found = BANNER.search(text)
        if found:
            return Served(proc, found.group(1), home, log, found.group(2))
        if proc.poll() is not None:
            raise AssertionError(f"mhv serve exited with {proc.returncode}:\n{text[-3000:]}")
        time.sleep(0.05)
    proc.kill()
    raise AssertionError(f"mhv serve did not start:\n{log.read_text(errors='replace')[-3000:]}")


def github_headers(body: bytes, event: str, delivery: str, secret: str = GITHUB_SECRET) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
        "User-Agent": "GitHub-Hookshot/test",
    }


def signed(payload: Any) -> bytes:
    return json.dumps(payload).encode()
