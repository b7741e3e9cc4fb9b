"""One FilterSet per listable model, shared by the HTML list pages and the API.

Each expects the queryset of its selector (`satisfaction.selectors`), which carries the annotations
some filters use (`segment_priority`, `on_watchlist`).
"""

from __future__ import annotations

import django_filters as filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from satisfaction.models import (
    SATISFIED_MIN,
    Category,
    Complaint,
    Contact,
    Contract,
    Customer,
    ImprovementMeasure,
    ImprovementSuggestion,
    ImprovementTask,
    Level,
    SatisfactionAlert,
    SatisfactionRecord,
    ServiceTicket,
    ServiceType,
    WatchlistEntry,
    segment_customer_ids,
)

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


def _service_type_filter(field_name: str) -> filters.ModelChoiceFilter:
    return filters.ModelChoiceFilter(
        field_name=field_name,
        to_field_name="code",
        queryset=ServiceType.objects.all(),
        label=_("Service type (code)"),
    )


def _segment_filter(customer_path: str) -> filters.TypedChoiceFilter:
    """Filter by the segment priority of the customer at `customer_path` (a subquery, no rows loaded)."""

    def apply(queryset: QuerySet, name: str, value: int) -> QuerySet:
        if value in (None, ""):
            return queryset
        return queryset.filter(**{f"{customer_path}__in": segment_customer_ids(int(value))})

    return filters.TypedChoiceFilter(
        choices=SEGMENT_CHOICES, coerce=int, method=apply, label=_("Segment priority (1 = most important)")
    )


class ServiceTypeFilterSet(SearchFilterSet):
    search_fields = ("code", "name_en", "name_zh")

    class Meta:
        model = ServiceType
        fields = ["is_active"]


class CustomerFilterSet(SearchFilterSet):
    search_fields = ("name", "industry", "external_id")
    segment_priority = _segment_filter("pk")
    service_type = _service_type_filter("contracts__service_type")
    on_watchlist = filters.BooleanFilter(method="filter_on_watchlist", label=_("On the watch list"))
    created_after = filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label=_("Created from"))
    created_before = filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label=_("Created until"))

    class Meta:
        model = Customer
        fields = ["tier", "industry", "external_id"]

    def filter_on_watchlist(self, queryset, name, value):
        if value is None:
            return queryset
        ids = WatchlistEntry.objects.filter(removed_at__isnull=True).values("customer")
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
    service_type = _service_type_filter("service_type")
    segment_priority = _segment_filter("customer")
    active_on = filters.DateFilter(method="filter_active_on", label=_("Active on date"))

    class Meta:
        model = Contract
        fields = ["customer", "external_id"]

    def filter_active_on(self, queryset, name, value):
        return queryset.filter(Q(end_date__isnull=True) | Q(end_date__gte=value), start_date__lte=value)


class _HelpdeskFilterSet(SearchFilterSet):
    """Common filters of tickets and complaints, which both hang off a contract."""

    search_fields = ("external_id", "agent_name", "contract__number", "contract__customer__name")
    customer = filters.ModelChoiceFilter(
        field_name="contract__customer", queryset=Customer.objects.all(), label=_("Customer")
    )
    service_type = _service_type_filter("contract__service_type")
    segment_priority = _segment_filter("contract__customer")
    urgency = filters.ChoiceFilter(choices=Level.choices, label=_("Urgency"))
    satisfaction_min = filters.NumberFilter(field_name="satisfaction", lookup_expr="gte", label=_("Satisfaction ≥"))
    satisfaction_max = filters.NumberFilter(field_name="satisfaction", lookup_expr="lte", label=_("Satisfaction ≤"))


class ServiceTicketFilterSet(_HelpdeskFilterSet):
    opened_after = filters.DateFilter(field_name="opened_at", lookup_expr="date__gte", label=_("Opened from"))
    opened_before = filters.DateFilter(field_name="opened_at", lookup_expr="date__lte", label=_("Opened until"))
    ticket_priority = filters.ChoiceFilter(choices=Level.choices, label=_("Ticket priority"))

    class Meta:
        model = ServiceTicket
        fields = ["contract", "follow_up", "is_internal", "agent", "external_id"]


class ComplaintFilterSet(_HelpdeskFilterSet):
    filed_after = filters.DateFilter(field_name="filed_at", lookup_expr="date__gte", label=_("Filed from"))
    filed_before = filters.DateFilter(field_name="filed_at", lookup_expr="date__lte", label=_("Filed until"))
    handling_speed = filters.ChoiceFilter(choices=Complaint.Speed.choices, label=_("Handling speed"))
    unresolved = filters.BooleanFilter(field_name="resolved_at", lookup_expr="isnull", label=_("Unresolved"))

    class Meta:
        model = Complaint
        fields = ["contract", "escalated", "agent", "external_id"]


class SatisfactionRecordFilterSet(SearchFilterSet):
    search_fields = ("feedback", "external_id", "customer__name")
    service_type = _service_type_filter("service_type")
    segment_priority = _segment_filter("customer")
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
        ids = WatchlistEntry.objects.filter(removed_at__isnull=True).values("customer")
        return queryset.filter(customer__in=ids) if value else queryset.exclude(customer__in=ids)


class SatisfactionAlertFilterSet(SearchFilterSet):
    search_fields = ("message_en", "message_zh", "customer__name", "dedupe_key")
    service_type = _service_type_filter("service_type")
    segment_priority = _segment_filter("customer")
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
    segment_priority = _segment_filter("customer")

    class Meta:
        model = WatchlistEntry
        fields = ["customer", "reason", "owner"]


class ImprovementSuggestionFilterSet(SearchFilterSet):
    search_fields = ("title_en", "title_zh", "rule_code")
    service_type = _service_type_filter("service_type")
    category = filters.ChoiceFilter(choices=Category.choices, label=_("Category"))

    class Meta:
        model = ImprovementSuggestion
        fields = ["status", "priority", "rule_code", "customer", "segment_priority"]


class ImprovementMeasureFilterSet(SearchFilterSet):
    search_fields = ("title", "description")
    service_type = _service_type_filter("service_type")
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
