"""Read and check ``config.toml``: every problem with its line, what was expected and a fix.

A bad file never stops mhv: ``load_config`` drops what is wrong, keeps the rest, and returns the
problems for the caller to show (the app as a warning, ``mhv config check`` as a list and exit 1).
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic import ValidationError as PydanticError

from mhv import paths
from mhv.config.keys import ALL_BINDING_IDS, key_problem
from mhv.config.model import EXAMPLES, Config
from mhv.config.themes import theme_names

FILE_NAME = "config.toml"


def config_path(folder: Path | None = None) -> Path:
    return (folder or paths.config_dir()) / FILE_NAME


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    line: int | None
    message: str  # what is wrong, naming the key
    expected: str = ""
    fix: str = ""
    file: str = FILE_NAME

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{where}: {self.message}"
        if self.expected:
            text += f"; expected {self.expected}"
        if self.fix:
            text += f". Fix: {self.fix}"
        return text


@dataclass(slots=True)
class LoadedConfig:
    config: Config
    path: Path
    problems: list[ConfigProblem] = field(default_factory=list)
    exists: bool = False


# ---------------------------------------------------------------------------------- line numbers
_TABLE = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*((?:"[^"]*"|'[^']*'|[A-Za-z0-9_\-]+)(?:\s*\.\s*(?:"[^"]*"|'[^']*'|[A-Za-z0-9_\-]+))*)\s*=""")
_PART = re.compile(r"""\s*("[^"]*"|'[^']*'|[A-Za-z0-9_\-]+)\s*""")


def _dotted(text: str) -> tuple[str, ...]:
    return tuple(p.strip("\"'") for p in _PART.findall(text))


def key_lines(text: str) -> dict[tuple[str, ...], int]:
    """(table..., key...) -> line number, for tables and keys written one per line."""
    lines: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    for n, line in enumerate(text.splitlines(), start=1):
        if m := _TABLE.match(line):
            table = _dotted(m.group(1))
            lines.setdefault(table, n)
        elif m := _KEY.match(line):
            lines.setdefault(table + _dotted(m.group(1)), n)
    return lines


