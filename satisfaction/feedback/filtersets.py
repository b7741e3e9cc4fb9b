"""Filters of satisfaction records, for the pages and the API."""

from __future__ import annotations

import django_filters as filters
from django.utils.translation import gettext_lazy as _

from core.filtersets import SearchFilterSet
from satisfaction.crm.filtersets import segment_filter, service_type_filter
from satisfaction.crm.selectors import watched_customers
from satisfaction.feedback.models import SATISFIED_MIN, SatisfactionRecord


class SatisfactionRecordFilterSet(SearchFilterSet):
    search_fields = ("feedback", "external_id", "customer__name")
    service_type = service_type_filter("service_type")
    segment_priority = segment_filter("customer")
    date_from = filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label=_("From date"))
    date_to = filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label=_("To date"))
    score_min = filters.NumberFilter(field_name="score", lookup_expr="gte", label=_("Score ≥"))
    score_max = filters.NumberFilter(field_name="score", lookup_expr="lte", label=_("Score ≤"))
    satisfied = filters.BooleanFilter(method="filter_satisfied", label=_("Satisfied (score ≥ 4)"))
    on_watchlist = filters.BooleanFilter(method="filter_on_watchlist", label=_("Customer on the watch list"))

    class Meta:
        model = SatisfactionRecord
        fields = ["customer", "channel", "ticket", "complaint", "self_rated", "external_id"]

    def filter_satisfied(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(score__gte=SATISFIED_MIN) if value else queryset.filter(score__lt=SATISFIED_MIN)

    def filter_on_watchlist(self, queryset, name, value):
        if value is None:
            return queryset
        ids = watched_customers().values("pk")
        return queryset.filter(customer__in=ids) if value else queryset.exclude(customer__in=ids)
