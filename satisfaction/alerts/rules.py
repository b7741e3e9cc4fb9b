"""The alert rules: pure findings computed from the data, no writes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from analytics.lib.stats import MIN_N_PROPORTION, drift_tests
from analytics.lib.stats import format_p as stats_format_p
from analytics.lib.stats import format_q as stats_format_q
from core.localtime import day_start, local_tz
from satisfaction.alerts.models import AlertSettings, SatisfactionAlert
from satisfaction.crm.models import ServiceType, segment_priority_subquery
from satisfaction.feedback.kpis import counted_records, kpis_of, target_status_of, target_window
from satisfaction.feedback.models import SATISFIED_MIN, SatisfactionRecord, SatisfactionTarget
from satisfaction.helpdesk.models import Complaint

Kind = SatisfactionAlert.Kind
Severity = SatisfactionAlert.Severity
Status = SatisfactionAlert.Status


@dataclass(frozen=True)
class Finding:
    """What a rule found for one scope: everything needed to open or refresh an alert."""

    kind: str
    dedupe_key: str
    severity: str
    value: float | None
    threshold: float | None
    message_en: str
    message_zh: str
    evidence: dict = field(default_factory=dict)
    customer_id: int | None = None
    service_type_id: int | None = None
    record_id: int | None = None
    complaint_id: int | None = None


def low_score_severity(score: Decimal, cfg: AlertSettings) -> str:
    if score < cfg.critical_below:
        return Severity.CRITICAL
    if score < cfg.high_below:
        return Severity.HIGH
    return Severity.MEDIUM


def low_score_finding(record: SatisfactionRecord, cfg: AlertSettings) -> Finding | None:
    """`low_score`: a record scored below the threshold (default 3.5); one open alert per customer and service.

    Self-rated records do not count here, as in every KPI (`counted_records`).
    """
    if record.score >= cfg.low_score_below or record.self_rated:
        return None
    customer, service = record.customer, record.service_type
    return Finding(
        kind=Kind.LOW_SCORE,
        dedupe_key=f"low_score:customer:{customer.pk}:service:{service.pk}",
        severity=low_score_severity(record.score, cfg),
        value=float(record.score),
        threshold=float(cfg.low_score_below),
        evidence={"record_ids": [record.pk], "score": float(record.score), "channel": record.channel},
        customer_id=customer.pk,
        service_type_id=service.pk,
        record_id=record.pk,
        message_en=f"{customer.name} rated {service.name_en} {record.score} (below {cfg.low_score_below}).",
        message_zh=f"{customer.name} 对{service.name_zh}的评分为 {record.score}（低于 {cfg.low_score_below}）。",
    )


def mean_score(values: list[Decimal]) -> Decimal:
    return sum(values, Decimal(0)) / len(values)


def last_scores(customer_ids, n: int) -> dict[int, tuple[str, list[Decimal]]]:
    """Each customer's name and last `n` counted scores, newest first, in one window-function query.

    `customer_ids` may be a list or a queryset of ids. The decline rule and the risk score's trend read this.
    """
    rank = Window(RowNumber(), partition_by=[F("customer_id")], order_by=[F("created_at").desc(), F("id").desc()])
    rows = (
        counted_records()
        .filter(customer_id__in=customer_ids)
        .annotate(rank=rank)
        .filter(rank__lte=n)
        .order_by("customer_id", "rank")
        .values_list("customer_id", "customer__name", "score")
    )
    scores: dict[int, tuple[str, list[Decimal]]] = {}
    for customer_id, name, score in rows:
        scores.setdefault(customer_id, (name, []))[1].append(score)
    return scores


def customer_decline_findings(customer_ids, cfg: AlertSettings) -> list[Finding]:
    """`customer_decline` for many customers at once (one query): see `decline_finding`."""
    found = (
        decline_finding(customer_id, name, scores, cfg)
        for customer_id, (name, scores) in last_scores(customer_ids, 2 * cfg.decline_window).items()
    )
    return [finding for finding in found if finding is not None]


def customer_decline_finding(customer_id: int, cfg: AlertSettings) -> Finding | None:
    """`customer_decline` for one customer (after one of its records was saved): its last 2N counted scores by
    the (customer, date) index, so the per-record path stays one small query however long the history."""
    rows = list(
        counted_records()
        .filter(customer_id=customer_id)
        .order_by("-created_at", "-id")
        .values_list("score", "customer__name")[: 2 * cfg.decline_window]
    )
    if not rows:
        return None
    return decline_finding(customer_id, rows[0][1], [score for score, _name in rows], cfg)


def decline_finding(customer_id: int, name: str, scores: list[Decimal], cfg: AlertSettings) -> Finding | None:
    """`customer_decline`: mean of the customer's last N scores (newest first) below the threshold, or down by at
    least the drop against the N before."""
    w = cfg.decline_window
    if len(scores) < w:
        return None
    recent = mean_score(scores[:w])
    previous = mean_score(scores[w:]) if len(scores) == 2 * w else None
    mean_below = Decimal(str(cfg.decline_mean_below))
    drop_min = Decimal(str(cfg.decline_drop))
    drop = previous - recent if previous is not None else None
    is_low, has_dropped = recent < mean_below, drop is not None and drop >= drop_min
    if not (is_low or has_dropped):
        return None
    threshold = mean_below if is_low else previous - drop_min
    severity = Severity.HIGH if recent < cfg.high_below else Severity.MEDIUM
    drop_en = f", down {drop:.2f} from {previous:.2f}" if has_dropped else ""
    drop_zh = f"，较之前 {previous:.2f} 下降 {drop:.2f}" if has_dropped else ""
    return Finding(
        kind=Kind.CUSTOMER_DECLINE,
        dedupe_key=f"customer_decline:customer:{customer_id}",
        severity=severity,
        value=round(float(recent), 4),
        threshold=round(float(threshold), 4),
        evidence={
            "window": w,
            "recent_mean": round(float(recent), 4),
            "previous_mean": round(float(previous), 4) if previous is not None else None,
            "drop": round(float(drop), 4) if drop is not None else None,
            "recent_scores": [float(s) for s in scores[:w]],
        },
        customer_id=customer_id,
        message_en=f"{name}: mean of the last {w} scores is {recent:.2f}{drop_en}.",
        message_zh=f"{name}：最近 {w} 次评分均值为 {recent:.2f}{drop_zh}。",
    )


def _segment_text(segment: int | None) -> tuple[str, str]:
    if segment is None:
        return "customers without contacts", "无联系人客户"
    return f"priority-{segment} customers", f"优先级 {segment} 客户"


def drift_cells(cfg: AlertSettings, now) -> tuple[dict, dict]:
    """Satisfied and total counts per (service type, segment priority) cell in the recent and baseline windows, in
    one grouped query, and the two windows as ISO bounds. Cells without a baseline still count toward overall."""
    recent_start = now - dt.timedelta(days=cfg.drop_recent_days)
    base_start = recent_start - dt.timedelta(days=cfg.drop_baseline_days)
    recent, satisfied = Q(created_at__gte=recent_start), Q(score__gte=SATISFIED_MIN)
    rows = (
        counted_records()
        .filter(created_at__gte=base_start, created_at__lte=now)
        .annotate(segment=segment_priority_subquery("customer_id"))
        .order_by()
        .values("service_type_id", "segment")
        .annotate(
            n_r=Count("id", filter=recent),
            x_r=Count("id", filter=recent & satisfied),
            n_b=Count("id", filter=~recent),
            x_b=Count("id", filter=~recent & satisfied),
        )
    )
    cells = {(row["service_type_id"], row["segment"]): (row["x_r"], row["n_r"], row["x_b"], row["n_b"]) for row in rows}
    windows = {
        "window": {"start": recent_start.isoformat(), "end": now.isoformat(), "days": cfg.drop_recent_days},
        "baseline": {"start": base_start.isoformat(), "end": recent_start.isoformat(), "days": cfg.drop_baseline_days},
    }
    return cells, windows


def drift_findings(cfg: AlertSettings, now) -> list[Finding]:
    """`significant_drop`: every (service type × segment priority) cell and the overall rate, the recent window
    against the cell's own baseline (`stats.drift_tests`: one-sided beta-binomial test), with the
    Benjamini–Hochberg correction over every cell tested in this run; a cell is flagged when q < `drop_alpha`.
    """
    cells, windows = drift_cells(cfg, now)
    keys = sorted(cells, key=lambda k: (k[0], k[1] is None, k[1] or 0))
    counts = [cells[k] for k in keys]
    counts.append(tuple(sum(c[i] for c in counts) for i in range(4)) if counts else (0, 0, 0, 0))
    keys.append(None)  # the overall rate
    tests = drift_tests(counts)
    tested = sum(t.enough_data for t in tests)
    names = {st.pk: st for st in ServiceType.objects.filter(pk__in=[k[0] for k in keys if k is not None])}
    findings = []
    for key, test in zip(keys, tests, strict=True):
        if not test.flagged(cfg.drop_alpha):
            continue
        if key is None:
            service, segment = None, None
            dedupe_key, scope_en, scope_zh = "significant_drop:overall", "Overall", "整体"
        else:
            service, segment = names[key[0]], key[1]
            seg_en, seg_zh = _segment_text(segment)
            dedupe_key = f"significant_drop:service:{service.pk}:segment:{segment if segment is not None else 'none'}"
            scope_en, scope_zh = f"{service.name_en}, {seg_en}", f"{service.name_zh}（{seg_zh}）"
        severity = Severity.HIGH if test.q_value < cfg.drop_alpha / 5 else Severity.MEDIUM
        q_en, p_en = stats_format_q(test.q_value), stats_format_p(test.p_value)
        findings.append(
            Finding(
                kind=Kind.SIGNIFICANT_DROP,
                dedupe_key=dedupe_key,
                severity=severity,
                value=round(test.observed, 4),
                threshold=round(test.expected, 4),
                evidence={
                    "cell": "overall" if key is None else "service_segment",
                    "segment_priority": segment,
                    "expected": test.expected,
                    "observed": test.observed,
                    "n": test.n_recent,
                    "satisfied": test.x_recent,
                    "p_value": test.p_value,
                    "q_value": test.q_value,
                    "cells_tested": tested,
                    "fdr": cfg.drop_alpha,
                    "test": "one-sided beta-binomial (Jeffreys baseline), Benjamini–Hochberg over cells",
                    "window": windows["window"],
                    "baseline": {**windows["baseline"], "n": test.n_baseline, "satisfied": test.x_baseline},
                },
                service_type_id=service.pk if service else None,
                message_en=(
                    f"{scope_en}: satisfaction rate {test.observed:.1%} ({test.x_recent}/{test.n_recent}) over the "
                    f"last {cfg.drop_recent_days} days, against {test.expected:.1%} expected from the "
                    f"{cfg.drop_baseline_days} days before ({p_en}, {q_en} over {tested} cells)."
                ),
                message_zh=(
                    f"{scope_zh}：最近 {cfg.drop_recent_days} 天满意率 {test.observed:.1%}"
                    f"（{test.x_recent}/{test.n_recent}），按此前 {cfg.drop_baseline_days} 天预期为 "
                    f"{test.expected:.1%}（{p_en}，{tested} 个单元中 {q_en}）。"
                ),
            )
        )
    return findings


def complaint_sla_breaches(complaint: Complaint, cfg: AlertSettings, now) -> list[str]:
    """Which SLAs a complaint broke so far: "response" and/or "resolution" (limits by urgency)."""
    return [stage for stage, _took, _sla in complaint_sla_overruns(complaint, cfg, now)]


def complaint_sla_overruns(complaint: Complaint, cfg: AlertSettings, now) -> list[tuple[str, float, float]]:
    """(stage, hours taken so far, SLA hours) of each SLA the complaint broke; still open: hours until `now`."""
    breaches = []
    for stage, sla, done_at, hours in (
        ("response", cfg.response_sla_hours(complaint.urgency), complaint.responded_at, complaint.response_hours),
        ("resolution", cfg.resolution_sla_hours(complaint.urgency), complaint.resolved_at, complaint.resolution_hours),
    ):
        if hours is not None:
            took = hours
        elif done_at is not None:
            took = (done_at - complaint.filed_at).total_seconds() / 3600
        else:
            took = (now - complaint.filed_at).total_seconds() / 3600
        if took > sla:
            breaches.append((stage, took, sla))
    return breaches


def complaint_sla_findings(cfg: AlertSettings, now) -> list[Finding]:
    """`complaint_sla`: complaints filed within the look-back that were not responded to or resolved in time."""
    complaints = Complaint.objects.filter(filed_at__gte=now - dt.timedelta(days=cfg.sla_lookback_days)).select_related(
        "contract__customer", "contract__service_type"
    )
    findings = []
    for complaint in complaints:
        for stage, took, sla in complaint_sla_overruns(complaint, cfg, now):
            customer = complaint.contract.customer
            label = complaint.external_id or f"#{complaint.pk}"
            stage_zh = "响应" if stage == "response" else "解决"
            findings.append(
                Finding(
                    kind=Kind.COMPLAINT_SLA,
                    dedupe_key=f"complaint_sla:complaint:{complaint.pk}:{stage}",
                    severity=Severity.HIGH if complaint.escalated or complaint.urgency == "high" else Severity.MEDIUM,
                    # The value that fired: hours the stage took (or has taken so far), against the SLA's hours.
                    value=round(took, 1),
                    threshold=sla,
                    evidence={"stage": stage, "urgency": complaint.urgency, "sla_hours": sla, "hours": round(took, 1)},
                    customer_id=customer.pk,
                    service_type_id=complaint.contract.service_type_id,
                    complaint_id=complaint.pk,
                    message_en=(
                        f"Complaint {label} from {customer.name} missed its {stage} SLA of {sla:g} hours "
                        f"({took:.1f} h)."
                    ),
                    message_zh=f"{customer.name} 的投诉 {label} 超出{stage_zh}时限 {sla:g} 小时（{took:.1f} 小时）。",
                )
            )
    return findings


def target_at_risk_findings(now) -> list[Finding]:
    """`target_at_risk`: the Wilson 95% upper bound of this period's satisfaction rate is below the target.

    The window and the status are the dashboard tile's own (`target_window`, `target_status_of`), so the
    alert and the tile cannot disagree.
    """
    findings = []
    targets = SatisfactionTarget.objects.filter(
        is_active=True, metric=SatisfactionTarget.Metric.SATISFACTION_RATE
    ).select_related("service_type")
    today = timezone.localtime(now, local_tz()).date()
    for target in targets:
        start_day, end_day = target_window(target.period, today)
        start = day_start(start_day)
        records = counted_records().filter(created_at__gte=start, created_at__lt=day_start(end_day + dt.timedelta(1)))
        if target.service_type_id:
            records = records.filter(service_type_id=target.service_type_id)
        status = target_status_of(target, kpis_of(records), start=start_day, end=end_day)
        n, x = status.kpis.count, status.kpis.satisfied
        if n < MIN_N_PROPORTION:
            continue
        interval = status.interval
        if interval.high >= target.target_value:
            continue
        scope_en = target.service_type.name_en if target.service_type else "Overall"
        scope_zh = target.service_type.name_zh if target.service_type else "整体"
        findings.append(
            Finding(
                kind=Kind.TARGET_AT_RISK,
                dedupe_key=f"target_at_risk:target:{target.pk}:{start.date().isoformat()}",
                severity=Severity.HIGH,
                value=round(interval.high, 4),
                threshold=target.target_value,
                evidence={
                    "period_start": start.isoformat(),
                    "n": n,
                    "satisfied": x,
                    "rate": x / n,
                    "wilson_low": interval.low,
                    "wilson_high": interval.high,
                    "target": target.target_value,
                },
                service_type_id=target.service_type_id,
                message_en=(
                    f"{scope_en}: satisfaction rate {x / n:.1%} ({x}/{n}) this {target.period}; even the 95% upper "
                    f"bound {interval.high:.1%} is below the {target.target_value:.0%} target."
                ),
                message_zh=(
                    f"{scope_zh}：本期满意率 {x / n:.1%}（{x}/{n}），95% 置信上限 {interval.high:.1%} "
                    f"仍低于目标 {target.target_value:.0%}。"
                ),
            )
        )
    return findings
