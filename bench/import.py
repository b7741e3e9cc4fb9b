"""Benchmark: feedback rows imported per second (full validation) and peak RSS, CSV and XLSX, SQLite and PostgreSQL.

    .venv/bin/python bench/import.py                       # 200,000 rows, CSV + XLSX, SQLite + PostgreSQL, 3 runs
    .venv/bin/python bench/import.py --rows 50000 --formats csv --databases sqlite --runs 5
    .venv/bin/python bench/import.py --rows 20000 --formats csv --update-share 0.1   # + re-import, 10% changed

Each run is a fresh process importing the whole file through `import_file` (the path the page, the command and
the task use) into an empty records table, so peak RSS is that of one import. The databases are the bench's own:
a SQLite file under the temp dir and PostgreSQL database `imports_bench` (override with --pg-url). The
after-batch hooks (alert evaluation, snapshots) are switched off: with a broker they run in workers, not here.

After the imports, two floors put the figures in proportion, each the median of --runs fresh processes:
- "write floor": the same rows, already validated and converted, written back into the records table by the
  import's own insert (one transaction, constraints and indexes as in production, no file, no validation);
- "bare floor": the same rows into a temporary table without indexes or constraints (COPY on PostgreSQL,
  executemany on SQLite): what a plain bulk load costs on this machine.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = ["记录ID", "客户ID", "服务类型", "评分", "反馈内容", "响应时间(小时)", "准确率", "完整性", "渠道", "时间"]
SERVICES = ["数据分析", "法律咨询", "文档审查", "data_analysis", "legal_consultation", "document_review"]
CUSTOMERS = 2000
DEFAULT_PG = "postgres://satisfaction:satisfaction@127.0.0.1:5432/imports_bench"


def make_rows(n: int):
    rng = random.Random(8)
    for i in range(n):
        yield [
            f"FB-{i:07d}",
            f"BC-{rng.randrange(CUSTOMERS):05d}",
            SERVICES[i % len(SERVICES)],
            f"{rng.randint(10, 50) / 10:.1f}",
            rng.choice(["", "很满意", "响应慢", "Report was thorough", "需要改进沟通"]),
            f"{rng.uniform(0, 72):.2f}",
            str(rng.randint(1, 5)),
            rng.choice(["", "3", "4", "5"]),
            rng.choice(["导入", "survey", "问卷", ""]),
            f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",
        ]


def write_csv(path: Path, n: int, changed_share: float = 0.0) -> None:
    """The bench file; with `changed_share`, the same rows with that share of the scores changed (an update)."""
    rng = random.Random(14)
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for row in make_rows(n):
            if changed_share and rng.random() < changed_share:
                row[3] = "1.0" if row[3] != "1.0" else "5.0"
            writer.writerow(row)


def write_xlsx(path: Path, n: int) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER)
    for row in make_rows(n):
        sheet.append(row)
    book.save(path)


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.pop("CELERY_BROKER_URL", None)
    # Production settings: DEBUG off (no per-query debug bookkeeping).
    os.environ["DEBUG"] = "0"
    # With DEBUG off the settings refuse a weak key; a bench process needs one, never a known one.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satisfaction_site.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def prepare(database_url: str) -> None:
    """Create and migrate the bench database, with the customers the file refers to."""
    if database_url.startswith("postgres"):
        import psycopg

        base, name = database_url.rsplit("/", 1)
        with psycopg.connect(base + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    else:
        Path(database_url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    setup_django(database_url)
    from django.core.management import call_command

    from satisfaction.crm.models import Customer

    call_command("migrate", verbosity=0)
    Customer.objects.bulk_create(
        [Customer(external_id=f"BC-{i:05d}", name=f"Bench customer {i}") for i in range(CUSTOMERS)]
    )


def reset(database_url: str) -> None:
    """Empty the records table and the audit log for the next run, in a process of its own: deleting 200,000 rows
    grows SQLite's WAL index (a shared memory map) by about 90 MB, which would count in the import's peak RSS."""
    setup_django(database_url)
    from auditlog.models import LogEntry
    from django.db import connection

    from satisfaction.feedback.models import SatisfactionRecord

    with connection.cursor() as cursor:
        # Plain SQL: a queryset delete would load every row to send delete signals. The audit entries go too, so
        # every run writes its entries into the same (empty) table.
        for table in (SatisfactionRecord._meta.db_table, LogEntry._meta.db_table):
            cursor.execute(f"DELETE FROM {table}")
            if connection.vendor == "postgresql":
                cursor.execute(f"VACUUM ANALYZE {table}")
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def child(database_url: str, path: str, update_from: str = "") -> None:
    """One measured import in this process; prints a JSON line. With `update_from`, that file is imported first
    (not measured) and the measured import of `path` is a re-import that updates the changed rows."""
    import resource

    setup_django(database_url)

    from satisfaction.feedback import services as feedback
    from satisfaction.feedback.models import SatisfactionRecord
    from satisfaction.imports.services import import_file

    if update_from:
        with feedback.hooks_replaced(after_record=[], after_batch=[]):
            import_file(kind="feedback", source=update_from, filename=os.path.basename(update_from))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start, cpu_start = time.perf_counter(), time.process_time()
    # The benchmark measures the import, not its tasks.
    with feedback.hooks_replaced(after_record=[], after_batch=[]):
        result = import_file(kind="feedback", source=path, filename=os.path.basename(path))
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert result.ok, (result.message, result.errors[:3])
    assert result.created + result.updated + result.unchanged == result.rows_total, result
    assert SatisfactionRecord.objects.count() == result.rows_total
    print(
        json.dumps(
            {
                "rows": result.rows_total,
                "seconds": elapsed,
                "rows_per_s": result.rows_total / elapsed,
                "updated": result.updated,
                "cpu_seconds": cpu,
                "load_avg": os.getloadavg()[0],
                "peak_rss_mb": peak,
                "rss_before_mb": rss_before,
            }
        )
    )


def floor_child(database_url: str) -> None:
    """Time writing the rows of the last import again: into the records table, then into a bare table."""
    setup_django(database_url)
    from django.db import connection, transaction

    from core.batch import WRITE_ROWS, BulkInserter, _grow_sqlite_cache, _raw_execute
    from satisfaction.feedback.models import SatisfactionRecord

    _grow_sqlite_cache()  # the import's own setting for its connection
    inserter = BulkInserter(SatisfactionRecord)
    table = SatisfactionRecord._meta.db_table
    columns = ", ".join(inserter.columns)
    rows = [tuple(row) for row in _raw_execute(f"SELECT {columns} FROM {table} ORDER BY id", [])]
    assert rows, "run an import first"
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")
        if connection.vendor == "postgresql":
            cursor.execute(f"VACUUM ANALYZE {table}")
    start = time.perf_counter()
    with transaction.atomic():
        for i in range(0, len(rows), WRITE_ROWS):
            inserter.insert(rows[i : i + WRITE_ROWS])
    write = time.perf_counter() - start
    connection.ensure_connection()
    raw = connection.connection
    start = time.perf_counter()
    with transaction.atomic():
        create = f"CREATE TEMPORARY TABLE bare AS SELECT {columns} FROM {table} WHERE 1 = 0"
        if connection.vendor == "postgresql":
            with raw.cursor() as cursor:
                cursor.execute(create)
                with cursor.copy(f"COPY bare ({columns}) FROM STDIN") as stream:
                    for row in rows:
                        stream.write_row(row)
        else:
            raw.execute(create)
            marks = ", ".join("?" * len(inserter.columns))
            raw.executemany(f"INSERT INTO bare ({columns}) VALUES ({marks})", rows)
    bare = time.perf_counter() - start
    print(json.dumps({"rows": len(rows), "write_floor_s": write, "bare_floor_s": bare}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--formats", nargs="+", default=["csv", "xlsx"], choices=["csv", "xlsx"])
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgres"], choices=["sqlite", "postgres"])
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", DEFAULT_PG))
    parser.add_argument(
        "--update-share",
        type=float,
        default=0.0,
        help="Also time a re-import of the CSV with this share of the rows changed (sync), e.g. 0.1.",
    )
    parser.add_argument("--child", nargs="+", metavar="ARG", help=argparse.SUPPRESS)
    parser.add_argument("--prepare", metavar="DATABASE_URL", help=argparse.SUPPRESS)
    parser.add_argument("--reset", metavar="DATABASE_URL", help=argparse.SUPPRESS)
    parser.add_argument("--floor-child", metavar="DATABASE_URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(*args.child)
    if args.floor_child:
        return floor_child(args.floor_child)
    if args.prepare:
        return prepare(args.prepare)
    if args.reset:
        return reset(args.reset)

    work = Path(tempfile.mkdtemp(prefix="import-bench-"))
    files = {}
    for fmt in args.formats:
        path = work / f"feedback-{args.rows}.{fmt}"
        started = time.perf_counter()
        (write_csv if fmt == "csv" else write_xlsx)(path, args.rows)
        files[fmt] = path
        size = path.stat().st_size / 1e6
        print(f"# wrote {path.name}: {size:.1f} MB in {time.perf_counter() - started:.1f} s", flush=True)
    updates = {}
    if args.update_share and "csv" in files:
        updates["csv"] = work / f"feedback-{args.rows}-changed.csv"
        write_csv(updates["csv"], args.rows, changed_share=args.update_share)
    urls = {"sqlite": f"sqlite:///{work / 'bench.sqlite3'}", "postgres": args.pg_url}
    summary = []
    for db in args.databases:
        subprocess.run([sys.executable, __file__, "--prepare", urls[db]], check=True)
        for fmt, path in files.items():
            runs = []
            for _ in range(args.runs):
                subprocess.run([sys.executable, __file__, "--reset", urls[db]], check=True)
                out = subprocess.run(
                    [sys.executable, __file__, "--child", urls[db], str(path)],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
                print(f"# {db} {fmt}: {runs[-1]}", flush=True)
            rates = [r["rows_per_s"] for r in runs]
            rss = [r["peak_rss_mb"] for r in runs]
            summary.append((db, fmt, args.rows, statistics.median(rates), min(rates), max(rates), f"{max(rss):.0f}"))
        for fmt, changed in updates.items():
            runs = []
            for _ in range(args.runs):
                subprocess.run([sys.executable, __file__, "--reset", urls[db]], check=True)
                out = subprocess.run(
                    [sys.executable, __file__, "--child", urls[db], str(changed), str(files[fmt])],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
                print(f"# {db} {fmt} update: {runs[-1]}", flush=True)
            rates = [r["rows_per_s"] for r in runs]
            label = f"{fmt} update ({args.update_share:.0%} changed)"
            rss = f"{max(r['peak_rss_mb'] for r in runs):.0f}"
            summary.append((db, label, args.rows, statistics.median(rates), min(rates), max(rates), rss))
        floors = []
        for _ in range(args.runs):
            out = subprocess.run(
                [sys.executable, __file__, "--floor-child", urls[db]], check=True, capture_output=True, text=True
            )
            floors.append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(f"# {db} floors: {floors[-1]}", flush=True)
        for name in ("write_floor", "bare_floor"):
            rates = [f["rows"] / f[f"{name}_s"] for f in floors]
            label = name.replace("_", " ")
            summary.append((db, label, args.rows, statistics.median(rates), min(rates), max(rates), ""))
    out_file = ROOT / "bench" / "results" / "import.json"
    out_file.parent.mkdir(exist_ok=True)
    keys = ("database", "format", "rows", "rows_per_s_median", "rows_per_s_min", "rows_per_s_max", "peak_rss_mb")
    out_file.write_text(json.dumps([dict(zip(keys, row, strict=True)) for row in summary], indent=2))
    print(f"\n# written to {out_file.relative_to(ROOT)}")
    print("\n| database | format | rows | rows/s (median) | min–max | peak RSS MB (max) |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for db, fmt, rows, median, low, high, rss in summary:
        print(f"| {db} | {fmt} | {rows:,} | {median:,.0f} | {low:,.0f}–{high:,.0f} | {rss} |")


if __name__ == "__main__":
    main()
