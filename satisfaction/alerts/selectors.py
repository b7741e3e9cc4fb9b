"""Reads for the alert and watch-list pages: querysets with their related rows loaded, no query per row."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from satisfaction.alerts.models import SatisfactionAlert, WatchlistEntry
from satisfaction.crm.models import Contract, segment_customer_ids, segment_priority_subquery
from satisfaction.feedback.models import SatisfactionRecord

UNRESOLVED = [SatisfactionAlert.Status.OPEN, SatisfactionAlert.Status.ACKNOWLEDGED]
_SEVERITY_ORDER = Case(
    When(severity=SatisfactionAlert.Severity.CRITICAL, then=Value(3)),
    When(severity=SatisfactionAlert.Severity.HIGH, then=Value(2)),
    default=Value(1),
    output_field=IntegerField(),
)


def alert_list(
    *,
    status: str | list[str] | None = None,
    kind: str | None = None,
    severity: str | None = None,
    customer_id: int | None = None,
    service_type_id: int | None = None,
    since: dt.datetime | None = None,
    search: str | None = None,
    service_type_code: str | None = None,
    segment_priority: int | None = None,
) -> QuerySet[SatisfactionAlert]:
    """Alerts, most severe and most recent first, with their scope and people loaded; `status=None`: every status.

    The one list of alerts: the alerts page, the API, the dashboard and the customer page all read it.
    `service_type_code` and `segment_priority` keep the alerts about that service type / segment (a filtered
    dashboard's alerts widget), see `_about`.
    """
    qs = SatisfactionAlert.objects.select_related(
        "customer", "service_type", "record__recovery_case", "complaint", "acknowledged_by", "resolved_by"
    )
    if status is not None:
        qs = qs.filter(status__in=[status] if isinstance(status, str) else list(status))
    if kind:
        qs = qs.filter(kind=kind)
    if severity:
        qs = qs.filter(severity=severity)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if service_type_id:
        qs = qs.filter(service_type_id=service_type_id)
    if since:
        qs = qs.filter(last_seen_at__gte=since)
    if search:
        qs = qs.filter(
            Q(customer__name__icontains=search) | Q(message_en__icontains=search) | Q(message_zh__icontains=search)
        )
    qs = _about(qs, service_type_code=service_type_code, segment_priority=segment_priority)
    return qs.annotate(severity_rank=_SEVERITY_ORDER).order_by("-severity_rank", "-last_seen_at", "-pk")


def _about(qs: QuerySet, *, service_type_code: str | None, segment_priority: int | None) -> QuerySet:
    """Alerts about a service type (their own, else their record's or complaint's) and about customers of a
    segment (their customer, else their complaint's or record's). A service-wide alert names no customer, so a
    segment keeps none of them: the widget's header says so."""
    if service_type_code:
        qs = qs.filter(
            Q(service_type__code=service_type_code)
            | Q(service_type__isnull=True, record__service_type__code=service_type_code)
            | Q(service_type__isnull=True, complaint__contract__service_type__code=service_type_code)
        )
    if segment_priority is not None:
        ids = segment_customer_ids(segment_priority)
        qs = qs.filter(
            Q(customer__in=ids)
            | Q(customer__isnull=True, complaint__contract__customer__in=ids)
            | Q(customer__isnull=True, record__customer__in=ids)
        )
    return qs


def open_alerts(**filters) -> QuerySet[SatisfactionAlert]:
    """Unresolved alerts (open or acknowledged) with the filters of `alert_list`."""
    return alert_list(status=UNRESOLVED, **filters)


def alert_counts(*, service_type_code: str | None = None, segment_priority: int | None = None) -> dict[str, int]:
    """Unresolved alerts by severity, for a badge or a dashboard tile (of one service type / segment if given)."""
    qs = _about(
        SatisfactionAlert.objects.filter(status__in=UNRESOLVED),
        service_type_code=service_type_code,
        segment_priority=segment_priority,
    )
    counts = qs.aggregate(
        total=Count("id"),
        critical=Count("id", filter=Q(severity=SatisfactionAlert.Severity.CRITICAL)),
        high=Count("id", filter=Q(severity=SatisfactionAlert.Severity.HIGH)),
        medium=Count("id", filter=Q(severity=SatisfactionAlert.Severity.MEDIUM)),
        open=Count("id", filter=Q(status=SatisfactionAlert.Status.OPEN)),
    )
    return counts


def alert_detail(*, alert_id: int) -> SatisfactionAlert:
    """One alert with its scope, record (and its ticket / complaint), complaint, people and webhook deliveries."""
    return (
        SatisfactionAlert.objects.select_related(
            "customer",
            "service_type",
            "record__customer",
            "record__service_type",
            "record__ticket",
            "record__complaint",
            "complaint__contract__customer",
            "complaint__contract__service_type",
            "acknowledged_by",
            "resolved_by",
        )  # fmt: skip
        .prefetch_related("webhook_deliveries__endpoint")
        .get(pk=alert_id)
    )


def alert_evidence_records(*, alert: SatisfactionAlert) -> QuerySet:
    """The records the alert's evidence names, other than its own record, newest first."""
    ids = [pk for pk in alert.evidence_record_ids if pk != alert.record_id]
    return (
        SatisfactionRecord.objects.filter(pk__in=ids)
        .select_related("customer", "service_type")
        .order_by("-created_at", "-pk")
    )


def alert_drilldown_query(*, alert: SatisfactionAlert) -> str:
    """Query string of the records page showing the records behind a service-wide alert ("" if none)."""
    if alert.service_type_id is None or alert.customer_id is not None or alert.complaint_id is not None:
        return ""
    params = {"service_type": alert.service_type.code}
    days = alert.evidence.get("recent_days")
    if days:
        end = timezone.localdate(alert.last_seen_at)
        params |= {"start": (end - dt.timedelta(days=int(days) - 1)).isoformat(), "end": end.isoformat()}
    elif alert.evidence.get("period_start"):
        params |= {"start": alert.evidence["period_start"], "end": timezone.localdate(alert.last_seen_at).isoformat()}
    return urlencode(params)


def watchlist_list(
    *,
    owner_id: int | None = None,
    include_removed: bool = False,
    service_type_code: str | None = None,
    segment_priority: int | None = None,
) -> QuerySet[WatchlistEntry]:
    """Watch-list entries sorted by risk score (highest first), each with `risk_score`, `risk_reasons`,
    `open_alert_count` and the customer's `segment_priority` annotated; removed entries only when asked for.
    `service_type_code` keeps customers with a contract of that service type, `segment_priority` those of that
    segment (a filtered dashboard's watch-list widget)."""
    qs = WatchlistEntry.objects.select_related("customer", "owner", "added_by", "removed_by", "alert")
    if not include_removed:
        qs = qs.filter(removed_at__isnull=True)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    if service_type_code:
        qs = qs.filter(
            customer_id__in=Contract.objects.filter(service_type__code=service_type_code).values("customer_id")
        )
    if segment_priority is not None:
        qs = qs.filter(customer_id__in=segment_customer_ids(segment_priority))
    open_alerts_of_customer = (
        SatisfactionAlert.objects.filter(customer_id=OuterRef("customer_id"), status__in=UNRESOLVED)
        .order_by()
        .values("customer_id")
        .annotate(n=Count("id"))
        .values("n")[:1]
    )
    return qs.annotate(
        risk_score=Coalesce(F("customer__risk_score__score"), Value(0.0), output_field=FloatField()),
        risk_reasons=F("customer__risk_score__reasons"),
        risk_computed_at=F("customer__risk_score__computed_at"),
        open_alert_count=Coalesce(Subquery(open_alerts_of_customer, output_field=IntegerField()), Value(0)),
        segment_priority=segment_priority_subquery("customer"),
    ).order_by("-risk_score", "-since", "-pk")


def watchlist_history(*, customer_id: int) -> QuerySet[WatchlistEntry]:
    """Every watch-list entry a customer ever had, newest first: who added, why, who removed and why."""
    return WatchlistEntry.objects.filter(customer_id=customer_id).select_related(
        "added_by", "owner", "removed_by", "alert"
    )


def customer_alerts(*, customer_id: int) -> QuerySet[SatisfactionAlert]:
    """All alerts of one customer, newest first, for the customer page."""
    return (
        SatisfactionAlert.objects.filter(customer_id=customer_id)
        .select_related("service_type", "record", "complaint")
        .order_by("-last_seen_at")
    )
