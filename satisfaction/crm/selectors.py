"""Reads of customers, contacts, contracts and service types."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from satisfaction.alerts.selectors import active_watch_exists
from satisfaction.crm.models import Contact, Contract, Customer, ServiceType, segment_priority_subquery
from satisfaction.feedback.models import SatisfactionRecord


def count_of(qs: QuerySet):
    return Coalesce(Subquery(qs.annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()), 0)


def service_type_list() -> QuerySet[ServiceType]:
    """Service types in display order."""
    return ServiceType.objects.all()


def customer_list() -> QuerySet[Customer]:
    """Customers with `segment_priority`, `on_watchlist`, `contact_count` and `record_count`."""
    contacts = Contact.objects.filter(customer=OuterRef("pk")).order_by().values("customer")
    records = SatisfactionRecord.objects.filter(customer=OuterRef("pk")).order_by().values("customer")
    # Subqueries, not joins: two to-many joins in one query would multiply each other's counts.
    return Customer.objects.annotate(
        segment_priority=segment_priority_subquery("pk"),
        on_watchlist=active_watch_exists("pk"),
        contact_count=count_of(contacts),
        record_count=count_of(records),
    )


def contact_list() -> QuerySet[Contact]:
    """Contacts with their customer."""
    return Contact.objects.select_related("customer")


def contract_list() -> QuerySet[Contract]:
    """Contracts with customer and service type."""
    return Contract.objects.select_related("customer", "service_type")
