"""Sub-metric drivers: each sub-metric's mean and its Spearman correlation with the score, overall and per service type.

Counts and mean scores come from the KPI snapshots (one meaning per number). Up to `EXACT_LIMIT` records in
scope (and always for one customer) the sub-metrics are read from the records and every number is exact. Above
it, reading a million rows takes longer than a dashboard may: the means and n come from the exact daily sums of
`analytics.lib.submetrics`, and rho from its fixed 1-in-16 sample, with the stated error of the estimate (a 95%
interval for the rho of all records, Bonett & Wright 2000) in `rho_margin` and in the reading.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from django.db.models import FloatField
from django.db.models.functions import Cast

from analytics.lib import metrics, stats, submetrics
from analytics.lib.metrics import Scope
from satisfaction.crm.models import ServiceType
from satisfaction.feedback.kpis import EMPTY, KPI_SUMS, Kpis

SUB_METRICS = (
    ("response_time_hours", "response time", "响应时间"),
    ("accuracy_score", "accuracy", "准确性"),
    ("completeness_score", "completeness", "完整性"),
)
# Up to this many records in scope the drivers read them all (about a second at this size on SQLite).
EXACT_LIMIT = 100_000
Z_95 = 1.959963984540054


@dataclass(frozen=True)
class Driver:
    """One sub-metric of a group: its mean over the records that have it, and its Spearman relation to the score.

    `sampled` when rho was estimated from the fixed sample; `rho_margin` is then the half-width of the 95%
    interval for the rho of all records."""

    metric: str
    label_en: str
    label_zh: str
    mean: float | None
    n: int
    correlation: stats.Correlation
    sampled: bool = False
    rho_margin: float | None = None


@dataclass(frozen=True)
class DriverGroup:
    """The sub-metric view of one service type (or all, key '')."""

    key: str
    label_en: str
    label_zh: str
    count: int
    avg_score: float | None
    drivers: tuple[Driver, ...]

    def as_dict(self) -> dict:
        return asdict(self)


def rho_margin(rho: float, n: int) -> float | None:
    """Half-width of the 95% interval of a Spearman rho from n pairs: Fisher's z with Bonett & Wright's variance
    (1 + rho²/2) / (n − 3); the wider side, as the interval is not symmetric in rho."""
    if n <= 3 or abs(rho) >= 1:
        return None
    z, se = math.atanh(rho), math.sqrt((1 + rho * rho / 2) / (n - 3))
    return max(rho - math.tanh(z - Z_95 * se), math.tanh(z + Z_95 * se) - rho)


def sampled_correlation(x: np.ndarray, y: np.ndarray, *, what: str, what_zh: str) -> tuple[stats.Correlation, float]:
    """Spearman of sampled pairs, its reading saying it is an estimate and how close it is."""
    result = stats.spearman(x, y, what=what, what_zh=what_zh)
    margin = rho_margin(result.rho, result.n) if result.enough_data else None
    if margin is None:
        return result, None
    rate = submetrics.SAMPLE_RATE
    reading_en = (
        f"{result.reading_en} Estimated from a fixed 1-in-{rate} sample of the records: the rho of all of them "
        f"lies within ±{margin:.3f} of it (95%)."
    )
    reading_zh = f"{result.reading_zh}（由固定的 1/{rate} 抽样估计：全部记录的 rho 在其 ±{margin:.3f} 之内，95%。）"
    return stats.Correlation(result.n, result.rho, result.p_value, True, reading_en, reading_zh, result.q_value), margin


def _kpis_by_type(scope: Scope) -> dict[int, Kpis]:
    if scope.snapshot_ok:
        qs, sums = metrics.snapshot_rows(scope), metrics.SNAPSHOT_SUMS
    else:
        qs, sums = metrics.raw_records(scope), KPI_SUMS
    rows = qs.values("service_type_id").annotate(**sums)
    return {row["service_type_id"]: Kpis.from_sums(**{k: row[k] for k in KPI_SUMS}) for row in rows}


def _raw_values(scope: Scope) -> np.ndarray:
    """(service type id, score, sub-metrics…) of every record in scope as floats, NULL as NaN: one narrow query."""
    columns = ("service_type_id", "score_f", *(m for m, *_ in SUB_METRICS))
    rows = metrics.raw_records(scope).annotate(score_f=Cast("score", FloatField())).values_list(*columns)
    return np.array(list(rows.iterator(chunk_size=20_000)), dtype=float).reshape(-1, len(columns))


def _sample_values(scope: Scope) -> np.ndarray:
    return np.array(submetrics.sample_rows(scope), dtype=float).reshape(-1, 1 + len(SUB_METRICS) + 1)


def drivers(scope: Scope, *, exact: bool | None = None) -> list[DriverGroup]:
    """Sub-metric means and their Spearman correlation with the score, overall then per service type.

    `exact` forces reading every record (True) or the pre-aggregates (False); by default the scope's size
    decides (`EXACT_LIMIT`). Three queries exact, four from the pre-aggregates.
    """
    found = _kpis_by_type(scope)
    types = ServiceType.objects.all()
    if scope.service_types:
        types = types.filter(code__in=scope.service_types)
    types = [st for st in types if st.is_active or st.pk in found]
    overall = sum(found.values(), EMPTY)
    if exact is None:
        exact = not scope.snapshot_ok or overall.count <= EXACT_LIMIT
    if exact:
        table, sums = _raw_values(scope), None
    else:
        table, sums = _sample_values(scope), submetrics.sums_by_service_type(scope)
    groups = [_driver_group("", "All service types", "全部服务类型", overall, table[:, 1:], _total(sums))]
    for st in types:
        part = table[table[:, 0] == st.pk, 1:]
        type_sums = None if sums is None else sums.get(st.pk, {})
        groups.append(_driver_group(st.code, st.name_en, st.name_zh, found.get(st.pk, EMPTY), part, type_sums))
    return groups


def _total(sums: dict[int, dict] | None) -> dict | None:
    if sums is None:
        return None
    keys = {k for row in sums.values() for k in row}
    return {k: sum((row.get(k) or 0) for row in sums.values()) for k in keys}


SUM_KEYS = {"response_time_hours": "response", "accuracy_score": "accuracy", "completeness_score": "completeness"}


def _driver_group(
    key: str, label_en: str, label_zh: str, kpis: Kpis, values: np.ndarray, sums: dict | None
) -> DriverGroup:
    """One group's drivers: from every record's values (`sums` None) or from the sample and the exact day sums."""
    drivers_ = []
    for i, (metric, en, zh) in enumerate(SUB_METRICS, start=1):
        present = ~np.isnan(values[:, i])
        x, y = values[present, i], values[present, 0]
        if sums is None:
            n = int(present.sum())
            mean = float(x.sum()) / n if n else None
            correlation, margin = stats.spearman(x, y, what=en, what_zh=zh), None
        else:
            n = int(sums.get(f"{SUM_KEYS[metric]}_n") or 0)
            mean = float(sums[f"{SUM_KEYS[metric]}_sum"]) / n if n else None
            correlation, margin = sampled_correlation(x, y, what=en, what_zh=zh)
        drivers_.append(Driver(metric, en, zh, mean, n, correlation, sampled=sums is not None, rho_margin=margin))
    return DriverGroup(key, label_en, label_zh, kpis.count, kpis.avg_score, tuple(drivers_))
