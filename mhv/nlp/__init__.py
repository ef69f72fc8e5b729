"""Text -> Parse: intents, entities, dates, recurrence, confidence. Pure Python, no I/O.

    >>> from datetime import datetime, timezone
    >>> p = parse("fix flaky auth test @crackerjack tomorrow 5pm p1 #ci ~2h after #41",
    ...           now=datetime(2025, 11, 26, 10, 0, tzinfo=timezone.utc), known_repos=["crackerjack"])
    >>> p.title, p.due_date.isoformat(), p.priority, p.tags, p.estimate_minutes, p.depends_on
    ('fix flaky auth test', '2025-11-27', 'critical', ['ci'], 120, [41])

The language is documented in docs/nlp.md. Importing this package loads the standard library only.
"""

from mhv.nlp.model import Entity, Intent, Parse, ParseSettings
from mhv.nlp.parser import parse

__all__ = ["Entity", "Intent", "Parse", "ParseSettings", "parse"]
