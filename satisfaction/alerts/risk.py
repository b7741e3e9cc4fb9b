"""The per-customer risk score: weighted signals no single alert shows, each with the reason it contributed."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from satisfaction.alerts.models import AlertSettings, CustomerRiskScore, RiskFactor, RiskWeight, WatchlistEntry
from satisfaction.alerts.reasons import reason_text
from satisfaction.alerts.rules import complaint_sla_breaches, last_scores, mean_score
from satisfaction.alerts.watchlist import watchlist_add_by_rule
from satisfaction.feedback.kpis import counted_records
from satisfaction.helpdesk.models import Complaint, ServiceTicket

MAX_SCORE = 100.0

# factor → (points per unit, units counted at most). Admins override any of them with a RiskWeight row.
DEFAULT_WEIGHTS: dict[str, tuple[float, float]] = {
    RiskFactor.LOW_SCORES: (10.0, 4.0),
    RiskFactor.SCORE_TREND: (20.0, 2.0),
    RiskFactor.OPEN_COMPLAINTS: (10.0, 3.0),
    RiskFactor.ESCALATIONS: (10.0, 3.0),
    RiskFactor.SLA_BREACHES: (8.0, 4.0),
    RiskFactor.UNANSWERED_FOLLOW_UPS: (5.0, 4.0),
}


@dataclass(frozen=True)
class RiskReason:
    """One factor's contribution: units found, units counted (capped), weight and points."""

    factor: str
    units: float
    counted: float
    weight: float
    points: float
    reason_en: str
    reason_zh: str


def risk_weights() -> dict[str, tuple[float, float]]:
    """The weights in force: the defaults, overridden by the admin's RiskWeight rows."""
    weights = dict(DEFAULT_WEIGHTS)
    for row in RiskWeight.objects.all():
        weights[row.factor] = (row.weight, row.cap)
    return weights


def _score_trends(customer_ids, window: int) -> dict[int, float]:
    """Mean of the previous `window` scores minus the mean of the last `window`, for customers with 2×window."""
    return {
        cid: float(mean_score(scores[window:]) - mean_score(scores[:window]))
        for cid, (_name, scores) in last_scores(customer_ids, 2 * window).items()
        if len(scores) == 2 * window
    }


def _reason_params(factor: str, units: float, cfg: AlertSettings) -> dict:
    """The numbers a factor's reason is worded from (see `satisfaction.alerts.reasons`)."""
    # Plain numbers: they are stored as JSON in watch-list entries.
    low = float(cfg.low_score_below)
    return {"units": float(units), "low": low, "days": int(cfg.risk_lookback_days), "w": int(cfg.decline_window)}


def compute_risk(*, now=None, customer_ids=None) -> dict[int, tuple[float, list[RiskReason]]]:
    """Risk score (0–100) and reasons for every customer with any signal (or only `customer_ids`)."""
    now = now or timezone.now()
    cfg = AlertSettings.load()
    since = now - dt.timedelta(days=cfg.risk_lookback_days)
    weights = risk_weights()
    units: dict[int, dict[str, float]] = defaultdict(dict)

    records = counted_records()
    complaints = Complaint.objects.all()
    tickets = ServiceTicket.objects.all()
    if customer_ids is not None:
        records = records.filter(customer_id__in=customer_ids)
        complaints = complaints.filter(contract__customer_id__in=customer_ids)
        tickets = tickets.filter(contract__customer_id__in=customer_ids)

    def count_by_customer(qs, factor, customer_field):
        for row in qs.order_by().values(customer_field).annotate(n=Count("id")):
            units[row[customer_field]][factor] = float(row["n"])

    count_by_customer(
        records.filter(created_at__gte=since, score__lt=cfg.low_score_below), RiskFactor.LOW_SCORES, "customer_id"
    )
    count_by_customer(complaints.filter(resolved_at__isnull=True), RiskFactor.OPEN_COMPLAINTS, "contract__customer_id")
    count_by_customer(
        complaints.filter(filed_at__gte=since, escalated=True), RiskFactor.ESCALATIONS, "contract__customer_id"
    )
    count_by_customer(
        tickets.filter(follow_up=True, closed_at__isnull=True),
        RiskFactor.UNANSWERED_FOLLOW_UPS,
        "contract__customer_id",
    )
    for complaint in complaints.filter(filed_at__gte=since).select_related("contract"):
        breaches = len(complaint_sla_breaches(complaint, cfg, now))
        if breaches:
            bucket = units[complaint.contract.customer_id]
            bucket[RiskFactor.SLA_BREACHES] = bucket.get(RiskFactor.SLA_BREACHES, 0.0) + breaches
    active = records.filter(created_at__gte=since).order_by().values("customer_id").distinct()
    for customer_id, drop in _score_trends(active, cfg.decline_window).items():
        if drop > 0:
            units[customer_id][RiskFactor.SCORE_TREND] = round(drop, 4)

    result = {}
    for customer_id, found in units.items():
        reasons = []
        for factor in RiskFactor.values:
            if not found.get(factor):
                continue
            weight, cap = weights[factor]
            counted = min(found[factor], cap)
            points = round(weight * counted, 2)
            if points <= 0:
                continue
            fmt = _reason_params(factor, found[factor], cfg)
            reasons.append(
                RiskReason(
                    factor, found[factor], counted, weight, points,
                    reason_text(factor, fmt, "en"), reason_text(factor, fmt, "zh-hans"),
                )
            )  # fmt: skip
        reasons.sort(key=lambda r: -r.points)
        result[customer_id] = (min(MAX_SCORE, round(sum(r.points for r in reasons), 2)), reasons)
    return result


@transaction.atomic
def recompute_risk_scores(*, now=None) -> int:
    """Store every customer's risk score and reasons (only rows that changed are written); customers reaching the
    threshold join the watch list with reason = risk. Returns the number of customers with a score above zero."""
    now = now or timezone.now()
    cfg = AlertSettings.load()
    computed = compute_risk(now=now)
    existing = {row.customer_id: row for row in CustomerRiskScore.objects.select_for_update()}
    to_create, to_update = [], []
    for customer_id in set(existing) | set(computed):
        score, reasons = computed.get(customer_id, (0.0, []))
        reason_dicts = [asdict(r) for r in reasons]
        row = existing.get(customer_id)
        if row is None:
            if score > 0:
                to_create.append(
                    CustomerRiskScore(customer_id=customer_id, score=score, reasons=reason_dicts, computed_at=now)
                )
        elif row.score != score or row.reasons != reason_dicts:
            row.score, row.reasons, row.computed_at = score, reason_dicts, now
            to_update.append(row)
    CustomerRiskScore.objects.bulk_create(to_create)
    CustomerRiskScore.objects.bulk_update(to_update, ["score", "reasons", "computed_at"])
    for customer_id, (score, reasons) in computed.items():
        if score >= cfg.risk_threshold:
            details = {
                "score": float(score),
                "threshold": float(cfg.risk_threshold),
                "reasons": [{"factor": r.factor, "params": _reason_params(r.factor, r.units, cfg)} for r in reasons],
            }
            watchlist_add_by_rule(customer_id=customer_id, reason=WatchlistEntry.Reason.RISK, details=details)
    return sum(1 for score, _reasons in computed.values() if score > 0)
