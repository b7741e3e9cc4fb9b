"""Alert lifecycle: raising (deduplicated), acknowledging, resolving, and running the rules."""

from __future__ import annotations

import datetime as dt
import time

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from satisfaction.alerts.models import AlertSettings, SatisfactionAlert, WatchlistEntry
from satisfaction.alerts.notifications import NOTIFY_SEVERITIES
from satisfaction.alerts.outbox import alert_emails_enqueue
from satisfaction.alerts.risk import recompute_risk_scores
from satisfaction.alerts.rules import (
    Finding,
    Kind,
    Status,
    complaint_sla_findings,
    customer_decline_finding,
    customer_decline_findings,
    drift_findings,
    low_score_finding,
    target_at_risk_findings,
)
from satisfaction.alerts.watchlist import watchlist_add_by_rule
from satisfaction.alerts.webhooks import SEVERITY_RANK, webhook_enqueue
from satisfaction.feedback.kpis import counted_records
from satisfaction.feedback.models import SatisfactionRecord

EVIDENCE_RECORD_IDS_KEPT = 50


def _merge_evidence(old: dict, new: dict) -> dict:
    merged = {**old, **new}
    if "record_ids" in old or "record_ids" in new:
        ids = list(dict.fromkeys([*old.get("record_ids", []), *new.get("record_ids", [])]))
        merged["record_ids"] = ids[-EVIDENCE_RECORD_IDS_KEPT:]
    return merged


def _snoozed(key: str, hours: int, now) -> bool:
    return (
        bool(hours)
        and SatisfactionAlert.objects.filter(
            dedupe_key=key, status=Status.RESOLVED, resolved_at__gte=now - dt.timedelta(hours=hours)
        ).exists()
    )


@transaction.atomic
def alert_raise(*, finding: Finding, once: bool = False, snooze_hours: int = 0) -> tuple[SatisfactionAlert | None, str]:
    """Open an alert for `finding`, or refresh the unresolved one with its dedupe key (occurrences, last seen,
    severity). Returns `(alert, outcome)`, outcome one of opened / updated / escalated / skipped.

    `once`: never raise again for a key that ever had an alert (facts that do not change, like an SLA breach).
    `snooze_hours`: do not reopen an alert a manager resolved less than this long ago."""
    now = timezone.now()
    key = finding.dedupe_key
    if once and SatisfactionAlert.objects.filter(dedupe_key=key).exists():
        return None, "skipped"
    for _attempt in range(3):
        alert = SatisfactionAlert.objects.select_for_update().filter(dedupe_key=key).exclude(status=Status.RESOLVED)
        alert = alert.first()
        if alert is not None:
            return _refresh(alert, finding, now)
        if _snoozed(key, snooze_hours, now):
            return None, "skipped"
        alert = SatisfactionAlert(
            kind=finding.kind,
            severity=finding.severity,
            dedupe_key=key,
            customer_id=finding.customer_id,
            service_type_id=finding.service_type_id,
            record_id=finding.record_id,
            complaint_id=finding.complaint_id,
            value=finding.value,
            threshold=finding.threshold,
            evidence=_merge_evidence({}, finding.evidence),
            message_en=finding.message_en,
            message_zh=finding.message_zh,
            created_at=now,
            last_seen_at=now,
        )
        alert.full_clean(validate_constraints=False)
        try:
            with transaction.atomic():
                alert.save()
        except IntegrityError:
            # Another worker opened the same alert between our read and our insert: refresh that one instead.
            continue
        _alert_opened(alert)
        return alert, "opened"
    raise RuntimeError(f"Could not raise or refresh the alert {key!r}")


def _refresh(alert: SatisfactionAlert, finding: Finding, now) -> tuple[SatisfactionAlert, str]:
    escalated = SEVERITY_RANK[finding.severity] > SEVERITY_RANK[alert.severity]
    alert.occurrences += 1
    alert.last_seen_at = now
    alert.value = finding.value
    alert.threshold = finding.threshold
    alert.evidence = _merge_evidence(alert.evidence, finding.evidence)
    alert.message_en, alert.message_zh = finding.message_en, finding.message_zh
    if finding.record_id:
        alert.record_id = finding.record_id
    if escalated:
        alert.severity = finding.severity
    alert.full_clean(validate_constraints=False)
    alert.save()
    if escalated:
        _alert_escalated(alert)
        return alert, "escalated"
    return alert, "updated"


def _alert_opened(alert: SatisfactionAlert) -> None:
    if alert.severity in NOTIFY_SEVERITIES:
        if alert.customer_id:
            watchlist_add_by_rule(customer_id=alert.customer_id, reason=WatchlistEntry.Reason.ALERT, alert=alert)
        alert_emails_enqueue(alert=alert, event="opened")
    webhook_enqueue(alert=alert, event="opened")


def _alert_escalated(alert: SatisfactionAlert) -> None:
    if alert.severity in NOTIFY_SEVERITIES:
        if alert.customer_id:
            watchlist_add_by_rule(customer_id=alert.customer_id, reason=WatchlistEntry.Reason.ALERT, alert=alert)
        alert_emails_enqueue(alert=alert, event="escalated")
    webhook_enqueue(alert=alert, event="escalated")


