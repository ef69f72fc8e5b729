"""Benchmark the quick-add parser (run on purpose; pytest does not collect tests/bench).

    .venv/bin/python tests/bench/bench_nlp.py            # p50/p99 per parse, import time
    .venv/bin/python tests/bench/bench_nlp.py --compare  # + dateparser.search.search_dates side by side
    .venv/bin/python tests/bench/bench_nlp.py --corpus dates --compare  # the issue-18 date forms only

The corpora are tests/unit/nlp/nlp_corpus.py (`main`) and nlp_corpus_dates.py (`dates`, the Todoist
and Taskwarrior date language); `all` (the default) is both. The comparison needs the dev
dependency `dateparser`.
"""

from __future__ import annotations

import argparse
import gc
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "unit" / "nlp"))
sys.path.insert(0, str(ROOT))

from nlp_corpus import CASES as MAIN_CASES  # noqa: E402
from nlp_corpus import Case  # noqa: E402
from nlp_corpus_dates import DATE_CASES  # noqa: E402

from mhv.nlp import parse  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


CORPORA = {"main": MAIN_CASES, "dates": DATE_CASES, "all": MAIN_CASES + DATE_CASES}
CASES: list[Case] = CORPORA["all"]


def bench_parse(rounds: int) -> dict[str, float]:
    samples: list[float] = []
    for case in CASES:  # warm up
        parse(case.text, now=case.now, known_repos=case.known, settings=case.settings)
    for _ in range(rounds):
        for case in CASES:
            t0 = time.perf_counter()
            parse(case.text, now=case.now, known_repos=case.known, settings=case.settings)
            samples.append(time.perf_counter() - t0)
    us = [s * 1e6 for s in samples]
    return {
        "parses": len(us),
        "p50_us": percentile(us, 50),
        "p90_us": percentile(us, 90),
        "p99_us": percentile(us, 99),
        "max_us": max(us),
        "mean_us": statistics.fmean(us),
    }


def import_time(module: str = "mhv.nlp") -> float:
    """`python -X importtime -c "import MODULE"`: its cumulative microseconds, best of 5."""
    best_cumulative = float("inf")
    for _ in range(5):
        err = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", f"import {module}"],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stderr
        for line in err.splitlines():
            m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|\s*(\S+)$", line)
            if m and m.group(3) == module:
                best_cumulative = min(best_cumulative, float(m.group(2)))
    return best_cumulative


def compare_dateparser() -> dict[str, Any]:
    """Both parsers on the date part of the corpus: cases that expect a due date, and cases that
    expect none (a date found there is a false positive)."""
    import warnings

    warnings.filterwarnings("ignore")
    from dateparser.search import search_dates

    def dp(case: Case) -> str | None:
        order = "DMY" if case.settings is not None and case.settings.date_order == "dmy" else "MDY"
        cfg = {
            "RELATIVE_BASE": case.now.replace(tzinfo=None),
            "PREFER_DATES_FROM": "future",
            "DATE_ORDER": order,
            "RETURN_AS_TIMEZONE_AWARE": False,
        }
        found = search_dates(case.text, languages=["en"], settings=cfg)  # type: ignore[arg-type]
        return None if not found else found[0][1].date().isoformat()

    def ours(case: Case) -> str | None:
        p = parse(case.text, now=case.now, known_repos=case.known, settings=case.settings)
        return p.due_date.isoformat() if p.due_date else None

    cases = [
        c
        for c in CASES
        if not c.ambiguous
        and c.expected["intent"] == "create"
        and not {"wait_date", "until_date", "scheduled_date"} & c.expected.keys()  # a date, not a due one
    ]
    dp(cases[0])  # the first call loads dateparser's language data
    out: dict[str, Any] = {"cases_with_date": 0, "cases_without_date": 0}
    for name, fn in (("mhv", ours), ("dateparser", dp)):
        right = false_pos = with_date = without = 0
        times: list[float] = []
        for case in cases:
            t0 = time.perf_counter()
            got = fn(case)
            times.append((time.perf_counter() - t0) * 1e3)
            want = case.expected.get("due_date")
            if want is not None:
                with_date += 1
                right += got == want
            else:
                without += 1
                false_pos += got is not None
        out["cases_with_date"], out["cases_without_date"] = with_date, without
        out[name] = {
            "correct": right,
            "accuracy": right / with_date,
            "false_positives": false_pos,
            "false_positive_rate": false_pos / without,
            "mean_ms": statistics.fmean(times),
            "p50_ms": percentile(times, 50),
            "p99_ms": percentile(times, 99),
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--compare", action="store_true", help="also run dateparser.search.search_dates")
    ap.add_argument("--corpus", choices=sorted(CORPORA), default="all")
    args = ap.parse_args()
    global CASES
    CASES = CORPORA[args.corpus]

    gc.collect()
    res = bench_parse(args.rounds)
    print(
        f"python {sys.version.split()[0]} · corpus {args.corpus}: {len(CASES)} lines × {args.rounds} rounds = {res['parses']} parses"
    )
    print(
        f"parse: p50 {res['p50_us']:.0f} µs · p90 {res['p90_us']:.0f} µs · p99 {res['p99_us']:.0f} µs · "
        f"max {res['max_us']:.0f} µs · mean {res['mean_us']:.0f} µs"
    )
    print(f"import mhv.nlp (-X importtime, cumulative, best of 5): {import_time() / 1000:.1f} ms")
    if args.compare:
        print(f"import dateparser.search (same measure): {import_time('dateparser.search') / 1000:.1f} ms")
        cmp = compare_dateparser()
        print(
            f"\ndate part of the corpus: {cmp['cases_with_date']} create lines that expect a due date, "
            f"{cmp['cases_without_date']} that expect none"
        )
        print(
            "| parser | correct due date | false dates on lines without one | mean ms/input | p50 ms | p99 ms |"
        )
        print("|---|---|---|---|---|---|")
        for name in ("mhv", "dateparser"):
            r = cmp[name]
            print(
                f"| {name} | {r['correct']}/{cmp['cases_with_date']} ({r['accuracy']:.0%}) | "
                f"{r['false_positives']}/{cmp['cases_without_date']} ({r['false_positive_rate']:.0%}) | "
                f"{r['mean_ms']:.3f} | {r['p50_ms']:.3f} | {r['p99_ms']:.3f} |"
            )


if __name__ == "__main__":
    main()
