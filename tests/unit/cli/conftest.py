"""The CLI tests run `mhv` in-process: ``mhv("tc", "…")`` returns (exit code, stdout, stderr).

``way`` (``direct`` / ``service``): a test that takes it runs twice, once on the direct path and once
with a real `mhv serve` (its JSON-RPC socket) on the test's MHV_HOME, so the one-shot commands that go
through the service (`tc`, `tu`, `td`, `tl`, `show`, `next`, `ts`) are held to the direct path's tests.
"""

from __future__ import annotations

import os
import signal
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mhv.cli.entry import main


@pytest.fixture
def mhv(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    def run(*args: str) -> tuple[int, str, str]:
        code = 0
        try:
            main(list(args))
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return run


class Service:
    """A real `mhv serve` (tests/sync/serving.py) on this MHV_HOME: HTTP on a free port, and the
    JSON-RPC socket the CLI looks for."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.served = None

    def start(self, **kwargs: object) -> None:
        from tests.sync import serving

        env = {"MHV_DATABASE_URL": os.environ.get("MHV_DATABASE_URL", "")}
        self.served = serving.start(self.home, env=env, **kwargs)  # type: ignore[arg-type]
        assert self.served.socket == str(self.home / "run" / "mhv.sock"), self.served.socket

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.served is not None:
            if sig == signal.SIGKILL:
                self.served.proc.kill()
                self.served.proc.wait(30)
            else:
                self.served.stop(sig)
        self.served = None


def served(home: Path) -> bool:
    """Whether something accepts connections on the CLI's socket."""
    path = home / "run" / "mhv.sock"
    if not path.exists():
        return False
    with socket.socket(socket.AF_UNIX) as s:
        try:
            s.connect(str(path))
        except OSError:
            return False
    return True


@pytest.fixture(params=["direct", "service"])
def way(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The path the one-shot commands take: ``direct``, or through a real running ``service``."""
    home = Path(os.environ["MHV_HOME"])
    monkeypatch.delenv("MHV_NO_SERVICE", raising=False)
    service = Service(home)
    if request.param == "service":
        service.start()
    try:
        yield request.param
        assert served(home) == (request.param == "service")  # nothing stopped or started it meanwhile
    finally:
        service.stop()
