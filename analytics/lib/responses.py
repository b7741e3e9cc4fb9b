"""Survey response rates (answered / sent) with Wilson intervals, and the optional NPS and CES questions.

A 95% satisfaction rate on a 10% response rate is not a 95% rate: these numbers sit beside the KPIs. The scope
is the KPIs' `Scope`; an invitation counts in the period in which it was first sent (local dates).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass

from django.db.models import Count, Q, QuerySet, StdDev, Sum
from django.utils import translation

from analytics.lib import stats
from analytics.lib.metrics import Scope, day_start, segment_expression, segment_filter, segment_label
from analytics.lib.stats import sps  # scipy.stats, imported on first use
from satisfaction.crm.models import ServiceType
from satisfaction.surveys.models import SurveyInvitation

NPS_PROMOTER_MIN = 9
NPS_DETRACTOR_MAX = 6


@dataclass(frozen=True)
class ResponseRate:
    """Invitations sent and answered in a scope, the rate answered / sent and its Wilson 95% interval."""

    key: str
    label_en: str
    label_zh: str
    sent: int
    answered: int
    rate: float | None
    ci: stats.Interval
    enough_data: bool

    @classmethod
    def of(cls, sent: int, answered: int, key: str = "all", label_en: str = "All", label_zh: str = "全部"):
        sent, answered = int(sent or 0), int(answered or 0)
        return cls(
            key=key,
            label_en=label_en,
            label_zh=label_zh,
            sent=sent,
            answered=answered,
            rate=answered / sent if sent else None,
            ci=stats.wilson_interval(answered, sent),
            enough_data=sent >= stats.MIN_N_PROPORTION,
        )

    @property
    def non_response_rate(self) -> float | None:
        return None if self.rate is None else 1 - self.rate

    def as_dict(self) -> dict:
        return {**asdict(self), "non_response_rate": self.non_response_rate}


def sent_invitations(scope: Scope) -> QuerySet:
    """Invitations first sent within a scope (dates, service types, segment, customer), unordered."""
    qs = SurveyInvitation.objects.order_by().filter(sent_at__isnull=False)
    if scope.start:
        qs = qs.filter(sent_at__gte=day_start(scope.start))
    if scope.end:
        qs = qs.filter(sent_at__lt=day_start(scope.end + dt.timedelta(days=1)))
    if scope.service_types:
        qs = qs.filter(service_type__code__in=scope.service_types)
    if scope.customer_id is not None:
        qs = qs.filter(customer_id=scope.customer_id)
    if scope.segment_priority is not None:
        qs = qs.filter(segment_filter(scope.segment_priority))
    return qs


_COUNTS = {"sent": Count("id"), "answered": Count("id", filter=Q(answered_at__isnull=False))}


def response_rate(scope: Scope) -> ResponseRate:
    """Answered / sent over a scope, in one query."""
    row = sent_invitations(scope).aggregate(**_COUNTS)
    return ResponseRate.of(row["sent"], row["answered"])


def response_rate_by_service_type(scope: Scope) -> list[ResponseRate]:
    """Response rate per service type (every service type with invitations in scope)."""
    found = {r["service_type_id"]: r for r in sent_invitations(scope).values("service_type_id").annotate(**_COUNTS)}
    return [
        ResponseRate.of(found[st.pk]["sent"], found[st.pk]["answered"], st.code, st.name_en, st.name_zh)
        for st in ServiceType.objects.filter(pk__in=found)
    ]


def response_rate_by_segment(scope: Scope) -> list[ResponseRate]:
    """Response rate per segment priority of the customer (1–5, then customers without contacts)."""
    rows = sent_invitations(scope).annotate(seg=segment_expression("customer_id")).values("seg").annotate(**_COUNTS)
    found = {r["seg"]: r for r in rows}
    out = []
    for priority in sorted(found, key=lambda p: (p == 0, p)):
        en, zh = segment_label(priority)
        out.append(ResponseRate.of(found[priority]["sent"], found[priority]["answered"], str(priority), en, zh))
    return out


def response_rate_by_channel(scope: Scope) -> list[ResponseRate]:
    """Response rate per channel the invitation came from: closed ticket, resolved complaint or campaign."""
    found = {r["source"]: r for r in sent_invitations(scope).values("source").annotate(**_COUNTS)}
    zh = {"ticket": "工单关闭", "complaint": "投诉解决", "campaign": "定期调查"}
    with translation.override("en"):  # `label_en` stays English whatever language the request speaks
        en = {value: str(label) for value, label in SurveyInvitation.Source.choices}
    return [
        ResponseRate.of(found[value]["sent"], found[value]["answered"], value, en[value], zh[value])
        for value in SurveyInvitation.Source.values
        if value in found
    ]


def response_breakdowns(scope: Scope, *, overall: ResponseRate | None = None) -> dict[str, list[dict]]:
    """Everything the dashboard and API show about response: overall, by service type, segment and channel.

    `overall` is the scope's `response_rate` when the caller already has it (it saves the one query).
    """
    return {
        "overall": [(overall or response_rate(scope)).as_dict()],
        "by_service_type": [r.as_dict() for r in response_rate_by_service_type(scope)],
        "by_segment": [r.as_dict() for r in response_rate_by_segment(scope)],
        "by_channel": [r.as_dict() for r in response_rate_by_channel(scope)],
    }


# --- NPS and CES ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NpsResult:
    """Net Promoter Score (−100…100): % promoters (9–10) − % detractors (0–6), with a 95% Wald interval."""

    n: int
    promoters: int
    passives: int
    detractors: int
    nps: float | None
    ci: stats.Interval | None
    enough_data: bool

    def as_dict(self) -> dict:
        return asdict(self)


def nps_from_counts(promoters: int, passives: int, detractors: int, confidence: float = 0.95) -> NpsResult:
    """NPS and its interval from counts; the variance is that of a difference of two multinomial shares."""
    n = promoters + passives + detractors
    if n == 0:
        return NpsResult(0, 0, 0, 0, None, None, False)
    p_pro, p_det = promoters / n, detractors / n
    score = p_pro - p_det
    se = math.sqrt(max(p_pro + p_det - score * score, 0.0) / n)
    z = sps.norm.ppf(0.5 + confidence / 2)
    ci = stats.Interval(max(-100.0, 100 * (score - z * se)), min(100.0, 100 * (score + z * se)), confidence)
    return NpsResult(n, promoters, passives, detractors, 100 * score, ci, n >= stats.MIN_N_PROPORTION)


def _answered(scope: Scope, campaign_id: int | None) -> QuerySet:
    qs = sent_invitations(scope).filter(answered_at__isnull=False)
    return qs.filter(campaign_id=campaign_id) if campaign_id is not None else qs


def nps(scope: Scope, *, campaign_id: int | None = None) -> NpsResult:
    """NPS over the answers that had the question (per campaign when `campaign_id` is given)."""
    row = _answered(scope, campaign_id).aggregate(
        promoters=Count("id", filter=Q(nps_score__gte=NPS_PROMOTER_MIN)),
        passives=Count("id", filter=Q(nps_score__gt=NPS_DETRACTOR_MAX, nps_score__lt=NPS_PROMOTER_MIN)),
        detractors=Count("id", filter=Q(nps_score__lte=NPS_DETRACTOR_MAX)),
    )
    return nps_from_counts(row["promoters"], row["passives"], row["detractors"])


@dataclass(frozen=True)
class CesResult:
    """Customer Effort Score: mean of 1–7 answers (higher = easier), with a t 95% interval."""

    n: int
    mean: float | None
    sd: float | None
    ci: stats.Interval | None
    enough_data: bool

    def as_dict(self) -> dict:
        return asdict(self)


def ces_from_sums(n: int, total: float, sd: float | None, confidence: float = 0.95) -> CesResult:
    """Mean CES and its t interval from the count, sum and sample standard deviation."""
    if n == 0:
        return CesResult(0, None, None, None, False)
    mean = total / n
    if n < 2 or sd is None:
        return CesResult(n, mean, None, None, False)
    half = sps.t.ppf(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n)
    return CesResult(n, mean, sd, stats.Interval(mean - half, mean + half, confidence), n >= stats.MIN_N_MEAN)


def ces(scope: Scope, *, campaign_id: int | None = None) -> CesResult:
    """Mean CES over the answers that had the question (per campaign when `campaign_id` is given)."""
    qs = _answered(scope, campaign_id).filter(ces_score__isnull=False)
    row = qs.aggregate(n=Count("id"), total=Sum("ces_score"), sd=StdDev("ces_score", sample=True))
    return ces_from_sums(row["n"], float(row["total"] or 0), row["sd"])
