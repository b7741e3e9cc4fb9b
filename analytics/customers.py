"""Reads for the customer pages: one customer's history, trend and watch status."""

from __future__ import annotations

from django.db.models import Avg, Case, Count, FloatField, Q, When
from django.db.models.functions import TruncMonth
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from core.chartjs import chart, dataset, score_and_rate_scales
from core.roles import StaffRequiredMixin, is_manager
from satisfaction.alerts.selectors import alert_list, watchlist_list
from satisfaction.crm.selectors import customer_list
from satisfaction.feedback.models import SATISFIED_MIN, SatisfactionRecord
from satisfaction.feedback.selectors import record_list
from satisfaction.helpdesk.selectors import complaint_list, ticket_list


def customer_monthly_trend(*, customer_id: int, months: int = 12) -> list[dict]:
    """Per month (in TIME_ZONE): record count, mean score and satisfaction rate (score ≥ 4) for one customer."""
    since = timezone.localdate().replace(day=1)
    for _month in range(months - 1):
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


class CustomerDetailView(StaffRequiredMixin, TemplateView):
    """One customer: trend chart, records, tickets, complaints, alerts and watch-list status."""

    template_name = "analytics/customer.html"

    def get_context_data(self, pk, **kwargs):
        customer = get_object_or_404(customer_list(), pk=pk)
        summary = customer_summary(customer_id=pk)
        trend = customer_monthly_trend(customer_id=pk)
        trend_chart = chart(
            "line",
            [row["month"] for row in trend],
            [
                dataset(_("Satisfied %"), [round(row["satisfaction_rate"] * 100, 1) for row in trend]),
                dataset(_("Average score"), [row["avg_score"] for row in trend], color_index=1, axis="y2"),
            ],
            scales=score_and_rate_scales(_("Satisfied %"), _("Average score")),
        )
        return {
            "customer": customer,
            "summary": summary,
            "trend": trend,
            "trend_chart": trend_chart,
            "contacts": customer.contacts.all(),
            "records": record_list().filter(customer_id=pk)[:20],
            "tickets": ticket_list().filter(contract__customer_id=pk)[:20],
            "complaints": complaint_list().filter(contract__customer_id=pk)[:20],
            "alerts": alert_list().filter(customer_id=pk)[:20],
            "watch_entries": watchlist_list().filter(customer_id=pk),
            "can_manage": is_manager(self.request.user),
        }
