"""Hypothesis against a real `mhv serve`: arbitrary webhook bodies and headers never get a 500, and a
rejected request (any 4xx/5xx) stores nothing."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.sync.serving import GITLAB_TOKEN, Served, github_headers, start

pytestmark = pytest.mark.slow

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=20,
)
# Objects shaped like forge payloads (known keys, any values) reach the mapping code, not just the parser.
shaped = st.fixed_dictionaries(
    {},
    optional={
        "action": st.sampled_from(["opened", "closed", "edited", "labeled", "deleted", "transferred", "created"]) | json_values,
        "issue": st.fixed_dictionaries({}, optional={"number": st.integers(-3, 10**13) | json_values, "title": json_values,
                                                     "labels": json_values, "body": json_values}),
        "pull_request": json_values, "repository": st.fixed_dictionaries({}, optional={"full_name": json_values}),
        "commits": json_values, "ref": json_values, "changes": json_values, "object_kind": json_values,
        "object_attributes": json_values, "project": json_values,
    },
)  # fmt: skip
bodies = st.one_of(
    st.binary(max_size=200),
    json_values.map(lambda v: json.dumps(v).encode()),
    shaped.map(lambda v: json.dumps(v).encode()),
)
header_text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40).map(str.strip)


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Served, str]]:
    folder = Path(tempfile.mkdtemp(prefix="mhv-h-", dir="/tmp"))
    server = start(folder / "home")
    yield server, f"sqlite:///{folder / 'home' / 'data' / 'mhv.db'}"
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


def deliveries(url: str) -> int:
    from mhv.store import open_store

    store = open_store(url)
    try:
        with store.read() as conn:
            return int(conn.scalar("SELECT COUNT(*) FROM webhook_delivery"))
    finally:
        store.close()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies, event=st.sampled_from(["issues", "pull_request", "push", "issue_comment", "ping", "x"]) | header_text,
       delivery=header_text, sign=st.booleans(), extra=st.dictionaries(header_text.filter(lambda h: h.isalnum() and h),
                                                                         header_text, max_size=3))  # fmt: skip
def test_github_endpoint_never_fails_and_rejects_cleanly(
    served: tuple[Served, str], body: bytes, event: str, delivery: str, sign: bool, extra: dict[str, str]
) -> None:
    server, url = served
    headers = extra | github_headers(body, event, delivery)
    if not sign:
        headers["X-Hub-Signature-256"] = "sha256=" + "ab" * 32
    before = deliveries(url)
    r = httpx.post(server.url + "/webhooks/github", content=body, headers=headers, timeout=30)
    assert r.status_code < 500, r.text
    assert "error" in r.json() or "outcome" in r.json()
    if (r.status_code >= 400 and r.status_code != 422) or not sign:
        assert deliveries(url) == before  # refused: nothing stored
    if r.status_code == 422 and r.json().get("error"):
        assert deliveries(url) == before  # a payload its event cannot be read from: nothing stored


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies, event=st.sampled_from(["Issue Hook", "Merge Request Hook", "Push Hook", "Note Hook"]) | header_text,
       uuid=header_text, token=st.sampled_from([GITLAB_TOKEN, "wrong", ""]))  # fmt: skip
def test_gitlab_endpoint_never_fails_and_rejects_cleanly(
    served: tuple[Served, str], body: bytes, event: str, uuid: str, token: str
) -> None:
    server, url = served
    headers = {"Content-Type": "application/json", "X-Gitlab-Event": event, "X-Gitlab-Event-UUID": uuid,
               "X-Gitlab-Token": token}  # fmt: skip
    before = deliveries(url)
    r = httpx.post(server.url + "/webhooks/gitlab", content=body, headers=headers, timeout=30)
    assert r.status_code < 500, r.text
    if token != GITLAB_TOKEN or (r.status_code >= 400 and r.json().get("error")):
        assert deliveries(url) == before
