"""The satisfaction rate of everyone invited, not only of those who answered: a non-response adjustment.

Survey invitations say who was asked and who answered. Within a cell of service type × segment priority ×
urgency (of the ticket or complaint the survey was about; campaigns have none), the answers stand for everyone
invited in that cell: each answer is weighted by the inverse of its cell's response rate, i.e. the cells'
satisfaction rates are averaged with the weights of the invited population (post-stratification). A cell with
fewer than `MIN_ANSWERS_PER_CELL` answers is pooled with the others of its service type × segment, then of its
service type, then overall, so that no rate rests on one or two answers; invitations of a pool with no answer at
all are left out and reported as not covered.

The interval: the variance of the weighted rate is Σ W_c² p_c(1 − p_c)/m_c (W_c the cell's share of the
invited, m_c its answers), turned into Kish's effective sample size n_eff = p(1 − p)/Var and a Wilson interval
at n_eff, so it stays inside 0–1. The raw rate beside it is that of the same answers unweighted, with its Wilson
interval. One place computes it; the dashboard and the API (`kpis.adjusted`) show the same numbers.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from django.db.models import CharField, Count, F, Q
from django.db.models.functions import Coalesce

from analytics.lib import stats
from analytics.lib.metrics import Scope, segment_expression
from analytics.lib.responses import sent_invitations
from satisfaction.feedback.models import SATISFIED_MIN

MIN_ANSWERS_PER_CELL = 5
LOW_RESPONSE_RATE = 0.20  # below this the answers are a small, likely self-selected part of those asked


@dataclass(frozen=True)
class CellCounts:
    """One cell's invitations: how many were sent, answered with a rating, and satisfied among those."""

    key: tuple  # (service type, segment, urgency); urgency "" when unknown
    invited: int
    answered: int
    satisfied: int


@dataclass(frozen=True)
class AdjustedRate:
    """The raw (answers only) and the adjusted (all invited) satisfaction rate, each with its 95% interval."""

    invited: int
    answered: int
    response_rate: float | None
    raw_rate: float | None
    raw_ci: stats.Interval | None
    adjusted_rate: float | None
    adjusted_ci: stats.Interval | None
    effective_n: float | None
    cells: int  # strata after pooling
    covered_share: float | None  # share of the invited whose pool had at least one answer
    low_response: bool  # response rate below LOW_RESPONSE_RATE
    enough_data: bool
    reading_en: str
    reading_zh: str

    def as_dict(self) -> dict:
        return asdict(self)


def _pooled(cells: Iterable[CellCounts]) -> list[CellCounts]:
    """Strata: cells with enough answers stand alone; the rest pool by (service, segment), service, then all."""
    strata, rest = [], []
    for cell in cells:
        (strata if cell.answered >= MIN_ANSWERS_PER_CELL else rest).append(cell)
    for depth, last in ((2, False), (1, False), (0, True)):
        groups: dict[tuple, list[CellCounts]] = defaultdict(list)
        for cell in rest:
            groups[cell.key[:depth]].append(cell)
        rest = []
        for key, members in groups.items():
            merged = CellCounts(
                key,
                sum(c.invited for c in members),
                sum(c.answered for c in members),
                sum(c.satisfied for c in members),
            )
            if merged.answered >= MIN_ANSWERS_PER_CELL or last:
                strata.append(merged)  # the last pool is kept even without answers, to count what is not covered
            else:
                rest.extend(members)
    return strata


def _pct(x: float) -> str:
    return f"{x * 100:.0f}%"


