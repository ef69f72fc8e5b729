"""How good are mhv's predictions on real trackers' history? (docs/insights.md)

The protocol of tests/fixtures/shared/history/README.md, exactly: per project, issues ordered by
creation; the first 70% are history (imported finished, with their start and end), the last 30% are
held out (imported as open tasks with no start or end: only what was known when they were filed).
Everything goes through mhv itself: `mhv import csv`, then `mhv predict --open --json --at-creation`
(predictions as when each task was filed), compared with the actual values. Baselines from the same
history: the global median, the project's median, the (project, type) median, and where an estimate
exists, Evidence-Based Scheduling's estimate divided by the project's median estimate/actual ratio.

    .venv/bin/python tests/bench/insights_eval.py            # both datasets, full files
    .venv/bin/python tests/bench/insights_eval.py --projects 3 --dataset tawos   # a quick subset

Prints a Markdown table per dataset and target, and --json writes the numbers.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "fixtures" / "shared" / "history"
COLUMNS = ["title", "repo", "tags", "priority", "assignee", "estimate_minutes", "status", "created_at",
           "started_at", "completed_at"]  # fmt: skip


@dataclass
class Issue:
    project: str
    key: str
    type: str
    created: datetime
    resolved: datetime
    duration: float | None  # minutes in progress (or logged), None when not recorded
    estimate: int | None = None  # minutes
    tags: list[str] = field(default_factory=list)
    priority: str = "medium"
    assignee: str = ""

    @property
    def lead(self) -> float:
        return (self.resolved - self.created).total_seconds() / 60.0

    @property
    def title(self) -> str:
        return f"{self.type} {self.key}"


def _slug(text: str) -> str:
    return "-".join(text.lower().split()) or "none"


def _utc(text: str) -> datetime:
    text = text.strip().replace("T", " ")
    if text.endswith("+0000"):
        text = text[:-5]
    parsed = datetime.fromisoformat(text)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def load_tawos(path: Path) -> list[Issue]:
    out = []
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if not row["resolved"].strip():  # 19 rows: never resolved, nothing to judge
                continue
            sp = row["story_points"].strip()
            tags = [_slug(row["type"])]
            if sp:
                tags.append("sp-" + sp.removesuffix(".0"))
            minutes = float(row["in_progress_minutes"] or 0)
            out.append(Issue(row["project"], row["key"], row["type"], _utc(row["created"]), _utc(row["resolved"]),
                             minutes if minutes > 0 else None, tags=tags))  # fmt: skip
    return out


_PRIORITY = {"blocker": "critical", "highest": "critical", "p0": "critical", "p0: blocker": "critical",
             "severe": "critical", "critical": "high", "high": "high", "p1": "high", "p1: critical": "high",
             "minor": "low", "low": "low", "trivial": "low", "p3": "low", "p3: somewhat important": "low",
             "p4": "low"}  # fmt: skip


def load_publicjira(path: Path) -> list[Issue]:
    out = []
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if not row["resolved"].strip():  # 172 rows: never resolved, nothing to judge
                continue
            spent = float(row["spent_seconds"] or 0) / 60
            est = float(row["estimate_seconds"] or 0) / 60
            project = f"{row['host']}.{_slug(row['project'])}"
            out.append(Issue(project, f"{_slug(row['project']).upper()}-{row['id']}", row["type"],
                             _utc(row["created"]), _utc(row["resolved"]), spent if spent > 0 else None,
                             estimate=round(est) if est >= 1 else None, tags=[_slug(row["type"])],
                             priority=_PRIORITY.get(row["priority"].strip().lower(), "medium"),
                             assignee=row["assignee"].strip()))  # fmt: skip
    return out


def split(issues: list[Issue]) -> tuple[list[Issue], list[Issue]]:
    """Per project, by creation: the first 70% history, the rest held out."""
    by: dict[str, list[Issue]] = defaultdict(list)
    for i in issues:
        by[i.project].append(i)
    hist, held = [], []
    for project in sorted(by):
        rows = sorted(by[project], key=lambda i: (i.created, i.key))
        cut = int(len(rows) * 0.7)
        hist += rows[:cut]
        held += rows[cut:]
    return hist, held


def to_csv(hist: list[Issue], held: list[Issue], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, COLUMNS)
        w.writeheader()
        for i, done in [(i, True) for i in hist] + [(i, False) for i in held]:
            row = {"title": i.title, "repo": i.project, "tags": " ".join(i.tags), "priority": i.priority,
                   "assignee": i.assignee, "estimate_minutes": i.estimate or "", "created_at": i.created.isoformat(),
                   "status": "completed" if done else "pending"}  # fmt: skip
            if done:
                row["completed_at"] = i.resolved.isoformat()
                if i.duration:
                    row["started_at"] = datetime.fromtimestamp(
                        i.resolved.timestamp() - i.duration * 60, UTC
                    ).isoformat()
            w.writerow(row)


def mhv(home: Path, *args: str) -> str:
    env = dict(os.environ, MHV_HOME=str(home), TZ="UTC", NO_COLOR="1")
    env.pop("MHV_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "mhv", *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"mhv {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return done.stdout


def _median(values: list[float]) -> float:
    return statistics.median(values)


def metrics(pairs: list[tuple[float, float]]) -> dict[str, float]:
    """(actual, predicted) minutes -> MAE and MdAE in hours, share within a factor of 2."""
    errs = [abs(a - p) / 60 for a, p in pairs]
    within = [1.0 if a > 0 and p > 0 and 0.5 <= p / a <= 2 else 0.0 for a, p in pairs]
    return {"n": len(pairs), "mae_h": statistics.fmean(errs), "mdae_h": statistics.median(errs),
            "within2": statistics.fmean(within)}  # fmt: skip


def baselines(hist: list[Issue], target: str) -> dict[str, object]:
    def val(i: Issue) -> float | None:
        return i.duration if target == "duration" else i.lead

    values = [v for i in hist if (v := val(i)) is not None]
    by_p: dict[str, list[float]] = defaultdict(list)
    by_pt: dict[tuple[str, str], list[float]] = defaultdict(list)
    ratio: dict[str, list[float]] = defaultdict(list)
    for i in hist:
        v = val(i)
        if v is None:
            continue
        by_p[i.project].append(v)
        by_pt[(i.project, i.type)].append(v)
        if i.estimate and v > 0:
            ratio[i.project].append(i.estimate / v)
    glob = _median(values) if values else 0.0
    pm = {p: _median(v) for p, v in by_p.items()}
    ptm = {k: _median(v) for k, v in by_pt.items()}
    rm = {p: _median(v) for p, v in ratio.items()}
    all_ratios = [r for v in ratio.values() for r in v]
    rglob = _median(all_ratios) if all_ratios else None
    return {"global": glob, "project": pm, "project_type": ptm, "ratio": rm, "ratio_global": rglob}


def evaluate(name: str, issues: list[Issue], *, verbose: bool = True) -> dict[str, object]:
    hist, held = split(issues)
    with tempfile.TemporaryDirectory(prefix="mhv-eval-") as tmp:
        home = Path(tmp) / "home"
        path = Path(tmp) / "history.csv"
        to_csv(hist, held, path)
        t0 = time.perf_counter()
        mhv(home, "import", "csv", str(path), "--json")
        t1 = time.perf_counter()
        preds = json.loads(mhv(home, "predict", "--open", "--json", "--at-creation"))
        t2 = time.perf_counter()
    by_title = {p["title"]: p for p in preds}
    result: dict[str, object] = {"dataset": name, "history": len(hist), "held_out": len(held),
                                 "import_s": round(t1 - t0, 2), "predict_s": round(t2 - t1, 2), "targets": {}}  # fmt: skip
    for target in ("duration", "lead"):
        base = baselines(hist, target)
        rows: dict[str, list[tuple[float, float]]] = defaultdict(list)
        inside = total = none = 0
        for i in held:
            actual = i.duration if target == "duration" else i.lead
            if actual is None:
                continue
            p = by_title[i.title][target]
            if p is None:
                none += 1
                p_min = base["global"]  # type: ignore[assignment]
            else:
                p_min = p["minutes"]
                total += 1
                inside += int(p["low"] <= actual <= p["high"])
            rows["mhv"].append((actual, p_min))  # type: ignore[arg-type]
            glob = base["global"]
            proj = base["project"].get(i.project, glob)  # type: ignore[attr-defined]
            rows["global median"].append((actual, glob))  # type: ignore[arg-type]
            rows["project median"].append((actual, proj))
            rows["project+type median"].append((actual, base["project_type"].get((i.project, i.type), proj)))  # type: ignore[attr-defined]
            ratio = base["ratio"].get(i.project) or base["ratio_global"]  # type: ignore[attr-defined]
            if i.estimate and ratio:
                rows["EBS estimate / project ratio"].append((actual, i.estimate / ratio))
                rows["mhv (tasks with an estimate)"].append((actual, p_min))
        table = {k: metrics(v) for k, v in rows.items()}
        result["targets"][target] = {  # type: ignore[index]
            "metrics": table,
            "coverage80": inside / total if total else None,
            "predicted": total,
            "not_enough_history": none,
        }
    if verbose:
        print(report(result))
    return result


def report(result: dict[str, object]) -> str:
    lines = [f"### {result['dataset']}: {result['history']} history, {result['held_out']} held out "
             f"(import {result['import_s']} s, predict {result['predict_s']} s)", ""]  # fmt: skip
    for target, t in result["targets"].items():  # type: ignore[attr-defined]
        label = "time in progress" if target == "duration" else "lead time (created to resolved)"
        cov = t["coverage80"]
        lines.append(f"**{label}**: 80% interval holds {cov:.1%} of {t['predicted']} actuals"
                     + (f"; {t['not_enough_history']} without a prediction (scored with the global median)"
                        if t["not_enough_history"] else ""))  # fmt: skip
        lines += [
            "",
            "| model | n | mean abs error (h) | median abs error (h) | within 2x |",
            "|---|---:|---:|---:|---:|",
        ]
        for name, m in t["metrics"].items():
            lines.append(f"| {name} | {m['n']} | {m['mae_h']:.2f} | {m['mdae_h']:.2f} | {m['within2']:.1%} |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", choices=("tawos", "publicjira", "both"), default="both")
    ap.add_argument("--projects", type=int, default=0, help="only the N smallest projects (a quick run)")
    ap.add_argument("--json", type=Path, help="write the numbers here")
    args = ap.parse_args()
    results = []
    sets = {"tawos": lambda: load_tawos(DATA / "tawos-effort.csv"),
            "publicjira": lambda: load_publicjira(DATA / "publicjira-effort.csv")}  # fmt: skip
    for name, loader in sets.items():
        if args.dataset not in (name, "both"):
            continue
        issues = loader()
        if args.projects:
            sizes: dict[str, int] = defaultdict(int)
            for i in issues:
                sizes[i.project] += 1
            keep = set(sorted(sizes, key=lambda p: (sizes[p], p))[: args.projects])
            issues = [i for i in issues if i.project in keep]
        results.append(evaluate(name, issues))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