@transaction.atomic
def alert_acknowledge(*, alert: SatisfactionAlert, user) -> SatisfactionAlert:
    """Open → acknowledged: someone is on it."""
    alert = SatisfactionAlert.objects.select_for_update().get(pk=alert.pk)
    if alert.status != Status.OPEN:
        raise ValidationError({"status": _("Only an open alert can be acknowledged.")})
    alert.status = Status.ACKNOWLEDGED
    alert.acknowledged_at = timezone.now()
    alert.acknowledged_by = user
    alert.full_clean(validate_constraints=False)
    alert.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
    return alert


@transaction.atomic
def alert_resolve(*, alert: SatisfactionAlert, user, note: str) -> SatisfactionAlert:
    """Open or acknowledged → resolved, with a note saying what was done."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say how the alert was resolved.")})
    alert = SatisfactionAlert.objects.select_for_update().get(pk=alert.pk)
    if alert.status == Status.RESOLVED:
        raise ValidationError({"status": _("This alert is already resolved.")})
    now = timezone.now()
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by = now, user
    alert.status = Status.RESOLVED
    alert.resolved_at = now
    alert.resolved_by = user
    alert.resolution_note = note
    alert.full_clean(validate_constraints=False)
    alert.save()
    webhook_enqueue(alert=alert, event="resolved")
    return alert


def evaluate_record(*, record_id: int) -> list[SatisfactionAlert] | None:
    """Run the per-record rules once for a record: None when it was already evaluated (or is gone), else the
    alerts opened or refreshed. Safe to call twice or concurrently: the record is claimed in the same
    transaction that writes its alerts, so a crash leaves it for the sweep."""
    with transaction.atomic():
        claimed = SatisfactionRecord.objects.filter(pk=record_id, alerts_evaluated_at__isnull=True).update(
            alerts_evaluated_at=timezone.now()
        )
        if not claimed:
            return None
        record = SatisfactionRecord.objects.select_related("customer", "service_type").get(pk=record_id)
        cfg = AlertSettings.load()
        alerts = []
        finding = low_score_finding(record, cfg)
        if finding:
            alerts.append(alert_raise(finding=finding)[0])
        finding = customer_decline_finding(record.customer_id, cfg)
        if finding:
            alert, _outcome = alert_raise(finding=finding, snooze_hours=cfg.snooze_hours)
            if alert:
                alerts.append(alert)
        return alerts


def evaluate_records(*, record_ids: list[int]) -> int:
    """Evaluate several records, each in its own transaction; returns how many this call evaluated."""
    return sum(evaluate_record(record_id=record_id) is not None for record_id in record_ids)


def sweep_unevaluated(*, limit: int = 5000, time_budget_seconds: float | None = None) -> int:
    """Evaluate records never evaluated (broker down, worker died), in the order they arrived; returns how many.

    With a time budget the sweep stops early, so a backlog is worked off over several periodic runs."""
    ids = list(
        SatisfactionRecord.objects.filter(alerts_evaluated_at__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    deadline = time.monotonic() + time_budget_seconds if time_budget_seconds else None
    evaluated = 0
    for record_id in ids:
        if deadline is not None and time.monotonic() > deadline:
            break
        evaluated += evaluate_record(record_id=record_id) is not None
    return evaluated


def evaluate_window_rules(*, now=None) -> dict[str, int]:
    """Run the window rules (customer decline, complaint SLA, target at risk) and recompute the risk scores; returns
    how many alerts each rule opened or refreshed. The drop detector runs weekly on its own (`evaluate_drift`)."""
    now = now or timezone.now()
    cfg = AlertSettings.load()
    raised = {kind: 0 for kind in (Kind.CUSTOMER_DECLINE, Kind.COMPLAINT_SLA, Kind.TARGET_AT_RISK)}

    def _raise(finding: Finding | None, **kwargs) -> None:
        if finding is None:
            return
        alert, _outcome = alert_raise(finding=finding, **kwargs)
        if alert is not None:
            raised[finding.kind] += 1

    active_customers = (
        counted_records()
        .filter(created_at__gte=now - dt.timedelta(days=cfg.decline_lookback_days))
        .order_by()
        .values("customer_id")
        .distinct()
    )
    for finding in customer_decline_findings(active_customers, cfg):
        _raise(finding, snooze_hours=cfg.snooze_hours)
    for finding in complaint_sla_findings(cfg, now):
        _raise(finding, once=True)
    for finding in target_at_risk_findings(now):
        _raise(finding, snooze_hours=cfg.snooze_hours)
    raised["risk_scores"] = recompute_risk_scores(now=now)
    return {str(k): v for k, v in raised.items()}


def evaluate_drift(*, now=None) -> int:
    """Run the drop detector over every cell once (`drift_findings`); returns how many alerts it opened or refreshed.

    Weekly, as the backtest (`bench/drift.py`) assumes: the false-discovery control holds per run, so running it
    on every small data change would multiply the chances of a false alarm.
    """
    now = now or timezone.now()
    cfg = AlertSettings.load()
    raised = 0
    for finding in drift_findings(cfg, now):
        alert, _outcome = alert_raise(finding=finding, snooze_hours=cfg.snooze_hours)
        raised += alert is not None
    return raised
