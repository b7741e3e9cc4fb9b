"""Reads of tickets and complaints, with the customer's segment priority."""

from __future__ import annotations

from django.db.models import QuerySet

from satisfaction.crm.models import segment_priority_subquery
from satisfaction.helpdesk.models import Complaint, ServiceTicket


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
