"""The Pydantic-free update path (`_simple_patch`) agrees with the model on every input it takes, and
hands everything else to the model (which then reports it)."""

from __future__ import annotations

from typing import Any

import pytest

from mhv.errors import ValidationError
from mhv.tasks.service_parts.writes import _simple_patch
from mhv.tasks.validation import validate_patch

TAKEN: list[dict[str, Any]] = [
    {"worktree_path": "/w/api/mhv-1-x", "branch": "mhv-1-x", "metadata": {"worktree": {"base": "main"}}},
    {"worktree_path": None},
    {"gate_status": "failed"},
    {"branch": "b" * 300},
    {"metadata": {}},
]
LEFT: list[dict[str, Any]] = [
    {},
    {"title": "x"},
    {"branch": " padded "},
    {"branch": "b" * 301},
    {"gate_status": "green"},
    {"gate_status": None},
    {"worktree_path": 3},
    {"metadata": {1: "x"}},
    {"metadata": "x"},
]


@pytest.mark.parametrize("changes", TAKEN)
def test_same_fields_as_the_model(changes: dict[str, Any]) -> None:
    assert _simple_patch(changes) == validate_patch(changes).model_dump(exclude_unset=True)


@pytest.mark.parametrize("changes", LEFT)
def test_anything_else_goes_to_the_model(changes: dict[str, Any]) -> None:
    assert _simple_patch(changes) is None


def test_a_bad_value_is_still_reported(service) -> None:  # type: ignore[no-untyped-def]
    task = service.create({"title": "t"})
    with pytest.raises(ValidationError, match="gate_status"):
        service.update(task.id, {"gate_status": "green"})
    assert service.update(task.id, {"branch": "  feature  "}).branch == "feature"
