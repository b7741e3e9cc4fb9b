"""The four slow screens at a million records, each beside its floor, in one run.

For each screen: the median (min, max) of --runs runs after one warm-up, and in the same run its floor — the
same result read by hand-written SQL (no ORM, no Python statistics, no rendering):

  drill-down  the records page, dissatisfied band, last 30 days, through the test client (full response);
              floor: the page's 50 rows (joined to customer and service type) + its total from the snapshots;
              also the COUNT over the filtered rows the pager used to run, for comparison.
  comparison  segment 1 vs the rest (`segment_comparison` + insights) serialised as JSON;
              floor: its aggregates over tickets and complaints and the complaint times, in SQL; second floor:
              the same sums from the helpdesk pre-aggregates (what the screen reads), in SQL; also the
              comparison computed from the raw cases (`from_cases=True`, the reference path).
  drivers     the dashboard's drivers widget over every record (htmx, cache cleared before each run);
              floor: the pre-aggregates it reads (day sums, sample rows, snapshot sums) in SQL; also the
              1M-row read of scores and sub-metrics that exact ranks need.
  bundle      the report bundle download (the view, zip of CSVs, charts, report.md/pdf/json);
              floor: reading the rows of the two raw CSVs in SQL; then its stages, each alone and as the steps
              of one more build (`bundle_stages`).

    DATABASE_URL=sqlite:////tmp/large_copy.sqlite3 .venv/bin/python bench/screens.py --runs 5

The database must hold `seed_demo --scale large`; the sub-metric pre-aggregates are built first when empty
(timed). Figures go to bench/results/screens-<vendor>.json; the load average is recorded (a shared machine).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satisfaction_site.settings")

TARGETS = {"drilldown": 0.100, "comparison": 1.0, "drivers": 2.0, "bundle": 20.0}


def timed(fn, runs: int, warmup: int = 1) -> dict:
    """Wall seconds of `fn()`: median, min, max over `runs` after `warmup` unmeasured runs."""
    for _ in range(warmup):
        fn()
    samples, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        samples.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    # CPU seconds of this process (every thread): on a shared machine the wall time grows with the load, this less.
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples), "runs": runs,
            "cpu_median": statistics.median(cpu)}  # fmt: skip


def sql(query: str, params=()) -> list:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(query, params)
        return cur.fetchall()


SEGMENT_1 = "SELECT customer_id FROM satisfaction_contact GROUP BY customer_id HAVING MIN(contact_priority) = 1"


def drilldown_floor(lo, hi, day_lo, day_hi) -> None:
    rows = sql(
        "SELECT r.id, r.created_at, r.score, r.channel, r.feedback, c.name, s.code "
        "FROM satisfaction_satisfactionrecord r JOIN satisfaction_customer c ON c.id = r.customer_id "
        "JOIN satisfaction_servicetype s ON s.id = r.service_type_id "
        "WHERE r.created_at >= %s AND r.created_at < %s AND NOT r.self_rated AND r.score < 3.0 "
        "ORDER BY r.created_at DESC LIMIT 50",
        [lo, hi],
    )
    total = sql(
        "SELECT SUM(dissatisfied) FROM analytics_dailysatisfactionstat WHERE date >= %s AND date <= %s "
        "AND NOT self_rated",
        [day_lo, day_hi],
    )
    assert rows and total


def drilldown_old_count(lo, hi) -> int:
    return sql(
        "SELECT COUNT(*) FROM satisfaction_satisfactionrecord WHERE created_at >= %s AND created_at < %s "
        "AND NOT self_rated AND score < 3.0",
        [lo, hi],
    )[0][0]


def comparison_floor() -> None:
    grp = f"(t.customer_id IN ({SEGMENT_1}))"
    tickets = (
        "(SELECT st.*, k.customer_id FROM satisfaction_serviceticket st "
        "JOIN satisfaction_contract k ON k.id = st.contract_id WHERE NOT st.is_internal) t"
    )
    complaints = (
        "(SELECT cp.*, k.customer_id FROM satisfaction_complaint cp "
        "JOIN satisfaction_contract k ON k.id = cp.contract_id) t"
    )
    sql(f"SELECT COUNT(*), SUM(id IN ({SEGMENT_1})) FROM satisfaction_customer")
    sql(
        f"SELECT {grp}, COUNT(*), COUNT(DISTINCT t.customer_id), SUM(handling_hours), COUNT(handling_hours), "
        "COUNT(satisfaction), SUM(satisfaction), SUM(satisfaction * satisfaction), "
        f"SUM(CASE WHEN follow_up THEN 1 ELSE 0 END), COUNT(follow_up) FROM {tickets} GROUP BY 1"
    )
    sql(
        f"SELECT {grp}, COUNT(*), COUNT(DISTINCT t.customer_id), COUNT(satisfaction), SUM(satisfaction), "
        "SUM(satisfaction * satisfaction), SUM(CASE WHEN escalated THEN 1 ELSE 0 END), COUNT(escalated) "
        f"FROM {complaints} GROUP BY 1"
    )
    sql(f"SELECT {grp}, response_hours, resolution_hours FROM {complaints}")
    sql(f"SELECT {grp}, urgency, ticket_priority, satisfaction, COUNT(*) FROM {tickets} GROUP BY 1, 2, 3, 4")
    sql(f"SELECT {grp}, handling_speed, satisfaction, COUNT(*) FROM {complaints} GROUP BY 1, 2, 3")


def comparison_preaggregate_floor() -> None:
    """The same sums read from the helpdesk pre-aggregates in SQL: what the screen reads now."""
    grp = "(segment_priority = 1)"
    sql(f"SELECT COUNT(*), SUM(id IN ({SEGMENT_1})) FROM satisfaction_customer")
    sql(
        f"SELECT {grp}, SUM(count), SUM(hours_sum), SUM(hours_n), SUM(rated), SUM(sat_sum), SUM(sat_sq_sum), "
        "SUM(follow_ups), SUM(follow_up_known), SUM(urgency_high), SUM(urgency_medium), SUM(urgency_low), "
        "SUM(priority_high), SUM(priority_medium), SUM(priority_low), SUM(sat_1), SUM(sat_2), SUM(sat_3), "
        "SUM(sat_4), SUM(sat_5) FROM analytics_dailyticketstat GROUP BY 1"
    )
    sql(
        f"SELECT {grp}, SUM(count), SUM(rated), SUM(sat_sum), SUM(sat_sq_sum), SUM(escalations), "
        "SUM(escalation_known), SUM(speed_fast), SUM(speed_normal), SUM(speed_slow), SUM(sat_1), SUM(sat_2), "
        "SUM(sat_3), SUM(sat_4), SUM(sat_5) FROM analytics_dailycomplaintstat GROUP BY 1"
    )
    sql(
        "SELECT segment_priority, customer_id, MAX(tickets), MAX(complaints) FROM analytics_dailycustomercases "
        "GROUP BY 1, 2"
    )
    sql(
        "SELECT measure, segment_priority, hours, SUM(n) FROM analytics_dailycomplainthours GROUP BY 1, 2, 3 "
        "ORDER BY 1, 2, 3"
    )


def drivers_floor() -> None:
    sql(
        "SELECT service_type_id, SUM(count), SUM(score_sum) FROM analytics_dailysatisfactionstat "
        "WHERE NOT self_rated GROUP BY 1"
    )
    sql(
        "SELECT service_type_id, SUM(response_n), SUM(response_sum), SUM(accuracy_n), SUM(accuracy_sum), "
        "SUM(completeness_n), SUM(completeness_sum) FROM analytics_dailysubmetricstat WHERE NOT self_rated GROUP BY 1"
    )
    sql(
        "SELECT service_type_id, score, response_time_hours, accuracy_score, completeness_score "
        "FROM analytics_submetricsample WHERE NOT self_rated"
    )


def drivers_exact_read() -> int:
    return len(
        sql(
            "SELECT service_type_id, score, response_time_hours, accuracy_score, completeness_score "
            "FROM satisfaction_satisfactionrecord WHERE NOT self_rated"
        )
    )


def bundle_floor() -> None:
    sql(
        "SELECT t.id, t.external_id, t.opened_at, t.closed_at, t.handling_hours, t.urgency, t.ticket_priority, "
        "t.satisfaction, t.follow_up, t.agent_name, c.name, s.code FROM satisfaction_serviceticket t "
        "JOIN satisfaction_contract k ON k.id = t.contract_id JOIN satisfaction_customer c ON c.id = k.customer_id "
        "JOIN satisfaction_servicetype s ON s.id = k.service_type_id WHERE NOT t.is_internal ORDER BY t.id"
    )
    sql(
        "SELECT p.id, p.external_id, p.filed_at, p.responded_at, p.resolved_at, p.response_hours, "
        "p.resolution_hours, p.satisfaction, p.escalated, p.urgency, p.handling_speed, p.agent_name, c.name, s.code "
        "FROM satisfaction_complaint p JOIN satisfaction_contract k ON k.id = p.contract_id "
        "JOIN satisfaction_customer c ON c.id = k.customer_id JOIN satisfaction_servicetype s "
        "ON s.id = k.service_type_id ORDER BY p.id"
    )


def bundle_stages() -> dict:
    """Where the bundle's time goes, in one more run each: every stage alone, one after the other (`alone`), and the
    steps of one `write_bundle` as its progress reports them, with the zip after it (`steps`; the raw CSVs and the
    handler continuity run in threads beside the numbers, charts and PDF, so they are not steps of their own)."""
    import tempfile

    from analytics.continuity import handler_continuity
    from analytics.lib import drivers, metrics
    from analytics.quality import report as bundle
    from analytics.quality.comparison import segment_comparison
    from analytics.quality.topics import topic_comparison

    def seconds(fn):
        start = time.perf_counter()
        value = fn()
        return time.perf_counter() - start, value

    alone, steps = {}, {}
    with tempfile.TemporaryDirectory(prefix="bench-bundle-") as tmp:
        out = Path(tmp)
        alone["comparison"] = seconds(lambda: segment_comparison(priority=1))[0]
        alone["drivers"] = seconds(lambda: drivers.drivers(metrics.Scope()))[0]
        alone["topics"] = seconds(lambda: topic_comparison(priority=1))[0]
        alone["report_numbers"], report = seconds(lambda: bundle.build_report(priority=1))
        alone["raw_csvs"] = seconds(lambda: bundle.write_raw_csvs(out, priority=1, lang="en"))[0]
        alone["continuity"], continuity = seconds(lambda: handler_continuity(metrics.Scope()))
        alone["charts"] = seconds(lambda: bundle.draw_charts(report, out, "en"))[0]
        markdown = bundle.report_markdown(report, "en") + bundle.continuity_markdown(continuity, "en")
        alone["pdf"] = seconds(lambda: bundle.report_pdf(report, "en", out, markdown))[0]
    with tempfile.TemporaryDirectory(prefix="bench-bundle-") as tmp:
        marks = []
        start = time.perf_counter()
        paths = bundle.write_bundle(
            tmp, priority=1, lang="en", progress=lambda step: marks.append((step, time.perf_counter()))
        )
        end = time.perf_counter()
        for (step, began), ended in zip(marks, [t for _, t in marks[1:]] + [end], strict=True):
            steps[step] = ended - began
        steps["zip"] = seconds(lambda: bundle.zip_bundle(paths, Path(tmp) / "bundle.zip"))[0]
        steps["total"] = time.perf_counter() - start
    return {"alone": alone, "steps": steps}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--bundle-runs", type=int, default=3)
    parser.add_argument("--skip", default="", help="Comma-separated screens to skip (drilldown,comparison,…).")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from analytics.lib import drivers, helpdesk_snapshots, metrics, submetrics
    from analytics.models import (
        DailyComplaintHours,
        DailyComplaintStat,
        DailyCustomerCases,
        DailySatisfactionStat,
        DailyTicketStat,
        SubMetricSample,
    )
    from analytics.quality.comparison import segment_comparison
    from analytics.quality.insights import generate_insights
    from satisfaction.feedback.models import SatisfactionRecord
    from satisfaction.helpdesk.models import Complaint, ServiceTicket
    from satisfaction.tests.factories import UserFactory

    setup_test_environment()  # the test client's response.context; ALLOWED_HOSTS for "testserver"
    figures: dict = {"database": connection.vendor, "load_before": os.getloadavg(), "screens": {}}
    if not SubMetricSample.objects.exists():
        result = submetrics.rebuild_all()
        figures["submetrics_rebuild_s"] = result.seconds
        print(f"built the sub-metric pre-aggregates: {result.buckets:,} day rows in {result.seconds:.1f} s")
    figures["data"] = {
        "records": SatisfactionRecord.objects.count(),
        "tickets": ServiceTicket.objects.count(),
        "complaints": Complaint.objects.count(),
        "snapshot_rows": DailySatisfactionStat.objects.count(),
        "sample_rows": SubMetricSample.objects.count(),
    }
    print(", ".join(f"{k} {v:,}" for k, v in figures["data"].items()))
    user = get_user_model().objects.filter(groups__name="manager").first() or UserFactory(
        username="bench-manager", role="manager"
    )
    client = Client()
    client.force_login(user)

    def get(path, params, **headers):
        response = client.get(path, params, **headers)
        assert response.status_code == 200, (path, response.status_code)
        return response

    screens = figures["screens"]
    helpdesk_tables = (DailyTicketStat, DailyComplaintStat, DailyComplaintHours, DailyCustomerCases)

    def report(name, screen, floor, extra=None):
        screens[name] = {"screen": screen, "floor": floor, **(extra or {})}
        ratio = screen["median"] / floor["median"] if floor["median"] else None
        screens[name]["ratio_to_floor"] = ratio
        screens[name]["target_s"] = TARGETS[name]
        screens[name]["met"] = screen["median"] <= TARGETS[name]
        print(f"{name:<11} {screen['median'] * 1000:9.1f} ms (min {screen['min'] * 1000:.1f}, max "
              f"{screen['max'] * 1000:.1f})  floor {floor['median'] * 1000:8.1f} ms  ×{ratio:.1f}  "
              f"target {TARGETS[name] * 1000:.0f} ms: {'met' if screens[name]['met'] else 'NOT met'}")  # fmt: skip

    today = metrics.local_today()
    scope = metrics.Scope.last_days(30, today=today)
    lo, hi = metrics.day_start(scope.start), metrics.day_start(scope.end + dt.timedelta(days=1))
    if "drilldown" not in skip:
        params = {"preset": "30d", "band": "dissatisfied"}
        screen = timed(lambda: get("/analytics/records/", params), args.runs)
        floor = timed(lambda: drilldown_floor(lo, hi, scope.start, scope.end), args.runs)
        old = timed(lambda: drilldown_old_count(lo, hi), args.runs)
        total = get("/analytics/records/", params).context["page"].paginator.count
        report("drilldown", screen, floor, {"old_count_query": old, "rows_in_scope": total,
                                            "count_agrees": total == drilldown_old_count(lo, hi)})  # fmt: skip

    if "comparison" not in skip:

        def comparison_json():
            c = segment_comparison(priority=1)
            return json.dumps({"comparison": c.as_dict(), "insights": [i.__dict__ for i in generate_insights(c)]})

        if not DailyTicketStat.objects.exists():
            result = helpdesk_snapshots.rebuild_all()
            figures["helpdesk_rebuild_s"] = result.seconds
            print(f"built the helpdesk pre-aggregates: {result.buckets:,} rows in {result.seconds:.1f} s")
        screen = timed(comparison_json, args.runs)
        report("comparison", screen, timed(comparison_floor, args.runs), {
            "preaggregate_floor": timed(comparison_preaggregate_floor, args.runs),
            "from_cases": timed(lambda: segment_comparison(priority=1, from_cases=True), max(1, args.runs // 2)),
            "preaggregate_rows": {m.__name__: m.objects.count() for m in helpdesk_tables},
        })  # fmt: skip
        pre = screens["comparison"]["preaggregate_floor"]["median"]
        print(f"{'':<11} pre-aggregate floor {pre * 1000:.1f} ms  ×{screen['median'] / pre:.1f}; "
              f"from the raw cases {screens['comparison']['from_cases']['median'] * 1000:.1f} ms")  # fmt: skip

    if "drivers" not in skip:

        def widget():
            cache.clear()
            get("/analytics/widgets/drivers/", {"preset": "custom", "start": "2000-01-01", "end": today.isoformat()},
                HTTP_HX_REQUEST="true")  # fmt: skip

        groups = drivers.drivers(metrics.Scope(start=dt.date(2000, 1, 1), end=today))
        exact_read = timed(drivers_exact_read, 1, warmup=0)
        report("drivers", timed(widget, args.runs), timed(drivers_floor, args.runs), {
            "records_in_scope": groups[0].count, "sampled": groups[0].drivers[0].sampled,
            "exact_read_of_all_records": exact_read,
            "rho_margins": {d.metric: d.rho_margin for d in groups[0].drivers},
        })  # fmt: skip

    if "bundle" not in skip:
        screen = timed(lambda: get("/analytics/report/bundle/", {"segment": 1}), args.bundle_runs, warmup=0)
        report("bundle", screen, timed(bundle_floor, args.bundle_runs, warmup=0), {"stages": bundle_stages()})
        print(f"  bundle CPU {screen['cpu_median']:.2f} s (every thread of this process), floor CPU "
              f"{screens['bundle']['floor']['cpu_median']:.2f} s")  # fmt: skip
        for kind, stages in screens["bundle"]["stages"].items():
            print(f"  bundle stages ({kind}): " + ", ".join(f"{k} {v:.2f} s" for k, v in stages.items()))

    figures["load_after"] = os.getloadavg()
    print(f"load average before {figures['load_before']}, after {figures['load_after']}")
    path = args.json or BASE_DIR / "bench" / "results" / f"screens-{connection.vendor}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=2, default=str))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
