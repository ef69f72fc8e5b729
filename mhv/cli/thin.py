"""The thin client: `mhv tc WORDS`, `tu N WORDS`, `td N...`, `tl`, `show N`, `next` and `ts WORDS`
sent to a running sync service before anything else is imported. This module and what it loads on
the way to the answer (``_socket``, ``json``, mhv/cli/forms.py, for the writes mhv/cli/render.py and
output.py, for `next` mhv/cli/config_rules.py, and tomllib when there is a config.toml) import no
``typing``, ``dataclasses``, ``pathlib``, ``socket`` (its ``enum``) or ``datetime``: through the
service a one-shot command costs the interpreter's start-up, one request and its answer.

`run` returns False when it did not print the command's result: no service, a form it does not read
(help, ``--json`` lists, ``--batch``, any option before the command, a config.toml the fast path
would refuse), or an answer that says ``{"direct": why}``. Then mhv/cli/entry.py goes on as before,
and a method the service already declined or could not take is not sent again in that invocation
(`declined`, read by mhv/cli/remote.py): the fast path runs it directly, with the same output. `td`
with several tasks returns the ones the service completed before it handed one back (a quality gate,
a worktree), and mhv/cli/entry.py passes them to the fast path, which goes on from there. Errors from the service are
printed as the full path prints them, with the same exit codes.
"""

from __future__ import annotations

import os
import sys
import time

from mhv.cli.output import use_color
from mhv.tasks.client_env import RICH_ENV

TYPE_CHECKING = False  # typing is ~2 ms of start-up
if TYPE_CHECKING:
    from typing import Any

CONNECT_TIMEOUT = 0.25  # a Unix socket connects at once or not at all; this only bounds a stuck server
REPLY_TIMEOUT = 120.0

declined: set[str] = set()  # methods the service declined (or did not take) in this invocation


def socket_path() -> str:
    """Where the service listens (mhv/sync/context.py binds it): ``$MHV_HOME/run/mhv.sock``, or
    ``run/mhv.sock`` in platformdirs' data folder for mhv."""
    home = os.environ.get("MHV_HOME")
    if home:
        return os.path.join(os.path.expanduser(home), "run", "mhv.sock")
    from mhv import paths

    return str(paths.run_dir() / "mhv.sock")


def guessed_socket_path() -> str | None:
    """`socket_path` without MHV_HOME, in the common cases, without importing platformdirs, pathlib
    and what they load (~9 ms of CPU, a third of `tc` through the service): an absolute HOME and
    ``$XDG_DATA_HOME`` (when absolute) or ``~/.local/share`` on Linux; ``~/Library/Application
    Support`` on macOS with no XDG variable. None otherwise. A guess that does not connect is
    followed by the exact path (`exchange`), so a wrong guess costs time, not a wrong answer;
    tests/unit/cli/test_thin_paths.py holds it to platformdirs."""
    if os.environ.get("MHV_HOME"):
        return None
    home = os.environ.get("HOME", "")
    if not home.startswith("/"):
        return None
    home = home.rstrip("/")
    if sys.platform.startswith("linux"):
        xdg = os.environ.get("XDG_DATA_HOME", "")
        base = xdg if xdg.startswith("/") else home + "/.local/share"
    elif sys.platform == "darwin" and "XDG_DATA_HOME" not in os.environ:
        base = home + "/Library/Application Support"
    else:
        return None
    return base + "/mhv/run/mhv.sock"


