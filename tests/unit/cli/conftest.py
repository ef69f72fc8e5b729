"""The CLI tests run `mhv` in-process: ``mhv("tc", "…")`` returns (exit code, stdout, stderr)."""

from __future__ import annotations

from collections.abc import Callable

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
