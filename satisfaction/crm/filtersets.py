"""Filters of customers, contacts, contracts and service types, for the pages and the API."""

from __future__ import annotations

import django_filters as filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from core.filtersets import SearchFilterSet
from satisfaction.crm.models import Contact, Contract, Customer, ServiceType, segment_customer_ids
from satisfaction.crm.selectors import watched_customers

SEGMENT_CHOICES = [(p, str(p)) for p in range(1, 6)]


def segment_filter(customer_path: str) -> filters.TypedChoiceFilter:
    """Filter by the segment priority of the customer at `customer_path` (a subquery, no rows loaded)."""

    def apply(queryset: QuerySet, name: str, value: int) -> QuerySet:
        if value in (None, ""):
            return queryset
        return queryset.filter(**{f"{customer_path}__in": segment_customer_ids(int(value))})

    return filters.TypedChoiceFilter(
        choices=SEGMENT_CHOICES, coerce=int, method=apply, label=_("Segment priority (1 = most important)")
    )


def service_type_filter(field_name: str) -> filters.ModelChoiceFilter:
    return filters.ModelChoiceFilter(
        field_name=field_name,
        to_field_name="code",
        queryset=ServiceType.objects.all(),
        label=_("Service type (code)"),
    )


class ServiceTypeFilterSet(SearchFilterSet):
    search_fields = ("code", "name_en", "name_zh")

    class Meta:
        model = ServiceType
        fields = ["is_active"]


class CustomerFilterSet(SearchFilterSet):
    search_fields = ("name", "industry", "external_id")
    segment_priority = segment_filter("pk")
    service_type = service_type_filter("contracts__service_type")
    on_watchlist = filters.BooleanFilter(method="filter_on_watchlist", label=_("On the watch list"))
    created_after = filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label=_("Created from"))
    created_before = filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label=_("Created until"))

    class Meta:
        model = Customer
        fields = ["tier", "industry", "external_id"]

    def filter_on_watchlist(self, queryset, name, value):
        if value is None:
            return queryset
        ids = watched_customers().values("pk")
        return queryset.filter(pk__in=ids) if value else queryset.exclude(pk__in=ids)

    def filter_queryset(self, queryset):
        # The service-type filter joins contracts; a customer with two matching contracts must appear once.
        qs = super().filter_queryset(queryset)
        return qs.distinct() if self.form.cleaned_data.get("service_type") else qs


class ContactFilterSet(SearchFilterSet):
    search_fields = ("name", "email", "phone", "external_id", "customer__name")
    contact_priority = filters.TypedChoiceFilter(choices=SEGMENT_CHOICES, coerce=int, label=_("Contact priority"))

    class Meta:
        model = Contact
        fields = ["customer", "language", "external_id"]


class ContractFilterSet(SearchFilterSet):
    search_fields = ("number", "external_id", "customer__name")
    service_type = service_type_filter("service_type")
    segment_priority = segment_filter("customer")
    active_on = filters.DateFilter(method="filter_active_on", label=_("Active on date"))

    class Meta:
        model = Contract
        fields = ["customer", "external_id"]

    def filter_active_on(self, queryset, name, value):
        return queryset.filter(Q(end_date__isnull=True) | Q(end_date__gte=value), start_date__lte=value)