def adjusted_from_cells(cells: Iterable[CellCounts]) -> AdjustedRate:
    """The adjustment over cell counts (pure; see the module docstring)."""
    cells = [c for c in cells if c.invited]
    invited = sum(c.invited for c in cells)
    answered = sum(c.answered for c in cells)
    satisfied = sum(c.satisfied for c in cells)
    response = answered / invited if invited else None
    raw = satisfied / answered if answered else None
    raw_ci = stats.wilson_interval(satisfied, answered) if answered else None
    strata = [s for s in _pooled(cells) if s.answered]
    covered = sum(s.invited for s in strata)
    enough = answered >= stats.MIN_N_PROPORTION
    low = response is not None and response < LOW_RESPONSE_RATE
    if not enough or not covered:
        return AdjustedRate(
            invited, answered, response, raw, raw_ci, None, None, None, len(strata),
            covered / invited if invited else None, low, False,
            f"Not enough survey answers to adjust for non-response ({answered}; at least "
            f"{stats.MIN_N_PROPORTION} needed).",
            f"问卷回复不足，无法校正未回复偏差（{answered} 条；至少需要 {stats.MIN_N_PROPORTION} 条）。",
        )  # fmt: skip
    adjusted = sum(s.invited / covered * s.satisfied / s.answered for s in strata)
    variance = sum(
        (s.invited / covered) ** 2 * (s.satisfied / s.answered) * (1 - s.satisfied / s.answered) / s.answered
        for s in strata
    )
    # Every stratum all-or-nothing leaves no sampling spread to estimate: fall back to the number of answers.
    n_eff = adjusted * (1 - adjusted) / variance if variance > 0 and 0 < adjusted < 1 else float(answered)
    ci = _wilson_at(adjusted, n_eff)
    reading_en = (
        f"Responding customers {_pct(raw)} ({_pct(raw_ci.low)}–{_pct(raw_ci.high)}), all invited customers, "
        f"adjusted: {_pct(adjusted)} ({_pct(ci.low)}–{_pct(ci.high)}); {answered} of {invited} invitations answered "
        f"({_pct(response)})."
    )
    reading_zh = (
        f"回复客户满意率 {_pct(raw)}（{_pct(raw_ci.low)}–{_pct(raw_ci.high)}），校正到全部受邀客户："
        f"{_pct(adjusted)}（{_pct(ci.low)}–{_pct(ci.high)}）；{invited} 份邀请中 {answered} 份已回复"
        f"（{_pct(response)}）。"
    )
    if low:
        reading_en += f" The response rate is below {_pct(LOW_RESPONSE_RATE)}: read both rates with care."
        reading_zh += f"回复率低于 {_pct(LOW_RESPONSE_RATE)}：两个比率都需谨慎解读。"
    return AdjustedRate(
        invited=invited,
        answered=answered,
        response_rate=response,
        raw_rate=raw,
        raw_ci=raw_ci,
        adjusted_rate=adjusted,
        adjusted_ci=ci,
        effective_n=n_eff,
        cells=len(strata),
        covered_share=covered / invited,
        low_response=low,
        enough_data=True,
        reading_en=reading_en,
        reading_zh=reading_zh,
    )


def _wilson_at(p: float, n: float, confidence: float = 0.95) -> stats.Interval:
    """The Wilson interval for a proportion p at a (possibly fractional) effective sample size n."""
    z = stats._z_crit(confidence)
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return stats.Interval(max(0.0, centre - half), min(1.0, centre + half), confidence)


def invitation_cells(scope: Scope) -> list[CellCounts]:
    """Invitations first sent in the scope, counted per (service type, segment, urgency) cell, in one query.

    An answer counts when its invitation has a rating (the record it created); self-rated records cannot come
    from a survey, so every answer counts as in the KPIs.
    """
    answered = Q(answered_at__isnull=False, record__isnull=False)
    rows = (
        sent_invitations(scope)
        .annotate(
            seg=segment_expression("customer_id"),
            urgency_known=Coalesce(F("ticket__urgency"), F("complaint__urgency"), output_field=CharField()),
        )
        .values("service_type_id", "seg", "urgency_known")
        .annotate(
            invited=Count("id"),
            answered=Count("id", filter=answered),
            satisfied=Count("id", filter=answered & Q(record__score__gte=SATISFIED_MIN)),
        )
    )
    return [
        CellCounts(
            (r["service_type_id"], r["seg"], r["urgency_known"] or ""), r["invited"], r["answered"], r["satisfied"]
        )
        for r in rows
    ]


def adjusted_rate(scope: Scope) -> AdjustedRate:
    """The scope's raw and non-response-adjusted satisfaction rate: the one function the page and API call."""
    return adjusted_from_cells(invitation_cells(scope))


__all__ = ["AdjustedRate", "CellCounts", "adjusted_from_cells", "adjusted_rate", "invitation_cells"]
