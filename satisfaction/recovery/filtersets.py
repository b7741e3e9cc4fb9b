"""Filters of recovery cases, for the Recovery page and the API."""

from __future__ import annotations

import django_filters as filters
from django.utils.translation import gettext_lazy as _

from core.filtersets import SearchFilterSet
from satisfaction.crm.filtersets import segment_filter
from satisfaction.recovery.models import RecoveryCase


class RecoveryCaseFilterSet(SearchFilterSet):
    search_fields = ("customer__name", "record__feedback", "root_cause", "closing_note")
    segment_priority = segment_filter("customer")
    overdue = filters.BooleanFilter(field_name="overdue", label=_("Overdue"))
    mine = filters.BooleanFilter(method="filter_mine", label=_("Mine"))
    unowned = filters.BooleanFilter(field_name="owner", lookup_expr="isnull", label=_("In the managers' queue"))
    unclosed = filters.BooleanFilter(method="filter_unclosed", label=_("Open or contacted"))
    date_from = filters.DateFilter(field_name="opened_at", lookup_expr="date__gte", label=_("Opened from"))
    date_to = filters.DateFilter(field_name="opened_at", lookup_expr="date__lte", label=_("Opened until"))

    class Meta:
        model = RecoveryCase
        fields = ["status", "outcome", "customer", "owner"]

    def filter_mine(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if not value or user is None:
            return queryset
        return queryset.filter(owner_id=user.pk)

    def filter_unclosed(self, queryset, name, value):
        if value is None:
            return queryset
        closed = RecoveryCase.Status.CLOSED
        return queryset.exclude(status=closed) if value else queryset.filter(status=closed)
