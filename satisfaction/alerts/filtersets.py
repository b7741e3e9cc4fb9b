"""Filters of alerts and watch-list entries, for the pages and the API."""

from __future__ import annotations

import django_filters as filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.filtersets import SearchFilterSet
from satisfaction.alerts.models import SatisfactionAlert, WatchlistEntry
from satisfaction.crm.filtersets import segment_filter, service_type_filter


class SatisfactionAlertFilterSet(SearchFilterSet):
    search_fields = ("message_en", "message_zh", "customer__name", "dedupe_key")
    service_type = service_type_filter("service_type")
    segment_priority = segment_filter("customer")
    unresolved = filters.BooleanFilter(method="filter_unresolved", label=_("Open or acknowledged"))
    date_from = filters.DateFilter(field_name="last_seen_at", lookup_expr="date__gte", label=_("Last seen from"))
    date_to = filters.DateFilter(field_name="last_seen_at", lookup_expr="date__lte", label=_("Last seen until"))

    class Meta:
        model = SatisfactionAlert
        fields = ["status", "severity", "kind", "customer"]

    def filter_unresolved(self, queryset, name, value):
        if value is None:
            return queryset
        resolved = Q(status=SatisfactionAlert.Status.RESOLVED)
        return queryset.exclude(resolved) if value else queryset.filter(resolved)


class WatchlistEntryFilterSet(SearchFilterSet):
    search_fields = ("customer__name", "note")
    active = filters.BooleanFilter(field_name="removed_at", lookup_expr="isnull", label=_("Active"))
    segment_priority = segment_filter("customer")

    class Meta:
        model = WatchlistEntry
        fields = ["customer", "reason", "owner"]
