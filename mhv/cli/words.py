"""Reading a task out of plain words: ``#tag`` and ``@repo`` lifted out, the rest is the title."""

from __future__ import annotations


def split_words(words: list[str]) -> tuple[str, list[str], str | None]:
    title, tags, repo = [], [], None
    for w in words:
        for part in w.split(" ") if " " in w and len(words) == 1 else [w]:
            if part.startswith("#") and len(part) > 1 and not part[1:].isdigit():
                tags.append(part[1:])
            elif part.startswith("@") and len(part) > 1:
                repo = part[1:]
            else:
                title.append(part)
    return " ".join(title), tags, repo
