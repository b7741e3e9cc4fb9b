"""Backtest of the path page's forecast (`analytics.rules.path_to_target.backtest`): at each past month, the chance
that the satisfaction rate 3 months on is at or above a level, from the 12 months up to it, against what happened.

  (a) the data's own history (a `seed_demo` database, `--database-url`): the monthly rates overall, of each
      service type and of each segment, scored at the target (95%) and at 80, 85 and 90% so that the
      calibration table is not all "no chance" on data far from the target;
  (b) simulations: `--series` series of 48 months, each a level (78–92%), a slope (normal, mean +0.2, sd 0.4
      points a month), month-to-month swings beyond sampling noise (sd 1.5 points) and 40–200 responses a month,
      scored at the same levels.

Reports the number of forecasts, the Brier score (0 is perfect; always 50% scores 0.25; the base-rate
forecaster's score is given beside it) and the calibration table (probability bins vs observed frequency).

    DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python manage.py migrate
    DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python manage.py seed_demo
    .venv/bin/python bench/forecast.py --database-url sqlite:////tmp/demo.sqlite3 --series 400

Without --database-url only (b) runs. Writes the figures as JSON (default bench/results/forecast.json).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satisfaction_site.settings")

import numpy as np  # noqa: E402

LEVELS = (0.80, 0.85, 0.90, 0.95)
AHEAD = 3


def _summary(ptt, made: list) -> dict:
    cal = ptt.calibration_of(made, AHEAD)
    base = sum(hit for _m, _p, hit in made) / len(made) if made else None
    climatology = sum((base - hit) ** 2 for _m, _p, hit in made) / len(made) if made else None
    return {
        "forecasts": cal.forecasts,
        "brier": cal.brier,
        "base_rate": base,
        "brier_base_rate_forecaster": climatology,
        "bins": [dataclasses.asdict(b) for b in cal.bins],
    }


def demo_history(database_url: str) -> dict:
    os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()
    from analytics.lib import metrics
    from analytics.lib.metrics import Scope
    from analytics.rules import path_to_target as ptt
    from satisfaction.crm.models import ServiceType
    from satisfaction.feedback.models import SatisfactionRecord

    last = SatisfactionRecord.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    if last is None:
        raise SystemExit(f"{database_url}: no records; run seed_demo first")
    today = last.date()
    start = ptt._add_months(today.replace(day=1), -(ptt.BACKTEST_MONTHS - 1))
    scopes = {"overall": Scope(start=start, end=today)}
    for st in ServiceType.objects.filter(is_active=True):
        scopes[f"service_type:{st.code}"] = Scope(start=start, end=today, service_types=(st.code,))
    for p in (1, 2, 3, 4, 5):
        scopes[f"segment:{p}"] = Scope(start=start, end=today, segment_priority=p)
    made_at, made_all = {level: [] for level in LEVELS}, []
    months = 0
    for scope in scopes.values():
        history = [ptt.MonthPoint(p.start, p.kpis.satisfaction_rate, p.kpis.count) for p in metrics.trend(scope)]
        history = history[:-1]  # the last month is not over
        months = max(months, sum(1 for p in history if p.count))
        for level in LEVELS:
            made, _cal = ptt.backtest(history, level, months_ahead=AHEAD)
            made_at[level] += made
            made_all += made
    return {
        "series": list(scopes),
        "months_with_responses": months,
        "at_target_95": _summary(ptt, made_at[0.95]),
        "all_levels": _summary(ptt, made_all),
    }


def simulated(series: int, seed: int) -> dict:
    from analytics.rules import path_to_target as ptt

    rng = np.random.default_rng(seed)
    made_at, made_all = {level: [] for level in LEVELS}, []
    for _ in range(series):
        level, slope = rng.uniform(0.78, 0.92), rng.normal(0.002, 0.004)
        n = int(rng.integers(40, 201))
        history = []
        for i in range(48):
            true = float(np.clip(level + slope * i + rng.normal(0, 0.015), 0.01, 0.99))
            month = ptt._add_months(dt.date(2022, 1, 1), i)
            history.append(ptt.MonthPoint(month, rng.binomial(n, true) / n, n))
        for target in LEVELS:
            made, _cal = ptt.backtest(history, target, months_ahead=AHEAD)
            made_at[target] += made
            made_all += made
    return {
        "series": series,
        "months": 48,
        "at_target_95": _summary(ptt, made_at[0.95]),
        "all_levels": _summary(ptt, made_all),
    }


def _print(name: str, figures: dict) -> None:
    for key in ("at_target_95", "all_levels"):
        s = figures[key]
        if not s["forecasts"]:
            print(f"{name} {key}: no forecasts")
            continue
        print(
            f"{name} {key}: {s['forecasts']} forecasts, Brier {s['brier']:.4f} "
            f"(base-rate forecaster {s['brier_base_rate_forecaster']:.4f})"
        )
        for b in s["bins"]:
            mean = "—" if b["mean_probability"] is None else f"{b['mean_probability']:.3f}"
            freq = "—" if b["observed_frequency"] is None else f"{b['observed_frequency']:.3f}"
            print(f"    {b['low']:.1f}–{b['high']:.1f}: {b['forecasts']:>6} forecasts, mean {mean}, observed {freq}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a seed_demo database (SQLite or PostgreSQL URL)")
    parser.add_argument("--series", type=int, default=400, help="simulated series")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--out", default=str(BASE_DIR / "bench" / "results" / "forecast.json"))
    args = parser.parse_args()
    started = time.perf_counter()
    figures: dict = {"months_ahead": AHEAD, "levels": LEVELS}
    if args.database_url:
        figures["demo"] = demo_history(args.database_url)
        _print("demo", figures["demo"])
    else:
        import django

        django.setup()
    figures["simulated"] = simulated(args.series, args.seed)
    _print("simulated", figures["simulated"])
    figures["seconds"] = round(time.perf_counter() - started, 1)
    print(f"{figures['seconds']} s")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(figures, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
