"""Backtest of the drop detector (`analytics.lib.stats.drift_tests`) on simulated weekly satisfaction data.

Each simulated run has the cells the alert rule watches: 3 service types × 5 segment priorities, each with its
own stable satisfaction rate (uniform 80–92%) and `--per-week` responses a week, plus the overall rate (their
sum). Every week the detector compares each cell's last `--recent-weeks` with its `--baseline-weeks` before,
with the Benjamini–Hochberg correction over every cell tested that week, exactly as the weekly alert run does.

  (a) stable data: false alerts per cell per quarter. An alert opens when a cell is flagged after a week it was
      not (an open alert is deduplicated); "flagged weeks" counts every flagged cell-week, the stricter figure.
  (b) injected drops of 3, 5 and 10 points in one cell: the weeks from the drop until that cell is first
      flagged (1 = flagged at the end of the first week after the drop); median, share detected within 2, 4
      and 13 weeks.

    .venv/bin/python bench/drift.py --quarters 400 --trials 300

Prints a table and writes the figures as JSON (default bench/results/drift.json).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

import numpy as np  # noqa: E402

from analytics.lib.stats import DEFAULT_ALPHA, drift_tests  # noqa: E402

SERVICE_TYPES, SEGMENTS = 3, 5
WEEKS_PER_QUARTER = 13
HORIZON_WEEKS = 13  # a drop not flagged within a quarter counts as missed


def _rates(rng) -> np.ndarray:
    return rng.uniform(0.80, 0.92, SERVICE_TYPES * SEGMENTS)


def _flags(satisfied: np.ndarray, counts: np.ndarray, week: int, recent: int, baseline: int, fdr: float) -> list:
    """Flagged cells (the last one is the overall rate) at the end of `week` (an index into the weekly arrays)."""
    r0, b0 = week - recent + 1, week - recent - baseline + 1
    x_r, n_r = satisfied[r0 : week + 1].sum(axis=0), counts[r0 : week + 1].sum(axis=0)
    x_b, n_b = satisfied[b0:r0].sum(axis=0), counts[b0:r0].sum(axis=0)
    cells = [(int(a), int(b), int(c), int(d)) for a, b, c, d in zip(x_r, n_r, x_b, n_b, strict=True)]
    cells.append((int(x_r.sum()), int(n_r.sum()), int(x_b.sum()), int(n_b.sum())))
    return [test.flagged(fdr) for test in drift_tests(cells)]


def _simulate(rng, weeks: int, per_week: int, rates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    counts = np.full((weeks, rates.size), per_week)
    return rng.binomial(counts, np.broadcast_to(rates, (weeks, rates.size))), counts


def stable(rng, args) -> dict:
    warm = args.recent_weeks + args.baseline_weeks - 1
    weeks = warm + args.quarters * WEEKS_PER_QUARTER
    alerts = flagged_weeks = 0
    cells = SERVICE_TYPES * SEGMENTS + 1
    # Simulated in blocks of 20 quarters, each with its own cell rates.
    block = 20 * WEEKS_PER_QUARTER
    done = 0
    while done < args.quarters * WEEKS_PER_QUARTER:
        span = min(block, args.quarters * WEEKS_PER_QUARTER - done)
        satisfied, counts = _simulate(rng, warm + span, args.per_week, _rates(rng))
        previous = [False] * cells
        for week in range(warm, warm + span):
            now = _flags(satisfied, counts, week, args.recent_weeks, args.baseline_weeks, args.fdr)
            flagged_weeks += sum(now)
            alerts += sum(1 for was, is_ in zip(previous, now, strict=True) if is_ and not was)
            previous = now
        done += span
    cell_quarters = cells * args.quarters
    return {
        "weeks": weeks,
        "cells": cells,
        "cell_quarters": cell_quarters,
        "false_alerts": alerts,
        "false_alerts_per_cell_quarter": alerts / cell_quarters,
        "flagged_weeks_per_cell_quarter": flagged_weeks / cell_quarters,
    }


def drop(rng, args, points: int) -> dict:
    warm = args.recent_weeks + args.baseline_weeks
    delays = []
    for _ in range(args.trials):
        rates = _rates(rng)
        cell = int(rng.integers(rates.size))
        before, _ = _simulate(rng, warm, args.per_week, rates)
        dropped = rates.copy()
        dropped[cell] -= points / 100
        after, _ = _simulate(rng, HORIZON_WEEKS, args.per_week, dropped)
        satisfied = np.vstack([before, after])
        counts = np.full(satisfied.shape, args.per_week)
        delay = None
        for k in range(1, HORIZON_WEEKS + 1):
            if _flags(satisfied, counts, warm + k - 1, args.recent_weeks, args.baseline_weeks, args.fdr)[cell]:
                delay = k
                break
        delays.append(delay if delay is not None else float("inf"))
    median = statistics.median(delays)
    return {
        "points": points,
        "trials": args.trials,
        "median_delay_weeks": median if median != float("inf") else None,
        "detected_within_2_weeks": sum(d <= 2 for d in delays) / len(delays),
        "detected_within_4_weeks": sum(d <= 4 for d in delays) / len(delays),
        "detected_within_13_weeks": sum(d <= 13 for d in delays) / len(delays),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quarters", type=int, default=400, help="simulated quarters of stable data")
    parser.add_argument("--trials", type=int, default=300, help="simulated drops per size")
    parser.add_argument("--per-week", type=int, default=50, help="responses a week in each cell")
    parser.add_argument("--recent-weeks", type=int, default=2)
    parser.add_argument("--baseline-weeks", type=int, default=26)
    parser.add_argument("--fdr", type=float, default=DEFAULT_ALPHA)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--out", default=str(BASE_DIR / "bench" / "results" / "drift.json"))
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    started = time.perf_counter()
    figures = {
        "settings": {k: v for k, v in vars(args).items() if k != "out"},
        "stable": stable(rng, args),
        "drops": [drop(rng, args, points) for points in (3, 5, 10)],
    }
    figures["seconds"] = round(time.perf_counter() - started, 1)
    s = figures["stable"]
    print(f"stable: {s['cells']} cells × {args.quarters} quarters, {args.per_week} responses/week per cell")
    print(f"  false alerts per cell per quarter: {s['false_alerts_per_cell_quarter']:.4f} (target ≤ 0.05)")
    print(f"  flagged cell-weeks per cell per quarter: {s['flagged_weeks_per_cell_quarter']:.4f}")
    for d in figures["drops"]:
        print(
            f"drop {d['points']:>2} points: median delay {d['median_delay_weeks']} weeks; detected within 2 weeks "
            f"{d['detected_within_2_weeks']:.0%}, 4 weeks {d['detected_within_4_weeks']:.0%}, "
            f"13 weeks {d['detected_within_13_weeks']:.0%} ({d['trials']} trials)"
        )
    print(f"{figures['seconds']} s")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
