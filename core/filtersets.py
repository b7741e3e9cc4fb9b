"""Shared FilterSet pieces: free-text search, the segment filter and its choices."""

from __future__ import annotations

import django_filters as filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from satisfaction.crm.models import segment_customer_ids

SEGMENT_CHOICES = [(p, str(p)) for p in range(1, 6)]


class SearchFilterSet(filters.FilterSet):
    """Adds `q`: a case-insensitive search over `search_fields`."""

    search_fields: tuple[str, ...] = ()
    q = filters.CharFilter(method="filter_search", label=_("Search"))

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return queryset.filter(condition)


def segment_filter(customer_path: str) -> filters.TypedChoiceFilter:
    """Filter by the segment priority of the customer at `customer_path` (a subquery, no rows loaded)."""

    def apply(queryset: QuerySet, name: str, value: int) -> QuerySet:
        if value in (None, ""):
            return queryset
        return queryset.filter(**{f"{customer_path}__in": segment_customer_ids(int(value))})

    return filters.TypedChoiceFilter(
        choices=SEGMENT_CHOICES, coerce=int, method=apply, label=_("Segment priority (1 = most important)")
    )
