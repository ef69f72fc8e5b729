"""The thin client (`next` through the service) and the direct path read config.toml by one rule
(mhv/cli/config_rules.py): the same file gives the thin client the coefficients the direct path
uses, and a file the direct path refuses (MHV-301) sends the thin client to it (None)."""

from __future__ import annotations

import pytest

from mhv.cli import thin
from mhv.cli.config_file import urgency_overrides
from mhv.errors import ValidationError

FILES = {
    "tables": b"[urgency]\ndue = 12.0\n[urgency.tag]\nnext = 15\n",
    "dotted": b'[urgency]\n"repo.infra" = 2\n',
    "no urgency": b"week_start = 'monday'\n",
    "crlf": b"[urgency]\r\ndue = 3\r\n",
    "not a table": b"urgency = 3\n",
    "not TOML": b"[urgency\n",
    "not UTF-8": b"[urgency]\ndue = 1 # \xff\n",
}


@pytest.mark.parametrize("name", [*FILES, "no file", "a folder"])
def test_the_thin_client_reads_config_toml_as_the_direct_path_does(tmp_path, monkeypatch, name):
    monkeypatch.setenv("MHV_HOME", str(tmp_path))
    path = tmp_path / "config.toml"
    if name == "a folder":
        path.mkdir()
    elif name != "no file":
        path.write_bytes(FILES[name])
    try:
        direct = urgency_overrides()
    except ValidationError as err:
        assert err.code == "MHV-301"
        direct = None
    assert thin._urgency_overrides() == direct
    assert (direct is None) == (name in ("not a table", "not TOML", "not UTF-8", "a folder"))
