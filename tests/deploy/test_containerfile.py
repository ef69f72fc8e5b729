"""deploy/Containerfile and .dockerignore, checked without a container engine (none here).

The file is parsed by the `dockerfile` package, which wraps BuildKit's own Go parser (so a lexical
error the real build would hit fails here too: a bad continuation, heredoc or ENV). That parser is no
linter, so the properties the deployment relies on are checked here on the parsed instructions, and
each check is shown to fail on a broken copy of the file.
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

import pytest

dockerfile = pytest.importorskip("dockerfile")

ROOT = Path(__file__).resolve().parents[2]
CONTAINERFILE = ROOT / "deploy" / "Containerfile"
PORT = "8787"


def _stages(commands: list) -> list[list]:
    stages: list[list] = []
    for c in commands:
        if c.cmd == "FROM":
            stages.append([c])
        elif stages:
            stages[-1].append(c)
    return stages


def _ignored(path: str, patterns: list[str]) -> bool:
    """.dockerignore semantics for the patterns used here: the last matching pattern wins, `!` re-includes,
    a pattern matching a folder covers what is inside it."""
    ignored = False
    parts = path.strip("/").split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for raw in patterns:
        negate = raw.startswith("!")
        pattern = raw[1:] if negate else raw
        pattern = pattern.strip("/").removeprefix("**/")
        if any(
            fnmatch.fnmatchcase(p, pattern) or fnmatch.fnmatchcase(p.split("/")[-1], pattern)
            for p in prefixes
        ):
            ignored = not negate
    return ignored


def problems(text: str, ignore_text: str) -> list[str]:
    """What is wrong with a Containerfile for the mhv deployment (empty: nothing)."""
    try:
        commands = list(dockerfile.parse_string(text))
    except dockerfile.GoParseError as exc:
        return [f"does not parse: {exc}"]
    found: list[str] = [f"line {c.start_line}: {c.cmd} without arguments" for c in commands if not c.value]
    if found:
        return found
    args = {}
    for c in commands:
        if c.cmd == "ARG" and "=" in c.value[0]:
            key, _, value = c.value[0].partition("=")
            args[key] = value
    stages = _stages(commands)
    if len(stages) < 2:
        found.append("not multi-stage: build and runtime should be separate stages")
        if not stages:
            return found
    names = []
    for stage in stages:
        image = re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)), stage[0].value[0])
        tag = image.rsplit("/", 1)[-1]
        if (":" not in tag and "@" not in tag) or tag.endswith(":latest"):
            found.append(f"base image {image!r} is not pinned to a tag or digest")
        names.append(stage[0].value[2].lower() if len(stage[0].value) == 3 else None)
    final = stages[-1]
    users = [c.value[0] for c in final if c.cmd == "USER"]
    if not users:
        found.append("the runtime stage never switches to an unprivileged USER")
    elif users[-1].split(":")[0] in ("root", "0"):
        found.append("the runtime stage runs as root")
    elif not users[-1].split(":")[0].isdigit():
        found.append("USER should be numeric so Kubernetes can verify runAsNonRoot")
    copies_from = [
        f.split("=", 1)[1].lower()
        for c in final
        if c.cmd == "COPY"
        for f in c.flags
        if f.startswith("--from=")
    ]
    if not copies_from or not set(copies_from) <= {n for n in names[:-1] if n}:
        found.append("the runtime stage should COPY --from=<an earlier stage> (only the built venv)")
    if any(c.cmd == "RUN" and re.search(r"\bpip install\b", c.value[0]) for c in final):
        found.append("the runtime stage installs packages: build them in the build stage")
    entry = [c for c in final if c.cmd == "ENTRYPOINT"]
    cmd = [c for c in final if c.cmd == "CMD"]
    argv = [*(entry[-1].value if entry else ()), *(cmd[-1].value if cmd else ())]
    if not all(c.json for c in (entry[-1:] + cmd[-1:])):
        found.append("ENTRYPOINT/CMD should be exec form (JSON) so signals reach mhv serve")
    if (
        argv[:2] != ["mhv", "serve"]
        or "--host" not in argv
        or argv[argv.index("--host") + 1 :][:1] != ["0.0.0.0"]
    ):
        found.append(f"the container should run `mhv serve --host 0.0.0.0`, not {argv}")
    health = [c for c in final if c.cmd == "HEALTHCHECK"]
    if not health:
        found.append("no HEALTHCHECK")
    elif "/healthz" not in " ".join(health[-1].value) or f":{PORT}/" not in " ".join(health[-1].value):
        found.append(f"the HEALTHCHECK should ask http://127.0.0.1:{PORT}/healthz")
    if PORT not in [v for c in final if c.cmd == "EXPOSE" for v in c.value]:
        found.append(f"EXPOSE {PORT} is missing")
    env = {}
    for c in final:
        if c.cmd == "ENV":
            env.update(dict(zip(c.value[::2], c.value[1::2], strict=True)))
    if not env.get("MHV_HOME", "").startswith("/"):
        found.append("MHV_HOME is not set to an absolute path (the only writable place on a read-only root)")
    if any(c.cmd == "ADD" for c in commands):
        found.append("ADD fetches or unpacks implicitly: use COPY")
    patterns = [
        line.strip() for line in ignore_text.splitlines() if line.strip() and not line.startswith("#")
    ]
    for c in commands:
        if c.cmd == "COPY" and not any(f.startswith("--from=") for f in c.flags):
            for source in c.value[:-1]:
                if not (ROOT / source).exists():
                    found.append(f"COPY {source}: no such file in the repository")
                elif _ignored(source, patterns):
                    found.append(f"COPY {source}: excluded from the build context by .dockerignore")
    return found


def _text() -> str:
    return CONTAINERFILE.read_text()


def _ignore() -> str:
    return (ROOT / ".dockerignore").read_text()


def test_containerfile_has_what_the_deployment_needs():
    assert problems(_text(), _ignore()) == []


def test_dockerignore_keeps_local_state_out_of_the_build_context():
    patterns = [line.strip() for line in _ignore().splitlines() if line.strip() and not line.startswith("#")]
    for path in (".venv", ".git", "tests", "snapshots", "docs", "mhv/__pycache__", "mhv.egg-info", ".env"):
        assert _ignored(path, patterns), path
    for path in ("pyproject.toml", "README.md", "mhv", "mhv/store/db.py"):
        assert not _ignored(path, patterns), path


BROKEN = {
    "syntax": lambda t: t.replace(
        "ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1", "ENV PIP_NO_CACHE_DIR"
    ),
    "empty from": lambda t: t.replace("FROM ${PYTHON_IMAGE} AS runtime", "FROM"),
    "single stage": lambda t: t[t.index("FROM ${PYTHON_IMAGE} AS runtime") :].replace(
        "COPY --from=build", "COPY"
    ),
    "root": lambda t: t.replace("USER 10001:10001", "USER root"),
    "no user": lambda t: t.replace("USER 10001:10001\n", ""),
    "latest": lambda t: t.replace("python:3.11-slim-bookworm", "python:latest"),
    "shell form": lambda t: t.replace('CMD ["serve", "--host", "0.0.0.0"]', "CMD serve --host 0.0.0.0"),
    "loopback": lambda t: t.replace('"0.0.0.0"]', '"127.0.0.1"]'),
    "no healthcheck": lambda t: re.sub(r"HEALTHCHECK.*?\n  CMD .*?\n", "", t, flags=re.S),
    "wrong health path": lambda t: t.replace("/healthz", "/"),
    "no expose": lambda t: t.replace("EXPOSE 8787\n", ""),
    "no home": lambda t: t.replace("MHV_HOME=/var/lib/mhv", "MHV_X=1"),
    "ignored source": lambda t: t.replace("COPY mhv ./mhv", "COPY tests ./tests"),
    "add": lambda t: t.replace("COPY mhv ./mhv", "ADD mhv ./mhv"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_containerfile_fails_the_check(name):
    broken = BROKEN[name](_text())
    assert broken != _text(), "the mutation did not apply: update it with the Containerfile"
    assert problems(broken, _ignore()), name
