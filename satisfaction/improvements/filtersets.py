"""Filters of suggestions, measures and tasks, for the pages and the API."""

from __future__ import annotations

import django_filters as filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.filtersets import SearchFilterSet
from satisfaction.crm.filtersets import service_type_filter
from satisfaction.improvements.models import Category, ImprovementMeasure, ImprovementSuggestion, ImprovementTask


class ImprovementSuggestionFilterSet(SearchFilterSet):
    search_fields = ("title_en", "title_zh", "rule_code")
    service_type = service_type_filter("service_type")
    category = filters.ChoiceFilter(choices=Category.choices, label=_("Category"))

    class Meta:
        model = ImprovementSuggestion
        fields = ["status", "priority", "rule_code", "customer", "segment_priority"]


class ImprovementMeasureFilterSet(SearchFilterSet):
    search_fields = ("title", "description")
    service_type = service_type_filter("service_type")
    category = filters.ChoiceFilter(choices=Category.choices, label=_("Category"))
    overdue = filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))

    class Meta:
        model = ImprovementMeasure
        fields = ["status", "priority", "owner", "customer", "segment_priority", "suggestion"]

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        open_ = Q(status__in=[ImprovementMeasure.Status.PLANNED, ImprovementMeasure.Status.IN_PROGRESS])
        late = open_ & Q(target_date__lt=timezone.localdate())
        return queryset.filter(late) if value else queryset.exclude(late)


class ImprovementTaskFilterSet(SearchFilterSet):
    search_fields = ("title", "measure__title")
    due_before = filters.DateFilter(field_name="due_date", lookup_expr="lte", label=_("Due until"))
    overdue = filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))

    class Meta:
        model = ImprovementTask
        fields = ["measure", "status", "assignee"]

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        open_ = Q(status__in=[ImprovementTask.Status.TODO, ImprovementTask.Status.IN_PROGRESS])
        late = open_ & Q(due_date__lt=timezone.localdate())
        return queryset.filter(late) if value else queryset.exclude(late)
