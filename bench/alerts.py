"""Benchmark of the alert pipeline with a real Celery worker on Redis and PostgreSQL.

Records N satisfaction records (10% below the low-score threshold, each low one for its own customer) through
`record_satisfaction`, as fast as the service allows or paced with --rate; each commit sends `evaluate_record` to
the worker. Reports the latency from the record's commit to its alert row (p50, p95, max) and the records
evaluated per second.

    DATABASE_URL=postgres://satisfaction:satisfaction@127.0.0.1:5432/alerts_bench \
    CELERY_BROKER_URL=redis://127.0.0.1:6379/7 \
    .venv/bin/python bench/alerts.py --records 1000 --runs 3 --concurrency 2

The database is created and migrated when missing; the Redis database is flushed before each run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satisfaction_site.settings")


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in `url` if it does not exist."""
    from urllib.parse import urlparse

    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (as numpy's default), q in 0–100."""
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


class Worker:
    def __init__(self, concurrency: int):
        self.ready = threading.Event()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "satisfaction_site",
                "worker",
                "--loglevel=INFO",
                f"--concurrency={concurrency}",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"alerts-bench-{uuid.uuid4().hex[:6]}@%h",
            ],  # fmt: skip
            cwd=BASE_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            if " ready." in line:
                self.ready.set()

    def stop(self):
        import signal

        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def run_once(n: int, low_share: float, timeout: float, rate: float = 0.0, before_wait=None) -> dict:
    from decimal import Decimal

    from satisfaction.alerts.models import SatisfactionAlert
    from satisfaction.crm.models import Customer
    from satisfaction.feedback.models import SatisfactionRecord
    from satisfaction.feedback.services import record_satisfaction

    tag = uuid.uuid4().hex[:8]
    n_low = round(n * low_share)
    customers = Customer.objects.bulk_create([Customer(name=f"Bench {tag} {i}") for i in range(n)])
    committed: dict[int, float] = {}
    low_ids: list[int] = []
    started = time.time()
    for i, customer in enumerate(customers):
        if rate:
            # Paced: record i is due at started + i / rate, so the queue never builds up beyond the worker's pace.
            time.sleep(max(0.0, started + i / rate - time.time()))
        # Every tenth record is low (1.0–3.4); the rest satisfied. Each record has its own customer.
        is_low = i % round(1 / low_share) == 0 and len(low_ids) < n_low
        score = Decimal("1.0") + Decimal(i % 25) / 10 if is_low else Decimal("4.5")
        record, _ = record_satisfaction(customer=customer, service_type="data_analysis", score=score)
        committed[record.pk] = time.time()  # the service returned: committed, and the task sent on commit
        if is_low:
            low_ids.append(record.pk)
    recorded = time.time()
    evaluation_start = started
    if before_wait is not None:
        # Drain mode: the worker starts only now, on a queue holding the whole batch.
        before_wait()
        evaluation_start = time.time()
    ids = list(committed)
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not SatisfactionRecord.objects.filter(pk__in=ids, alerts_evaluated_at__isnull=True).exists():
            break
        time.sleep(0.05)
    unevaluated = SatisfactionRecord.objects.filter(pk__in=ids, alerts_evaluated_at__isnull=True).count()
    alerts = dict(
        SatisfactionAlert.objects.filter(record_id__in=low_ids, kind="low_score").values_list("record_id", "created_at")
    )
    latencies = [alerts[rid].timestamp() - committed[rid] for rid in low_ids if rid in alerts]
    last_evaluated = max(
        SatisfactionRecord.objects.filter(pk__in=ids).values_list("alerts_evaluated_at", flat=True), default=None
    )
    return {
        "records": n,
        "low": len(low_ids),
        "alerts": len(alerts),
        "unevaluated": unevaluated,
        "record_rate": n / (recorded - started),
        "evaluated_rate": (
            (n - unevaluated) / (last_evaluated.timestamp() - evaluation_start) if last_evaluated else 0.0
        ),
        "p50": percentile(latencies, 50) if latencies else float("nan"),
        "p95": percentile(latencies, 95) if latencies else float("nan"),
        "max": max(latencies) if latencies else float("nan"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--low-share", type=float, default=0.10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument(
        "--drain", action="store_true", help="record the batch first, then start the worker: evaluation rate only"
    )
    parser.add_argument(
        "--rate", type=float, default=0.0, help="records per second to record at; 0: as fast as possible"
    )
    args = parser.parse_args()

    db_url, broker = os.environ.get("DATABASE_URL", ""), os.environ.get("CELERY_BROKER_URL", "")
    if not db_url.startswith("postgres") or not broker.startswith("redis"):
        print("Set DATABASE_URL=postgres://… and CELERY_BROKER_URL=redis://… (see the docstring).", file=sys.stderr)
        return 2
    ensure_database(db_url)
    import django

    django.setup()
    import redis
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    results = []
    for run in range(1, args.runs + 1):
        redis.Redis.from_url(broker).flushdb()
        workers = []

        def start_worker(workers=workers):
            workers.append(Worker(args.concurrency))
            if not workers[-1].ready.wait(60):
                raise RuntimeError("worker did not start")

        try:
            if args.drain:
                result = run_once(args.records, args.low_share, args.timeout, args.rate, before_wait=start_worker)
            else:
                start_worker()
                result = run_once(args.records, args.low_share, args.timeout, args.rate)
        finally:
            for worker in workers:
                worker.stop()
        results.append(result)
        print(
            f"run {run}: {result['records']} records ({result['low']} low) → {result['alerts']} alerts, "
            f"{result['unevaluated']} unevaluated; recorded {result['record_rate']:.0f}/s, "
            f"evaluated {result['evaluated_rate']:.0f}/s; commit→alert p50 {result['p50'] * 1000:.0f} ms, "
            f"p95 {result['p95'] * 1000:.0f} ms, max {result['max'] * 1000:.0f} ms"
        )
    med = {key: statistics.median(r[key] for r in results) for key in ("record_rate", "evaluated_rate", "p50", "p95")}
    print(
        f"median of {len(results)} runs (concurrency {args.concurrency}, rate {args.rate or 'unpaced'}/s): "
        f"commit→alert p50 {med['p50'] * 1000:.0f} ms, "
        f"p95 {med['p95'] * 1000:.0f} ms; {med['evaluated_rate']:.0f} records/s evaluated; "
        f"{med['record_rate']:.0f} records/s recorded through the service"
    )
    return 0 if all(r["unevaluated"] == 0 and r["alerts"] == r["low"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
