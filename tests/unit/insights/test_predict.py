"""Predictions: not enough history says so; sparse groups lean on broader ones; intervals, quantiles
and Monte Carlo dates keep their order (Hypothesis); the adjusted Next order flags likely misses."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mhv.insights import history
from mhv.insights.forecast import forecast
from mhv.insights.history import Record
from mhv.insights.order import adjust
from mhv.insights.predict import MIN_SIMILAR, Model, quantiles

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


def rec(number: int, minutes: float | None, *, repo: str = "api", tags: tuple[str, ...] = ("db",),
        created: datetime | None = None, estimate: int | None = None, blocked: bool = False,
        title: str = "task", lead: float | None = None) -> Record:  # fmt: skip
    created = created or T0 + timedelta(hours=number)
    r = Record(str(number), number, title, "completed" if minutes is not None else "pending", "medium", repo,
               list(tags), None, estimate, None, created, None, None)  # fmt: skip
    if minutes is not None:
        r.in_progress = minutes
        r.lead = lead if lead is not None else minutes * 3
        r.started = created
        r.completed = created + timedelta(minutes=r.lead)
    r.ever_blocked = blocked
    return r


def test_no_history_says_so(service: Any) -> None:
    t = service.create({"title": "first task ever", "repo": "api"})
    model = Model(history.load(service))
    p = model.predict(next(r for r in history.load(service) if r.number == t.number))
    assert p.duration is None and p.lead is None and p.blocker_risk is None
    assert "not enough history" in p.notes[0] and str(MIN_SIMILAR) in p.notes[0]
    assert p.to_json()["duration"] is None


def test_sparse_group_is_shrunk_toward_the_broader_one() -> None:
    # 40 tasks of repo api take 60 min; 2 of repo web took 600 min: too few to trust alone.
    done = [rec(i, 60.0) for i in range(40)] + [rec(100 + i, 600.0, repo="web") for i in range(2)]
    model = Model(done, calibrate=False)
    web = model.predict(rec(200, None, repo="web"))
    api = model.predict(rec(201, None, repo="api"))
    assert api.duration is not None and web.duration is not None
    assert math.isclose(api.duration.minutes, 60.0, rel_tol=1e-6)
    assert 60.0 < web.duration.minutes < 600.0  # pulled toward 60, not the 2-task median
    assert "all finished tasks" in web.duration.based_on  # the group it rests on: web has 2 < MIN


def test_bigger_group_gets_more_weight() -> None:
    base = [rec(i, 60.0, repo="other") for i in range(40)]
    few = Model(base + [rec(100 + i, 600.0, repo="web") for i in range(3)], calibrate=False)
    many = Model(base + [rec(100 + i, 600.0, repo="web") for i in range(60)], calibrate=False)
    d_few = few.predict(rec(500, None, repo="web")).duration
    d_many = many.predict(rec(500, None, repo="web")).duration
    assert d_few is not None and d_many is not None
    assert d_few.minutes < d_many.minutes <= 600.0
    assert d_many.based_on == "repo web, #db, medium priority, unassigned (60 tasks)"


def test_estimate_times_velocity() -> None:
    # Every task took twice its estimate; a new 100-minute estimate should predict about 200.
    done = [rec(i, 2.0 * (10 + i), estimate=10 + i, tags=(f"t{i}",), repo=f"r{i}") for i in range(60)]
    model = Model(done, calibrate=False)
    d = model.predict(rec(500, None, estimate=100, repo="new", tags=("new",))).duration
    assert d is not None
    assert 150 < d.minutes < 260
    assert "velocity" in d.based_on


def test_similar_titles_are_used() -> None:
    done = [rec(i, 30.0, title=f"tidy readme section {i}", tags=()) for i in range(10)]
    done += [rec(50 + i, 900.0, title=f"rewrite scheduler core {i}", tags=()) for i in range(10)]
    done += [rec(100 + i, 120.0, title=f"misc {i}", tags=()) for i in range(40)]
    model = Model(done, calibrate=False)
    p = model.predict(rec(500, None, title="rewrite scheduler locking", tags=()))
    assert p.duration is not None and p.duration.minutes > 300
    assert "similar tasks" in p.duration.based_on
    assert set(p.duration.similar) <= set(range(50, 60))


def test_blocker_risk_from_history_and_graph() -> None:
    done = [rec(i, 60.0, repo="infra", blocked=i % 2 == 0) for i in range(40)]
    done += [rec(100 + i, 60.0, repo="docs") for i in range(40)]
    model = Model(done, calibrate=False)
    infra, docs = (
        model.blocker_risk(rec(500, None, repo="infra")),
        model.blocker_risk(rec(501, None, repo="docs")),
    )
    assert infra[0] is not None and docs[0] is not None and infra[0] > 0.35 > docs[0]
    assert model.blocker_risk(rec(502, None, repo="docs"), graph_blocked=True)[0] == 1.0


def test_open_task_already_older_than_the_prediction() -> None:
    done = [rec(i, 60.0, lead=120.0) for i in range(40)]
    model = Model(done, calibrate=False)
    old = rec(500, None, created=T0)
    p = model.predict(old, now=T0 + timedelta(days=3))
    assert p.lead is not None and p.lead.low >= 3 * 24 * 60 and p.lead.minutes >= 3 * 24 * 60
    assert math.isclose(model.predict(old).lead.minutes, 120.0)  # type: ignore[union-attr]


durations = st.lists(
    st.floats(min_value=1.0, max_value=1e6, allow_nan=False), min_size=MIN_SIMILAR, max_size=60
)


@settings(max_examples=60, deadline=None)
@given(api=durations, web=st.lists(st.floats(min_value=1.0, max_value=1e6), min_size=0, max_size=8),
       estimate=st.one_of(st.none(), st.integers(min_value=1, max_value=10_000)))  # fmt: skip
def test_intervals_contain_the_point(api: list[float], web: list[float], estimate: int | None) -> None:
    done = [rec(i, v, estimate=estimate) for i, v in enumerate(api)]
    done += [rec(1000 + i, v, repo="web") for i, v in enumerate(web)]
    model = Model(done)
    for repo in ("api", "web", "nowhere"):
        p = model.predict(rec(5000, None, repo=repo, estimate=estimate))
        for est in (p.duration, p.lead):
            assert est is not None
            assert est.low <= est.minutes <= est.high
            assert est.low > 0 and math.isfinite(est.high)


@given(st.lists(st.floats(min_value=-50, max_value=50, allow_nan=False), min_size=1, max_size=50))
def test_quantiles_are_monotone(values: list[float]) -> None:
    q = quantiles(values)
    assert q[0] <= q[1] <= q[2]
    assert min(values) <= q[0] and q[2] <= max(values)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(min_value=5.0, max_value=5000.0), min_size=MIN_SIMILAR * 2, max_size=40),
       st.integers(min_value=1, max_value=12), st.integers(min_value=0, max_value=2**31))  # fmt: skip
def test_monte_carlo_dates_are_ordered(values: list[float], n_open: int, seed: int) -> None:
    from dateutil.tz import UTC as tz

    done = [
        rec(i, v, created=T0 + timedelta(days=2 * i), estimate=(30 if i % 3 else None))
        for i, v in enumerate(values)
    ]
    model = Model(done, calibrate=False)
    now = T0 + timedelta(days=200)
    todo = [rec(900 + i, None, estimate=(60 if i % 2 else None)) for i in range(n_open)]
    f = forecast(model, todo, now, tz, trials=300, seed=seed)
    assert f.dates is not None and f.weeks is not None
    assert now <= f.dates[50] <= f.dates[80] <= f.dates[95]
    again = forecast(model, todo, now, tz, trials=300, seed=seed)
    assert again.to_json() == f.to_json()  # seeded: the same history, the same dates


def test_forecast_with_too_little_history() -> None:
    from dateutil.tz import UTC as tz

    f = forecast(Model([rec(1, 30.0)], calibrate=False), [rec(2, None)], T0, tz)
    assert f.dates is None and "not enough history" in f.based_on


def test_order_flags_likely_misses() -> None:
    done = [rec(i, 60.0, lead=3 * 24 * 60.0) for i in range(40)]  # tasks take 3 days from creation
    model = Model(done, calibrate=False)
    now = T0 + timedelta(days=30)
    soon, later = rec(500, None, created=now), rec(501, None, created=now)
    items = [
        (500, 5.0, soon.created, now + timedelta(days=1), model.predict(soon, now)),  # due tomorrow: misses
        (
            501,
            6.0,
            later.created,
            now + timedelta(days=20),
            model.predict(later, now),
        ),  # due in 20 days: fine
    ]
    ranked = adjust(items, now)
    assert [r.number for r in ranked] == [500, 501]
    assert ranked[0].likely_miss and not ranked[1].likely_miss
    assert ranked[0].miss_probability is not None and ranked[0].miss_probability > 0.9