def _line_of(lines: dict[tuple[str, ...], int], loc: tuple[str, ...]) -> int | None:
    for end in range(len(loc), 0, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


# ---------------------------------------------------------------------------------- checking
def _name(loc: tuple[str, ...]) -> str:
    return ".".join(f'"{p}"' if "." in p or " " in p else p for p in loc)


def _model_at(loc: tuple[str, ...]) -> type[BaseModel] | None:
    """The model whose fields the key at ``loc`` belongs to (None inside free-form tables)."""
    from typing import get_args, get_origin

    model: type[BaseModel] | None = Config
    parts = list(loc[:-1])
    while parts:
        part = parts.pop(0)
        if model is None or part not in model.model_fields:
            return None
        annotation = model.model_fields[part].annotation
        if get_origin(annotation) is dict and parts:  # [repos.NAME]: skip the free-form name
            parts.pop(0)
            annotation = get_args(annotation)[1]
        model = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    return model


def _generic(loc: tuple[str, ...]) -> str:
    """The dotted key without its free-form names: repos.acb.gates.tests.timeout -> repos.gates.timeout."""
    parts = list(loc)
    if parts[:1] == ["repos"] and len(parts) > 1:
        del parts[1]
        if parts[1:2] == ["gates"] and len(parts) > 2:
            del parts[2]
    return ".".join(parts)


def _expected(err: Any) -> str:
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind == "literal_error":
        return f"one of {ctx.get('expected', '')}"
    return {
        "string_type": "a string in double quotes", "int_type": "a whole number", "float_type": "a number",
        "bool_type": "true or false", "list_type": "a list like [\"a\", \"b\"]", "dict_type": "a table",
        "model_type": "a table", "greater_than_equal": f"a number >= {ctx.get('ge')}",
        "less_than_equal": f"a number <= {ctx.get('le')}", "greater_than": f"a number > {ctx.get('gt')}",
        "value_error": err["msg"].removeprefix("Value error, "),
    }.get(kind, err["msg"].lower())  # fmt: skip


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    return repr(value)


def _drop(data: dict[str, Any], loc: tuple[str, ...]) -> None:
    node: Any = data
    for part in loc[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            return
    if isinstance(node, dict):
        node.pop(loc[-1], None)


def _pydantic_problems(data: dict[str, Any], lines: dict[tuple[str, ...], int]) -> list[tuple[tuple[str, ...], ConfigProblem]]:
    try:
        Config.model_validate(data)
    except PydanticError as exc:
        out = []
        for err in exc.errors():
            loc = tuple(str(p) for p in err["loc"])
            # a list element or the value of a free-form table: report the whole key
            if err["type"] != "extra_forbidden":
                while loc and loc[-1].isdigit():
                    loc = loc[:-1]
            line = _line_of(lines, loc)
            if err["type"] == "extra_forbidden":
                model = _model_at(loc)
                valid = sorted(model.model_fields) if model else []
                near = difflib.get_close_matches(loc[-1], valid, n=1, cutoff=0.6)
                table = f" in [{_name(loc[:-1])}]" if len(loc) > 1 else ""
                fix = f'did you mean "{near[0]}"?' if near else "remove it, or check the spelling in docs/config.md"
                out.append((loc, ConfigProblem(line, f'unknown key "{loc[-1]}"{table}',
                                               f"one of {', '.join(valid)}", fix)))  # fmt: skip
                continue
            example = EXAMPLES.get(_generic(loc)) or EXAMPLES.get(loc[0], "")
            fix = f"write {_name(loc)} = {example}" if example else f"change {_name(loc)} to {_expected(err)}"
            if err["type"] == "value_error" and " || " in err["msg"]:  # a model's own check: "expected || fix"
                expected_text, fix = err["msg"].removeprefix("Value error, ").split(" || ", 1)
                err = {**err, "msg": expected_text}
            value = err.get("input")
            got = f" = {_shown(value)}" if not isinstance(value, dict) else ""
            out.append((loc, ConfigProblem(line, f"{_name(loc)}{got} has the wrong type or value", _expected(err), fix)))
        return out
    return []


def _custom_problems(data: dict[str, Any], lines: dict[tuple[str, ...], int],
                     folder: Path) -> list[tuple[tuple[str, ...], ConfigProblem]]:  # fmt: skip
    out: list[tuple[tuple[str, ...], ConfigProblem]] = []
    keymap = data.get("keymap")
    if isinstance(keymap, dict):
        for binding_id, keys in keymap.items():
            loc: tuple[str, ...] = ("keymap", binding_id)
            line = _line_of(lines, loc)
            if binding_id not in ALL_BINDING_IDS:
                near = difflib.get_close_matches(binding_id, ALL_BINDING_IDS, n=1, cutoff=0.6)
                fix = f'did you mean "{near[0]}"?' if near else "press ? in mhv to see every key with its id"
                out.append((loc, ConfigProblem(line, f'unknown binding id "{binding_id}" in [keymap]',
                                               "an id from the help screen, e.g. task.complete", fix)))  # fmt: skip
                continue
            if not isinstance(keys, str):
                continue  # the type check reports it
            for key in keys.split(","):
                bad = key_problem(key)
                if bad is not None:
                    what, hint = bad
                    out.append((loc, ConfigProblem(line, f'[keymap] "{binding_id}" = "{keys}": {what}',
                                                   'keys like "x", "ctrl+x", "f5" or "enter", several separated by commas',
                                                   hint)))  # fmt: skip
                    break
    for loc in (("theme",), ("tui", "theme")):
        node: Any = data
        for part in loc:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, str):
            names = theme_names(folder / "themes")
            if node not in names:
                near = difflib.get_close_matches(node, names, n=1, cutoff=0.5)
                fix = f'did you mean "{near[0]}"?' if near else f"add {folder / 'themes' / (node + '.toml')} or pick a listed theme"
                shown = ", ".join(names[: len(names) - 21]) + ", or a Textual theme (nord, gruvbox, dracula, ...)"
                out.append((loc, ConfigProblem(_line_of(lines, loc), f'{_name(loc)} = "{node}" is not a known theme',
                                               shown, fix)))  # fmt: skip
    aliases = data.get("aliases")
    if isinstance(aliases, dict):
        for name, expansion in aliases.items():
            if isinstance(expansion, str) and (not name or " " in name or not expansion.strip()):
                out.append((("aliases", name), ConfigProblem(
                    _line_of(lines, ("aliases", name)), f'alias "{name}" = "{expansion}" cannot be used',
                    "one word = a command line, e.g. bl = \"tl --status blocked\"", "give it a one-word name and a command")))  # fmt: skip
    return out


_TOML_AT = re.compile(r"\(at line (\d+), column (\d+)\)")


def check_text(text: str, folder: Path | None = None, *, file: str = FILE_NAME) -> tuple[Config, list[ConfigProblem]]:
    """The config ``text`` describes (what is wrong left at its default) and its problems."""
    folder = folder or paths.config_dir()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = _TOML_AT.search(msg)
        line = int(m.group(1)) if m else (len(text.splitlines()) or None)  # "at end of document"
        what = _TOML_AT.sub("", msg).strip()
        problem = ConfigProblem(line, f"not valid TOML: {what}" + (f" (column {m.group(2)})" if m else ""),
                                'key = value lines, strings in double quotes, [tables] on their own line',
                                "correct that line; until then mhv uses the defaults", file)  # fmt: skip
        return Config(), [problem]
    lines = key_lines(text)
    problems: list[ConfigProblem] = []
    for found in (_custom_problems(data, lines, folder), _pydantic_problems(data, lines)):
        for loc, problem in found:
            problems.append(ConfigProblem(problem.line, problem.message, problem.expected, problem.fix, file))
            _drop(data, loc)
    for _ in range(3):  # whatever is left must now validate; drop anything still wrong
        rest = _pydantic_problems(data, lines)
        if not rest:
            break
        for loc, _problem in rest:
            _drop(data, loc)
    try:
        config = Config.model_validate(data)
    except PydanticError:
        config = Config()
    problems.sort(key=lambda p: p.line or 0)
    return config, problems


def load_config(folder: Path | None = None) -> LoadedConfig:
    """Read ``<folder>/config.toml`` (the config folder by default); a missing file means defaults."""
    folder = folder or paths.config_dir()
    path = config_path(folder)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return LoadedConfig(Config(), path)
    except (OSError, UnicodeDecodeError) as exc:
        return LoadedConfig(Config(), path, [ConfigProblem(None, f"cannot read the file: {exc}", "",
                                                           "check its permissions and that it is UTF-8 text")], True)  # fmt: skip
    config, problems = check_text(text, folder)
    return LoadedConfig(config, path, problems, True)