def actor() -> str:
    """The actor the direct path records (TaskService's default), so history reads the same."""
    return os.environ.get("MHV_ACTOR") or os.environ.get("USER") or "mhv"


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _columns(fallback: int = 120) -> int:
    """``shutil.get_terminal_size((120, 24)).columns`` without importing shutil (~2 ms)."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    try:
        lines = int(os.environ["LINES"])
    except (KeyError, ValueError):
        lines = 0
    if columns <= 0 or lines <= 0:
        try:
            size = os.get_terminal_size(sys.__stdout__.fileno())  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            size = os.terminal_size((fallback, 24))
        if columns <= 0:
            columns = size.columns or fallback
    return columns


def _now_utc() -> str:
    """``datetime.now(UTC).isoformat()`` without importing datetime."""
    micros = time.time_ns() // 1000
    secs, us = divmod(micros, 1_000_000)
    t = time.gmtime(secs)
    text = f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}"
    return text + (f".{us:06d}" if us else "") + "+00:00"


def client_json(*, rich: bool = False) -> dict[str, Any]:
    """What the view needs to print as this process would (mhv/tasks/views/client.py reads it)."""
    data: dict[str, Any] = {
        "now": _now_utc(),
        "tz": os.environ.get("TZ"),
        "columns": _columns(),
        "color": use_color(),
        "color_err": use_color(sys.stderr),
    }
    if rich:  # as rich.console.Console would see this process's stdout
        size = None
        for fd in (0, 1, 2):
            try:
                size = list(os.get_terminal_size(fd))
            except (AttributeError, ValueError, OSError):
                continue
            break
        data["term"] = {
            "env": {k: os.environ[k] for k in RICH_ENV if k in os.environ},
            "isatty": _isatty(sys.stdout),
            "size": size,
            "encoding": getattr(sys.stdout, "encoding", None) or "utf-8",
        }
    if "MHV_EMBED_MODEL_DIR" in os.environ:  # search: the service must use the same model
        data["model_dir"] = os.environ["MHV_EMBED_MODEL_DIR"]
    return data


def exchange(method: str, params: dict[str, Any]) -> tuple[str, Any]:
    """One JSON-RPC request on the service's socket. Returns ``("result", value)``, ``("error", (data,
    message))`` for an mhv error, ``("unavailable", why)`` when nothing was sent or the service refused
    the request, or ``("lost", why)`` when the request was sent and no usable answer came back."""
    import _socket
    import json

    guess = guessed_socket_path()
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        sock.settimeout(CONNECT_TIMEOUT)
        try:
            sock.connect(guess or socket_path())
        except OSError as exc:  # FileNotFoundError, ConnectionRefusedError, timeout, path too long
            exact = socket_path() if guess else None
            if exact is None or exact == guess:
                return "unavailable", str(exc)
            sock.close()
            sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
            sock.settimeout(CONNECT_TIMEOUT)
            try:
                sock.connect(exact)
            except OSError as again:
                return "unavailable", str(again)
        request = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
        try:
            sock.sendall(json.dumps(request).encode() + b"\n")
        except OSError as exc:
            return "unavailable", str(exc)
        sock.settimeout(REPLY_TIMEOUT)
        chunks: list[bytes] = []
        while True:
            try:
                chunk = sock.recv(1 << 20)
            except OSError as exc:
                return "lost", f"the service stopped answering ({exc})"
            if not chunk:
                return "lost", "the service closed the connection before answering"
            end = chunk.find(b"\n")
            if end >= 0:
                chunks.append(chunk[:end])
                break
            chunks.append(chunk)
    finally:
        sock.close()
    try:
        reply = json.loads(b"".join(chunks))
    except ValueError:
        return "lost", "the service sent an unreadable answer"
    if not isinstance(reply, dict) or reply.get("id") != 1:
        return "lost", "the service sent an answer to another request"
    error = reply.get("error")
    if error is None:
        return "result", reply.get("result")
    if isinstance(error, dict) and error.get("code") == -32000:
        return "error", (error.get("data"), str(error.get("message", "")))
    return "unavailable", f"the service refused the request: {error}"


def _urgency_overrides() -> dict[str, Any] | None:
    """config.toml's ``[urgency]`` coefficients for `next`, found and read by the rule
    mhv/cli/config_file.py follows (mhv/cli/config_rules.py); None for a file it would refuse (the
    fast path then says why)."""
    from mhv.cli.config_rules import REFUSED, config_path, config_stat, parse_config, urgency_table

    path = config_path()
    if config_stat(path) is None:
        return {}
    try:  # the whole file, even with no [urgency]: one the fast path refuses goes there
        return urgency_table(parse_config(path))
    except REFUSED:
        return None


def _fail(kind: str, value: Any, as_json: bool) -> None:
    """An mhv error from the service, or a write whose answer was lost: printed as the full path
    prints it, with its exit code."""
    from mhv.cli import remote
    from mhv.cli.output import print_error

    err = remote.error_from(*value) if kind == "error" else remote.lost_error(value)
    print_error(err, as_json=as_json)
    sys.exit(err.exit_code)


def _complete(refs: list[str], as_json: bool) -> bool | list[dict[str, Any]]:
    """`td N...`: each task completed by the service (True). When it hands one back (gates, a
    worktree) or is gone: the tasks it completed before (maybe none), for the fast path to go on."""
    done: list[dict[str, Any]] = []
    for ref in refs:
        kind, value = exchange("cli.complete", {"ref": ref, "actor": actor()})
        if kind == "result" and isinstance(value, dict) and "direct" not in value:
            done.append(value)
            continue
        if kind in ("result", "unavailable"):
            declined.add("cli.complete")
            return done
        _fail(kind, value, as_json)
    from mhv.cli.output import Output
    from mhv.cli.render import print_completed

    print_completed(Output(json=as_json), done)
    return True


def run(argv: list[str]) -> bool | list[dict[str, Any]]:
    """Print what ``mhv ARGV`` prints if the service answers it (True); False: the caller goes on as
    before; a list (`td`, handed back): the tasks the service completed already, in the order of the
    command's words, which the caller passes on (`mhv.cli.fast.try_fast`'s ``done``)."""
    declined.clear()
    if not argv or os.environ.get("MHV_NO_SERVICE"):
        return False
    cmd = argv[0]
    if cmd in ("tc", "tu", "td"):  # the fast path's plain forms: words and --json
        from mhv.cli.forms import plain_words, update_words

        parsed = plain_words(argv[1:])
        if parsed is None:
            return False
        words, as_json = parsed
        write = True
        if cmd == "tc":
            if not words:
                return False
            method = "cli.create"
            text = words[0] if len(words) == 1 else " ".join(words)
            params: dict[str, Any] = {"text": text, "actor": actor()}
        elif cmd == "tu":
            if len(words) < 2:
                return False
            method = "cli.update"
            params = {"ref": words[0], "words": update_words(words[1:]), "actor": actor()}
        else:
            if not (words and all(w.lstrip("#").isdigit() for w in words)):
                return False
            return _complete(words, as_json)
    elif cmd in ("tl", "show", "ts", "next"):
        from mhv.cli.forms import read_args

        found = read_args(argv)
        if found is None:
            return False
        method, args = found
        as_json, write = bool(args.get("json")), False
        if method == "cli.list" and as_json:
            return False  # runs directly (mhv/cli/reads.py says why)
        if method == "cli.next":  # this process's config.toml coefficients, as the fast path sends them
            urgency = _urgency_overrides()
            if urgency is None:
                return False
            args["urgency"] = urgency
        params = {"args": args, "client": client_json(rich=method == "cli.show")}
    else:
        return False
    kind, value = exchange(method, params)
    if kind == "result" and isinstance(value, dict):
        if write and "direct" not in value:
            from mhv.cli.output import Output
            from mhv.cli.render import print_outcome

            print_outcome(Output(json=as_json), value)
            return True
        if not write and isinstance(value.get("stdout"), str):
            if value.get("stderr"):
                sys.stderr.write(value["stderr"])
                sys.stderr.flush()
            sys.stdout.write(value["stdout"])
            return True
    if kind in ("result", "unavailable") or (kind == "lost" and not write):
        declined.add(method)
        return False
    _fail(kind, value, as_json)
    return False  # not reached: _fail exits
