"""What a keymap may name: the workspace's binding ids and the key names Textual understands.

The ids live here (not in ``mhv.app``) so ``mhv config check`` can validate a keymap without
importing Textual; ``tests/ui/test_config_app.py`` checks they are exactly the app's binding ids.
"""

from __future__ import annotations

import unicodedata

BINDING_IDS: tuple[str, ...] = (
    "task.add", "task.open", "view.filter", "task.start", "task.complete", "task.edit", "task.priority",
    "task.tags", "task.delete", "edit.undo", "edit.redo", "app.help", "app.quit",
    "view.next", "view.today", "view.upcoming", "view.all", "view.blocked", "view.completed", "app.back",
    "view.sort", "view.graph", "view.graph_repo", "view.graph_all", "view.repos", "view.insights",
    "task.worktree", "view.waiting",
)  # fmt: skip

# Bindings of the panes and screens (the task list, the graph, dialogs): a keymap may rebind them too.
PANE_BINDING_IDS: tuple[str, ...] = (
    "list.up", "list.down", "list.top", "list.bottom", "list.page_up", "list.page_down",
    "views.up", "views.down", "quickadd.cancel", "detail.save", "detail.cancel",
    "graph.up", "graph.down", "graph.top", "graph.bottom", "graph.blocker", "graph.dependent",
    "graph.sibling_next", "graph.sibling_prev", "graph.open", "graph.add", "graph.remove",
    "graph.centre", "graph.scope", "graph.close", "help.close", "confirm.yes", "confirm.no",
    "prompt.cancel", "repos.close", "repos.refresh", "gates.cancel", "gates.hide",
)  # fmt: skip
ALL_BINDING_IDS: tuple[str, ...] = BINDING_IDS + PANE_BINDING_IDS

MODIFIERS = ("ctrl", "shift", "alt", "meta", "super", "hyper")
NAMED_KEYS = frozenset({
    "enter", "return", "tab", "escape", "space", "backspace", "delete", "insert", "home", "end",
    "pageup", "pagedown", "up", "down", "left", "right", *(f"f{n}" for n in range(1, 25)),
    # Textual's friendlier names for some characters (textual.keys.KEY_NAME_REPLACEMENTS)
    "slash", "backslash", "at", "minus", "plus", "underscore",
})  # fmt: skip

# For suggestions only: any Unicode character name is accepted (see key_problem).
PUNCTUATION_NAMES = frozenset({
    "question_mark", "slash", "backslash", "full_stop", "comma", "colon", "semicolon", "exclamation_mark",
    "quotation_mark", "apostrophe", "number_sign", "dollar_sign", "percent_sign", "ampersand", "asterisk",
    "equals_sign", "less_than_sign", "greater_than_sign",
    "left_square_bracket", "right_square_bracket", "circumflex_accent", "grave_accent",
    "left_curly_bracket", "right_curly_bracket", "vertical_line", "tilde",
})  # fmt: skip


def key_problem(key: str) -> tuple[str, str] | None:
    """None when ``key`` (one key, e.g. ``ctrl+x``) is a name Textual binds; else (what, suggestion)."""
    import difflib

    text = key.strip()
    if text == "+" or text.endswith("++"):  # "+" or "ctrl++": the key is "+" itself
        text = text[:-1] + "plus"
    *mods, name = text.split("+")
    for mod in mods:
        if mod.lower() not in MODIFIERS:
            near = difflib.get_close_matches(mod.lower(), MODIFIERS, n=1)
            return f"{mod!r} is not a modifier", (f"did you mean {near[0]!r}?" if near else "use ctrl, shift or alt")
    if not name:
        return "the key name is empty", 'write a key such as "x", "ctrl+x", "f5" or "enter"'
    if len(name) == 1 and name.isprintable():
        return None
    low = name.lower()
    if low in NAMED_KEYS:
        return None
    try:  # Textual names punctuation after its Unicode name: question_mark, full_stop, slash...
        char = unicodedata.lookup(low.replace("_", " "))
    except KeyError:
        char = ""
    if len(char) == 1 and char.isprintable():
        return None
    near = difflib.get_close_matches(low, sorted(NAMED_KEYS | PUNCTUATION_NAMES), n=1)
    hint = f"did you mean {near[0]!r}?" if near else 'use a single character or a name such as "enter", "f5", "slash"'
    return f"{name!r} is not a key name", hint
