"""Reads of customers, contacts, contracts and service types."""

from __future__ import annotations

from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from satisfaction.crm.models import Contact, Contract, Customer, ServiceType, segment_priority_subquery


def count_of(qs: QuerySet):
    """The number of rows of a correlated subquery, 0 when there are none."""
    return Coalesce(Subquery(qs.annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()), 0)


def service_type_list() -> QuerySet[ServiceType]:
    """Service types in display order."""
    return ServiceType.objects.all()


def watched_customers() -> QuerySet[Customer]:
    """Customers on the watch list now.

    The watch list belongs to alerts, which builds on crm: crm reads it only through the relation's name
    (`watchlist_entries`), never by importing it.
    """
    return Customer.objects.filter(watchlist_entries__isnull=False, watchlist_entries__removed_at__isnull=True)


def customer_list() -> QuerySet[Customer]:
    """Customers with `segment_priority`, `on_watchlist`, `contact_count` and `record_count` (records on file,
    self-rated included: the KPIs of a customer are on its page)."""
    contacts = Contact.objects.filter(customer=OuterRef("pk")).order_by().values("customer")
    records = Customer.objects.filter(pk=OuterRef("pk"), satisfaction_records__isnull=False).order_by().values("pk")
    # Subqueries, not joins: two to-many joins in one query would multiply each other's counts.
    return Customer.objects.annotate(
        segment_priority=segment_priority_subquery("pk"),
        on_watchlist=Exists(watched_customers().filter(pk=OuterRef("pk"))),
        contact_count=count_of(contacts),
        record_count=count_of(records),
    )


def contact_list() -> QuerySet[Contact]:
    """Contacts with their customer."""
    return Contact.objects.select_related("customer")


def contract_list() -> QuerySet[Contract]:
    """Contracts with customer and service type."""
    return Contract.objects.select_related("customer", "service_type")
