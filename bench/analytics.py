"""Benchmark of the analytics engine on a `seed_demo --scale large` database (SQLite or PostgreSQL).

Measures, each over --runs runs (median, min, max):
  (a) dashboard KPIs from snapshots through the project's functions: overview + service-type breakdown +
      monthly trend + segment split, for the last 365 days;
  (b) the same numbers by hand-written SQL aggregation over the records table (the floor snapshots must beat);
  (c) the segment comparison report (comparison + insights) serialised as JSON; (c2) the sub-metric drivers;
  (d) the full export bundle in a child process (`service_quality_report`), with its peak RSS;
  (e) a full snapshot rebuild.

    .venv/bin/python bench/analytics.py --database-url sqlite:////path/to/large.sqlite3 --runs 5

Prints a table and the targets met, and writes the figures as JSON (default bench/results/analytics-<db>.json).
The machine's load average is recorded too: on a shared machine wall-clock times rise with it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satisfaction_site.settings")

TARGETS = {
    "a_snapshots_total": 0.025,
    "c_comparison_json": 1.0,
    "d_bundle": 20.0,
    "e_rebuild": 10.0,
}
TARGET_RSS_MB = 400
TARGET_SPEEDUP = 20


def timed(func, runs: int, warmup: int = 1) -> dict:
    """Wall and CPU seconds of `func()` over `runs` runs after `warmup` unmeasured ones."""
    for _ in range(warmup):
        func()
    wall, cpu = [], []
    for _ in range(runs):
        c0, w0 = time.process_time(), time.perf_counter()
        result = func()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return {
        "median": statistics.median(wall),
        "min": min(wall),
        "max": max(wall),
        "cpu_median": statistics.median(cpu),
        "runs": runs,
        "result": result,
    }


def raw_sql_dashboard(scope) -> dict:
    """(b): the dashboard numbers straight from the records table, one hand-written query each."""
    from django.db import connection

    from analytics.lib.metrics import day_start, local_tz

    lo, hi = day_start(scope.start), day_start(scope.end + dt.timedelta(days=1))
    sums = (
        "COUNT(*), SUM(score), SUM(score * score), SUM(CASE WHEN score >= 4.0 THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN score >= 4.5 THEN 1 ELSE 0 END), SUM(CASE WHEN score < 3.0 THEN 1 ELSE 0 END)"
    )
    where = "WHERE created_at >= %s AND created_at < %s AND NOT self_rated"
    table = "satisfaction_satisfactionrecord"
    if connection.vendor == "postgresql":
        month = "date_trunc('month', created_at AT TIME ZONE %s)"
        month_params = [str(local_tz())]
    else:
        minutes = int(lo.utcoffset().total_seconds() // 60)
        month = f"strftime('%%Y-%%m', created_at, '{minutes:+d} minutes')"
        month_params = []
    segment = (
        "customer_id IN (SELECT customer_id FROM satisfaction_contact GROUP BY customer_id "
        "HAVING MIN(contact_priority) = 1)"
    )
    out = {}
    with connection.cursor() as cur:
        cur.execute(f"SELECT {sums} FROM {table} {where}", [lo, hi])
        out["overview"] = cur.fetchone()
        cur.execute(f"SELECT service_type_id, {sums} FROM {table} {where} GROUP BY service_type_id", [lo, hi])
        out["by_service_type"] = cur.fetchall()
        cur.execute(f"SELECT {month} AS m, {sums} FROM {table} {where} GROUP BY 1 ORDER BY 1", [*month_params, lo, hi])
        out["monthly"] = cur.fetchall()
        cur.execute(f"SELECT {segment} AS seg, {sums} FROM {table} {where} GROUP BY 1", [lo, hi])
        out["segment_split"] = cur.fetchall()
    return out


def bundle_in_child(database_url: str) -> dict:
    """(d): the export bundle in its own process, for an honest peak RSS."""
    with tempfile.TemporaryDirectory(prefix="bench-bundle-") as out:
        env = {**os.environ, "DATABASE_URL": database_url}
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, str(BASE_DIR / "manage.py"), "service_quality_report", "--out", out, "--lang", "zh-hans"],
            env=env,
            stdout=subprocess.DEVNULL,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        if status != 0:
            raise RuntimeError(f"service_quality_report failed with status {status}")
        size = sum(p.stat().st_size for p in Path(out).iterdir())
    return {"seconds": seconds, "peak_rss_mb": usage.ru_maxrss / 1024, "bytes": size}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--heavy-runs", type=int, default=None, help="Runs for (d) and (e) (default: --runs).")
    parser.add_argument("--json", type=Path, default=None, help="Where to write the figures.")
    parser.add_argument("--skip", default="", help="Comma-separated measurements to skip (a,b,c,d,e).")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    heavy_runs = args.heavy_runs or args.runs
    skip = set(filter(None, args.skip.split(",")))

    import django

    django.setup()
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from analytics.lib import drivers, metrics, snapshots
    from analytics.quality.comparison import segment_comparison
    from analytics.quality.insights import generate_insights
    from satisfaction.feedback.models import SatisfactionRecord

    vendor = connection.vendor
    records = SatisfactionRecord.objects.count()
    today = metrics.local_today()
    scope = metrics.Scope.last_days(365, today=today)
    figures: dict = {
        "database": vendor,
        "records": records,
        "snapshot_rows": snapshots.DailySatisfactionStat.objects.count(),
        "scope": {"start": scope.start.isoformat(), "end": scope.end.isoformat()},
        "runs": args.runs,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "load_before": os.getloadavg()},
        "measurements": {},
    }
    m = figures["measurements"]

    if "e" not in skip:
        m["e_rebuild"] = timed(lambda: snapshots.rebuild_all().buckets, heavy_runs, warmup=0)
        figures["snapshot_rows"] = snapshots.DailySatisfactionStat.objects.count()

    def dashboard():
        return (
            metrics.kpis(scope, source="snapshots"),
            metrics.by_service_type(scope, source="snapshots"),
            metrics.trend(scope, "month", source="snapshots"),
            metrics.segment_split(scope, 1, source="snapshots"),
        )

    if "a" not in skip:
        parts = {
            "a_kpis": lambda: metrics.kpis(scope, source="snapshots"),
            "a_by_service_type": lambda: metrics.by_service_type(scope, source="snapshots"),
            "a_trend_month": lambda: metrics.trend(scope, "month", source="snapshots"),
            "a_segment_split": lambda: metrics.segment_split(scope, 1, source="snapshots"),
        }
        for name, func in parts.items():
            m[name] = timed(func, args.runs)
        m["a_snapshots_total"] = timed(dashboard, args.runs)
        with CaptureQueriesContext(connection) as ctx:
            dashboard()
        figures["a_queries"] = len(ctx.captured_queries)
        reset_queries()
    if "b" not in skip:
        m["b_raw_sql_total"] = timed(lambda: raw_sql_dashboard(scope), args.runs)
        raw_count = m["b_raw_sql_total"]["result"]["overview"][0]
        figures["a_b_counts_agree"] = raw_count == metrics.kpis(scope, source="snapshots").count
    if "c" not in skip:

        def comparison_json():
            c = segment_comparison(priority=1)
            return len(json.dumps({"comparison": c.as_dict(), "insights": [i.__dict__ for i in generate_insights(c)]}))

        m["c_comparison_json"] = timed(comparison_json, args.runs)
        m["c2_drivers"] = timed(lambda: len(drivers.drivers(metrics.Scope())), args.runs)
    if "d" not in skip:
        runs = [bundle_in_child(args.database_url) for _ in range(heavy_runs)]
        seconds = [r["seconds"] for r in runs]
        m["d_bundle"] = {
            "median": statistics.median(seconds), "min": min(seconds), "max": max(seconds), "runs": heavy_runs,
            "peak_rss_mb": max(r["peak_rss_mb"] for r in runs), "bytes": runs[0]["bytes"],
            "note": "child process, includes Python and Django start-up",
        }  # fmt: skip
    figures["machine"]["load_after"] = os.getloadavg()
    figures["machine"]["self_maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    verdicts = {}
    if "a_snapshots_total" in m and "b_raw_sql_total" in m:
        speedup = m["b_raw_sql_total"]["median"] / m["a_snapshots_total"]["median"]
        figures["a_speedup_vs_b"] = speedup
        verdicts["(a) ≤ 25 ms"] = m["a_snapshots_total"]["median"] <= TARGETS["a_snapshots_total"]
        verdicts[f"(a) ≥ {TARGET_SPEEDUP}× faster than (b)"] = speedup >= TARGET_SPEEDUP
    if "c_comparison_json" in m:
        verdicts["(c) ≤ 1 s"] = m["c_comparison_json"]["median"] <= TARGETS["c_comparison_json"]
    if "d_bundle" in m:
        verdicts["(d) ≤ 20 s"] = m["d_bundle"]["median"] <= TARGETS["d_bundle"]
        verdicts[f"(d) peak RSS ≤ {TARGET_RSS_MB} MB"] = m["d_bundle"]["peak_rss_mb"] <= TARGET_RSS_MB
    if "e_rebuild" in m:
        verdicts["(e) ≤ 10 s"] = m["e_rebuild"]["median"] <= TARGETS["e_rebuild"]
    figures["targets_met"] = verdicts

    print(f"{vendor}: {records:,} records, {figures['snapshot_rows']:,} snapshot rows, runs={args.runs}")
    print(f"load average before {figures['machine']['load_before']}, after {figures['machine']['load_after']}")
    print(f"{'measurement':<22}{'median':>12}{'min':>12}{'max':>12}{'cpu median':>12}")
    for name, v in m.items():
        cpu = f"{v['cpu_median'] * 1000:>10.1f}ms" if "cpu_median" in v else f"{'':>12}"
        print(f"{name:<22}{v['median'] * 1000:>10.1f}ms{v['min'] * 1000:>10.1f}ms{v['max'] * 1000:>10.1f}ms{cpu}")
    if "d_bundle" in m:
        print(f"(d) peak RSS {m['d_bundle']['peak_rss_mb']:.0f} MB, bundle {m['d_bundle']['bytes'] / 1e6:.1f} MB")
    if "a_speedup_vs_b" in figures:
        print(f"(a) is {figures['a_speedup_vs_b']:.0f}× faster than (b); {figures['a_queries']} queries")
    for name, ok in verdicts.items():
        print(f"  {'MET    ' if ok else 'NOT MET'} {name}")

    for v in m.values():
        v.pop("result", None)
    path = args.json or BASE_DIR / "bench" / "results" / f"analytics-{vendor}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=2, default=str))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
