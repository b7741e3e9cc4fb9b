"""Benchmark and accuracy check of the small-sample statistics (pure functions; no database).

Measures, each over --runs runs (median, min, max wall time and the median CPU time):
  (a) the exact permutation Mann–Whitney p at 5 vs 5, 20 vs 20, 20 vs 100 and 20 vs 200 tied scores
      (1.0–5.0 by 0.1; 20 vs 230 is the largest still exact), and the normal approximation on 20 vs 300;
  (b) `jeffreys_probability_at_least` for 10,000 (x, n, target) triples;
and checks the figures the issue names: 4,4,4,4,4 vs 5,5,5,5,4 gives p = 12/252 ≈ 0.048, and the largest
deviation of the exact p from scipy's full permutation test over 200 random tied data sets of 5–9 per group.

    .venv/bin/python bench/small_samples.py --runs 7

Prints a table and writes the figures as JSON (default bench/results/small_samples.json).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

import numpy as np  # noqa: E402
from scipy import stats as sps  # noqa: E402

from analytics.lib import stats  # noqa: E402

SCORES = np.arange(10, 51) / 10


def _timed(fn, runs: int) -> dict:
    walls, cpus = [], []
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return {"median": statistics.median(walls), "min": min(walls), "max": max(walls), "cpu": statistics.median(cpus)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--out", default=str(BASE_DIR / "bench" / "results" / "small_samples.json"))
    args = parser.parse_args()
    rng = np.random.default_rng(16)
    figures: dict = {"runs": args.runs, "load_average": os.getloadavg()[0]}

    for n1, n2 in ((5, 5), (20, 20), (20, 100), (20, 200), (20, 300)):
        a, b = rng.choice(SCORES, n1).tolist(), rng.choice(SCORES, n2).tolist()
        method = "exact" if "exact" in stats.mann_whitney(a, b).reading_en else "asymptotic"
        figures[f"a_mann_whitney_{n1}_vs_{n2}"] = {**_timed(lambda a=a, b=b: stats.mann_whitney(a, b), args.runs),
                                                  "method": method}  # fmt: skip

    triples = [(int(x), int(n), float(t)) for n in rng.integers(1, 5000, 10_000) for x, t in [(rng.integers(0, n + 1),
               rng.uniform(0.5, 0.99))]]  # fmt: skip
    figures["b_probability_met_10000"] = _timed(
        lambda: [stats.jeffreys_probability_at_least(x, n, t) for x, n, t in triples], args.runs
    )

    figures["issue_case_p"] = stats.mann_whitney([4] * 5, [5, 5, 5, 5, 4]).p_value
    worst, checked = 0.0, 0
    while checked < 200:
        a = rng.choice([1.0, 2.0, 3.0, 3.5, 4.0, 4.5, 5.0], int(rng.integers(5, 10))).tolist()
        b = rng.choice([2.0, 3.0, 4.0, 5.0], int(rng.integers(5, 10))).tolist()
        if len(set(a + b)) == 1:
            continue
        ref = sps.mannwhitneyu(a, b, method=sps.PermutationMethod(n_resamples=np.inf)).pvalue
        worst = max(worst, abs(stats.mann_whitney(a, b).p_value - float(ref)))
        checked += 1
    figures["exact_vs_scipy_permutation_max_abs_diff_200_sets"] = worst

    print(f"{'measurement':<40} {'median':>10} {'min':>10} {'max':>10} {'cpu':>10}")
    for key, value in figures.items():
        if isinstance(value, dict):
            extra = f"  ({value['method']})" if "method" in value else ""
            print(
                f"{key:<40} {value['median'] * 1000:>8.1f}ms {value['min'] * 1000:>8.1f}ms "
                f"{value['max'] * 1000:>8.1f}ms {value['cpu'] * 1000:>8.1f}ms{extra}"
            )
        else:
            print(f"{key:<40} {value}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
