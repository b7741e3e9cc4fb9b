"""Reads of satisfaction records."""

from __future__ import annotations

from django.db.models import QuerySet

from satisfaction.feedback.models import SatisfactionRecord


def record_list() -> QuerySet[SatisfactionRecord]:
    """Satisfaction records with customer, service type and who recorded them."""
    return SatisfactionRecord.objects.select_related("customer", "service_type", "recorded_by")
