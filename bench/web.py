"""Benchmark of the manager pages on a large database (`seed_demo --scale large`).

1. In-process: the full server response (middleware, view, queries, templates) of the dashboard and each htmx
   partial through Django's test client, median / min / max of --runs runs after one warm-up.
2. Load: gunicorn with 2 workers on 127.0.0.1, ApacheBench (`ab`, Debian's apache2-utils) with a logged-in session
   cookie; requests/s and p95 for the dashboard.

    DATABASE_URL=sqlite:////tmp/web_large.sqlite3 .venv/bin/python bench/web.py --runs 7
    DATABASE_URL=postgres://satisfaction:satisfaction@127.0.0.1:5432/web_large .venv/bin/python bench/web.py

The database must already hold the demo data (`manage.py seed_demo --scale large`). Results also go to
bench/results/web-<vendor>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satisfaction_site.settings")

PAGES = {
    "dashboard (full page)": ("/analytics/", {}),
    "dashboard body (htmx, filter change)": ("/analytics/", {"preset": "90d", "service_type": "legal_consultation"}),
    "widget: kpis (htmx)": ("/analytics/widgets/kpis/", {}),
    "widget: trend by week (htmx)": ("/analytics/widgets/trend/", {"period": "week"}),
    "widget: drivers (htmx, cached)": ("/analytics/widgets/drivers/", {}),
    "drill-down records page": ("/analytics/records/", {"band": "dissatisfied"}),
}


def timed(fn, runs: int) -> dict:
    fn()  # warm-up: caches, connection, templates
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return {"median_ms": statistics.median(samples), "min_ms": min(samples), "max_ms": max(samples), "runs": runs}


def in_process(runs: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from satisfaction.tests.factories import UserFactory

    user = get_user_model().objects.filter(groups__name="manager").first() or UserFactory(
        username="bench-manager", role="manager"
    )
    client = Client()
    client.force_login(user)
    results = {}
    for name, (path, params) in PAGES.items():
        headers = {"HTTP_HX_REQUEST": "true"} if "htmx" in name else {}

        def fetch(path=path, params=params, headers=headers):
            response = client.get(path, params, **headers)
            assert response.status_code == 200, (path, response.status_code)

        results[name] = timed(fetch, runs)
        print(f"  {name:<40} median {results[name]['median_ms']:7.1f} ms  "
              f"(min {results[name]['min_ms']:.1f}, max {results[name]['max_ms']:.1f})")  # fmt: skip
    return results, user


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_run(user, requests: int, concurrency: int) -> dict | None:
    if not shutil.which("ab"):
        print("  ab not found (apt-get install apache2-utils): load run skipped")
        return None
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    port = free_port()
    # Production settings, but plain HTTP on loopback.
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "127.0.0.1",
           "SECURE_SSL_REDIRECT": "0", "SESSION_COOKIE_SECURE": "0", "CSRF_COOKIE_SECURE": "0",
           "LOG_LEVEL": "WARNING"}  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "satisfaction_site.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}",
         "--log-level", "warning"],
        cwd=BASE_DIR, env=env,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        cookie = f"{settings.SESSION_COOKIE_NAME}={session.session_key}"
        url = f"http://127.0.0.1:{port}/analytics/"
        subprocess.run(["ab", "-q", "-n", "20", "-c", "2", "-C", cookie, url], capture_output=True, check=False)
        out = subprocess.run(
            ["ab", "-q", "-n", str(requests), "-c", str(concurrency), "-C", cookie, url],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        rps = float(re.search(r"Requests per second:\s+([\d.]+)", out).group(1))
        p95 = float(re.search(r"^\s*95%\s+(\d+)", out, re.M).group(1))
        p50 = float(re.search(r"^\s*50%\s+(\d+)", out, re.M).group(1))
        non_2xx = re.search(r"Non-2xx responses:\s+(\d+)", out)
        failed = int(re.search(r"Failed requests:\s+(\d+)", out).group(1))
        result = {"requests": requests, "concurrency": concurrency, "workers": 2, "requests_per_s": rps,
                  "p50_ms": p50, "p95_ms": p95, "failed": failed,
                  "non_2xx": int(non_2xx.group(1)) if non_2xx else 0}  # fmt: skip
        print(f"  load: {rps:.1f} req/s, p50 {p50:.0f} ms, p95 {p95:.0f} ms "
              f"({requests} requests, concurrency {concurrency}, gunicorn -w 2; failed {failed})")  # fmt: skip
        return result
    finally:
        server.terminate()
        server.wait(timeout=10)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--no-load", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    from satisfaction.feedback.models import SatisfactionRecord

    records = SatisfactionRecord.objects.count()
    print(f"Database: {connection.vendor}, {records:,} satisfaction records")
    results, user = in_process(args.runs)
    load = None if args.no_load else load_run(user, args.requests, args.concurrency)
    out = BASE_DIR / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    report = {"vendor": connection.vendor, "records": records, "pages": results, "load": load}
    (out / f"web-{connection.vendor}.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
