"""Reads for the customer pages: one customer's history, trend and watch status."""

from __future__ import annotations

from django.db.models import Avg, Case, Count, FloatField, Q, When
from django.db.models.functions import TruncMonth
from django.utils import timezone

from satisfaction.models import SATISFIED_MIN, SatisfactionRecord


def customer_monthly_trend(*, customer_id: int, months: int = 12) -> list[dict]:
    """Per month (in TIME_ZONE): record count, mean score and satisfaction rate (score ≥ 4) for one customer."""
    since = timezone.localdate().replace(day=1)
    for _ in range(months - 1):
        since = (since.replace(day=1) - timezone.timedelta(days=1)).replace(day=1)
    rows = (
        SatisfactionRecord.objects.filter(customer_id=customer_id, created_at__date__gte=since)
        .annotate(month=TruncMonth("created_at", tzinfo=timezone.get_current_timezone()))
        .values("month")
        .annotate(
            count=Count("id"),
            avg_score=Avg("score", output_field=FloatField()),
            satisfaction_rate=Avg(
                Case(When(score__gte=SATISFIED_MIN, then=1.0), default=0.0, output_field=FloatField())
            ),
        )
        .order_by("month")
    )
    return [
        {
            "month": row["month"].strftime("%Y-%m"),
            "count": row["count"],
            "avg_score": round(row["avg_score"], 2),
            "satisfaction_rate": round(row["satisfaction_rate"], 4),
        }
        for row in rows
    ]


def customer_summary(*, customer_id: int) -> dict:
    """All-time count, mean and satisfaction rate for one customer."""
    return SatisfactionRecord.objects.filter(customer_id=customer_id).aggregate(
        count=Count("id"),
        avg_score=Avg("score", output_field=FloatField()),
        satisfied=Count("id", filter=Q(score__gte=SATISFIED_MIN)),
    )
