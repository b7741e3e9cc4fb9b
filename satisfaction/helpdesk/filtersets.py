"""Filters of tickets and complaints, for the pages and the API."""

from __future__ import annotations

import django_filters as filters
from django.utils.translation import gettext_lazy as _

from core.db import Level
from core.filtersets import SearchFilterSet
from satisfaction.crm.filtersets import segment_filter, service_type_filter
from satisfaction.crm.models import Customer
from satisfaction.helpdesk.models import Complaint, ServiceTicket


class HelpdeskFilterSet(SearchFilterSet):
    """Common filters of tickets and complaints, which both hang off a contract."""

    search_fields = ("external_id", "agent_name", "contract__number", "contract__customer__name")
    customer = filters.ModelChoiceFilter(
        field_name="contract__customer", queryset=Customer.objects.all(), label=_("Customer")
    )
    service_type = service_type_filter("contract__service_type")
    segment_priority = segment_filter("contract__customer")
    urgency = filters.ChoiceFilter(choices=Level.choices, label=_("Urgency"))
    satisfaction_min = filters.NumberFilter(field_name="satisfaction", lookup_expr="gte", label=_("Satisfaction ≥"))
    satisfaction_max = filters.NumberFilter(field_name="satisfaction", lookup_expr="lte", label=_("Satisfaction ≤"))


class ServiceTicketFilterSet(HelpdeskFilterSet):
    opened_after = filters.DateFilter(field_name="opened_at", lookup_expr="date__gte", label=_("Opened from"))
    opened_before = filters.DateFilter(field_name="opened_at", lookup_expr="date__lte", label=_("Opened until"))
    ticket_priority = filters.ChoiceFilter(choices=Level.choices, label=_("Ticket priority"))

    class Meta:
        model = ServiceTicket
        fields = ["contract", "follow_up", "is_internal", "agent", "external_id"]


class ComplaintFilterSet(HelpdeskFilterSet):
    filed_after = filters.DateFilter(field_name="filed_at", lookup_expr="date__gte", label=_("Filed from"))
    filed_before = filters.DateFilter(field_name="filed_at", lookup_expr="date__lte", label=_("Filed until"))
    handling_speed = filters.ChoiceFilter(choices=Complaint.Speed.choices, label=_("Handling speed"))
    unresolved = filters.BooleanFilter(field_name="resolved_at", lookup_expr="isnull", label=_("Unresolved"))

    class Meta:
        model = Complaint
        fields = ["contract", "escalated", "agent", "external_id"]
