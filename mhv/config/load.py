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
from mhv.config.checks import (
    FILE_NAME,
    ConfigProblem,
    custom_problems,
    drop_key,
    key_lines,
    key_name,
    line_of,
)
from mhv.config.model import EXAMPLES, Config


def config_path(folder: Path | None = None) -> Path:
    return (folder or paths.config_dir()) / FILE_NAME


@dataclass(slots=True)
class LoadedConfig:
    config: Config
    path: Path
    problems: list[ConfigProblem] = field(default_factory=list)
    exists: bool = False


# ---------------------------------------------------------------------------------- checking
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


def _pydantic_problems(
    data: dict[str, Any], lines: dict[tuple[str, ...], int]
) -> list[tuple[tuple[str, ...], ConfigProblem]]:
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
            line = line_of(lines, loc)
            if err["type"] == "extra_forbidden":
                model = _model_at(loc)
                valid = sorted(model.model_fields) if model else []
                near = difflib.get_close_matches(loc[-1], valid, n=1, cutoff=0.6)
                table = f" in [{key_name(loc[:-1])}]" if len(loc) > 1 else ""
                fix = (
                    f'did you mean "{near[0]}"?'
                    if near
                    else "remove it, or check the spelling in docs/config.md"
                )
                out.append((loc, ConfigProblem(line, f'unknown key "{loc[-1]}"{table}',
                                               f"one of {', '.join(valid)}", fix)))  # fmt: skip
                continue
            example = EXAMPLES.get(_generic(loc)) or EXAMPLES.get(loc[0], "")
            fix = (
                f"write {key_name(loc)} = {example}"
                if example
                else f"change {key_name(loc)} to {_expected(err)}"
            )
            if (
                err["type"] == "value_error" and " || " in err["msg"]
            ):  # a model's own check: "expected || fix"
                expected_text, fix = err["msg"].removeprefix("Value error, ").split(" || ", 1)
                err = {**err, "msg": expected_text}
            value = err.get("input")
            got = f" = {_shown(value)}" if not isinstance(value, dict) else ""
            out.append(
                (
                    loc,
                    ConfigProblem(
                        line, f"{key_name(loc)}{got} has the wrong type or value", _expected(err), fix
                    ),
                )
            )
        return out
    return []


_TOML_AT = re.compile(r"\(at line (\d+), column (\d+)\)")


def check_text(
    text: str, folder: Path | None = None, *, file: str = FILE_NAME
) -> tuple[Config, list[ConfigProblem]]:
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
    for found in (custom_problems(data, lines, folder), _pydantic_problems(data, lines)):
        for loc, problem in found:
            problems.append(ConfigProblem(problem.line, problem.message, problem.expected, problem.fix, file))
            drop_key(data, loc)
    for _ in range(3):  # whatever is left must now validate; drop anything still wrong
        rest = _pydantic_problems(data, lines)
        if not rest:
            break
        for loc, _problem in rest:
            drop_key(data, loc)
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
