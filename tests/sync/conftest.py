"""Fixtures for the sync service tests: short socket folders (a Unix socket path must fit in 107
bytes, and pytest's temporary paths can be longer) and a line-based client over the real socket."""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def sock_dir() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="mhv-t-", dir="/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


class LineClient:
    """A client of the newline-delimited JSON-RPC socket, as a script would write it."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self._ids = 0
        self.notes: list[Any] = []  # notifications that arrived while waiting for a response

    @classmethod
    async def connect(cls, path: Path | str) -> LineClient:
        reader, writer = await asyncio.open_unix_connection(str(path), limit=64 << 20)
        return cls(reader, writer)

    async def send_bytes(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def line(self, timeout: float = 10.0) -> bytes:
        return await asyncio.wait_for(self.reader.readline(), timeout)

    async def message(self, timeout: float = 10.0) -> Any:
        raw = await self.line(timeout)
        assert raw.endswith(b"\n"), f"connection closed: {raw!r}"
        return json.loads(raw)

    async def call(self, method: str, params: Any = None, **kw: Any) -> Any:
        """Send a request; return its response (skipping notifications that arrive first)."""
        self._ids += 1
        req: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "id": self._ids}
        if params is not None:
            req["params"] = params
        await self.send_bytes(json.dumps(req).encode() + b"\n")
        while True:
            msg = await self.message(**kw)
            if "id" in msg and msg["id"] == self._ids:
                return msg
            if "id" not in msg:
                self.notes.append(msg)

    async def result(self, method: str, params: Any = None) -> Any:
        msg = await self.call(method, params)
        assert "error" not in msg, msg
        return msg["result"]

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await self.writer.wait_closed()
