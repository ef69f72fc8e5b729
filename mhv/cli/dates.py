"""Dates typed into command options: mhv/tasks/dates.py (the sync service reads them too, for the
one-shot commands it answers)."""

from mhv.tasks.dates import parse_when

__all__ = ["parse_when"]
