"""The customer page: one customer's KPIs, trend and history across every part of the domain.

It lives in analytics because it reads every package (crm, helpdesk, feedback, alerts) and its numbers come
from the one metrics path, so they equal the dashboard's and the trends API's for the same customer.
"""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from analytics.continuity import handler_continuity
from analytics.dashboard import partial_label
from analytics.lib import metrics
from analytics.lib.describe import RECORDS_DATA, scope_words
from analytics.lib.metrics import Kpis, Scope, raw_records
from core.chartjs import chart, dataset, score_and_rate_scales
from core.localtime import local_today
from core.roles import StaffRequiredMixin, is_manager
from satisfaction.alerts.selectors import alert_list, watchlist_history
from satisfaction.crm.selectors import customer_list
from satisfaction.feedback.selectors import record_list
from satisfaction.helpdesk.selectors import complaint_list, ticket_list
from satisfaction.text.models import RecordTopic, TextAnalysis
from satisfaction.text.selectors import topics_in_order


def customer_kpis(*, customer_id: int) -> Kpis:
    """All-time KPIs of one customer, counted as every other surface counts them (`Scope`, no self-rated)."""
    return metrics.kpis(Scope(customer_id=customer_id))


def customer_monthly_trend(*, customer_id: int, months: int = 12) -> list[metrics.TrendPoint]:
    """The customer's months with feedback over the last `months` months (local time), oldest first."""
    start = customer_monthly_trend_start(months)
    return metrics.trend(Scope(start=start, end=local_today(), customer_id=customer_id), "month", fill=False)


def customer_topics(*, customer_id: int, months: int = 12) -> dict:
    """The customer's topics per month over the last `months` months: mentions and how many were negative."""
    start = customer_monthly_trend_start(months)
    records = raw_records(Scope(start=start, end=local_today(), customer_id=customer_id))
    rows = (
        RecordTopic.objects.filter(record__in=records.values("pk"))
        .values_list("topic_id", "record__created_at", "record__text_analysis__sentiment")
        .order_by()
    )
    cells: dict[tuple[int, str], list[int]] = {}
    for topic_id, created_at, sentiment in rows:
        cell = cells.setdefault((topic_id, timezone.localtime(created_at).strftime("%Y-%m")), [0, 0])
        cell[0] += 1
        cell[1] += sentiment == TextAnalysis.Sentiment.NEGATIVE
    month_keys = sorted({month for _, month in cells})
    zh = (translation.get_language() or "").startswith("zh")
    table = []
    for topic in topics_in_order():
        counts = [cells.get((topic.pk, m)) for m in month_keys]
        if any(counts):
            table.append({"code": topic.code, "label": topic.label_zh if zh else topic.label_en,
                          "cells": [{"n": c[0], "negative": c[1]} if c else None for c in counts],
                          "total": sum(c[0] for c in counts if c)})  # fmt: skip
    table.sort(key=lambda r: -r["total"])
    return {"months": month_keys, "rows": table}


def customer_continuity(*, customer_id: int) -> dict:
    """All-time handler continuity of one customer, computed as the report's section computes it for everyone."""
    overall = handler_continuity(Scope(customer_id=customer_id))["overall"]
    zh = (translation.get_language() or "").startswith("zh")
    return {**overall, "reading": overall["test"]["reading_zh" if zh else "reading_en"]}


def customer_monthly_trend_start(months: int) -> dt.date:
    """The first day of the month `months - 1` months before this one (local time)."""
    start = local_today().replace(day=1)
    for _month in range(months - 1):
        start = (start - dt.timedelta(days=1)).replace(day=1)
    return start


class CustomerDetailView(StaffRequiredMixin, TemplateView):
    """One customer: trend chart, records, tickets, complaints, alerts and watch-list status."""

    template_name = "analytics/customer.html"

    def get_context_data(self, pk, **kwargs):
        customer = get_object_or_404(customer_list(), pk=pk)
        summary = customer_kpis(customer_id=pk)
        trend = customer_monthly_trend(customer_id=pk)
        today = local_today()
        trend_chart = chart(
            "line",
            # The current month is not over: its label says so.
            [
                partial_label(point.start.strftime("%Y-%m")) if point.end > today else point.start.strftime("%Y-%m")
                for point in trend
            ],
            [
                dataset(_("Satisfied %"), [round(point.kpis.satisfaction_rate * 100, 1) for point in trend]),
                dataset(
                    _("Average score"), [round(point.kpis.avg_score, 2) for point in trend], color_index=1, axis="y2"
                ),
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
            "watch_entries": watchlist_history(customer_id=pk),
            "can_manage": is_manager(self.request.user),
            "topics": customer_topics(customer_id=pk),
            "continuity": customer_continuity(customer_id=pk),
            "scope_words": scope_words(Scope(), data=RECORDS_DATA),
        }
