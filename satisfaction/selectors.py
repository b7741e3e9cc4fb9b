"""Reads of the satisfaction domain: querysets with their relations joined and annotations added.

Views, the API and exports list through these, so a list never costs one query per row.
"""

from __future__ import annotations

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from satisfaction.models import (
    Complaint,
    Contact,
    Contract,
    Customer,
    ImportJob,
    ImprovementMeasure,
    ImprovementSuggestion,
    ImprovementTask,
    SatisfactionAlert,
    SatisfactionRecord,
    ServiceTicket,
    ServiceType,
    WatchlistEntry,
    segment_priority_subquery,
)


def _count_of(qs: QuerySet):
    return Coalesce(Subquery(qs.annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()), 0)


def active_watch_exists(customer_ref: str = "pk") -> Exists:
    """True when the customer at `customer_ref` is on the watch list now."""
    return Exists(WatchlistEntry.objects.filter(customer=OuterRef(customer_ref), removed_at__isnull=True))


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
        contact_count=_count_of(contacts),
        record_count=_count_of(records),
    )


def contact_list() -> QuerySet[Contact]:
    """Contacts with their customer."""
    return Contact.objects.select_related("customer")


def contract_list() -> QuerySet[Contract]:
    """Contracts with customer and service type."""
    return Contract.objects.select_related("customer", "service_type")


def ticket_list() -> QuerySet[ServiceTicket]:
    """Tickets with contract, customer, service type and agent, plus the customer's `segment_priority`."""
    return ServiceTicket.objects.select_related("contract__customer", "contract__service_type", "agent").annotate(
        segment_priority=segment_priority_subquery("contract__customer")
    )


def complaint_list() -> QuerySet[Complaint]:
    """Complaints with contract, customer, service type and agent, plus the customer's `segment_priority`."""
    return Complaint.objects.select_related("contract__customer", "contract__service_type", "agent").annotate(
        segment_priority=segment_priority_subquery("contract__customer")
    )


def record_list() -> QuerySet[SatisfactionRecord]:
    """Satisfaction records with customer, service type and who recorded them."""
    return SatisfactionRecord.objects.select_related("customer", "service_type", "recorded_by")


def alert_list() -> QuerySet[SatisfactionAlert]:
    """Alerts with their scope and the people who handled them."""
    return SatisfactionAlert.objects.select_related("customer", "service_type", "acknowledged_by", "resolved_by")


def open_alert_list() -> QuerySet[SatisfactionAlert]:
    """Alerts not yet resolved."""
    return alert_list().filter(~Q(status=SatisfactionAlert.Status.RESOLVED))


def watchlist_list(*, active_only: bool = False) -> QuerySet[WatchlistEntry]:
    """Watch-list entries with customer (and its `segment_priority`), owner and who added them."""
    qs = WatchlistEntry.objects.select_related("customer", "added_by", "owner", "removed_by", "alert").annotate(
        segment_priority=segment_priority_subquery("customer")
    )
    return qs.filter(removed_at__isnull=True) if active_only else qs


def suggestion_list() -> QuerySet[ImprovementSuggestion]:
    """Improvement suggestions with their scope and decider."""
    return ImprovementSuggestion.objects.select_related("service_type", "customer", "decided_by")


def measure_list() -> QuerySet[ImprovementMeasure]:
    """Measures with scope and owner, plus `task_count`, `open_task_count` and `done_task_count`."""
    open_statuses = [ImprovementTask.Status.TODO, ImprovementTask.Status.IN_PROGRESS]
    return (
        ImprovementMeasure.objects.select_related("service_type", "customer", "owner", "suggestion")
        .annotate(
            task_count=Count("tasks", distinct=True),
            open_task_count=Count("tasks", filter=Q(tasks__status__in=open_statuses), distinct=True),
            done_task_count=Count("tasks", filter=Q(tasks__status=ImprovementTask.Status.DONE), distinct=True),
        )
        .order_by(*ImprovementMeasure._meta.ordering)
    )  # Meta.ordering is dropped from GROUP BY queries


def task_list() -> QuerySet[ImprovementTask]:
    """Improvement tasks with their measure and assignee."""
    return ImprovementTask.objects.select_related("measure", "assignee")


def import_job_list() -> QuerySet[ImportJob]:
    """Import jobs, newest first, with who started them and the mapping used."""
    return ImportJob.objects.select_related("created_by", "mapping").order_by("-created_at", "-pk")
