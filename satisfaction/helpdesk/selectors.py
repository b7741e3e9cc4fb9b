"""Reads of tickets and complaints, with the customer's segment priority."""

from __future__ import annotations

from django.db.models import Q, QuerySet

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


def handled_by_q(prefix: str, *, agent=None, agent_name: str = "", team=None) -> Q:
    """Rows whose ticket or complaint at `prefix` ("" for the case itself, "ticket__" from a record) was handled
    by the agent (the user, or a case naming them by username or full name), the named handler, or a team member.

    Names are matched without case, as the agents table resolves them. An empty target gives an empty Q."""
    q = Q()
    if agent is not None:
        names = {n for n in (agent.username, agent.get_full_name()) if n}
        q |= Q(**{f"{prefix}agent": agent})
        for name in names:
            q |= Q(**{f"{prefix}agent__isnull": True, f"{prefix}agent_name__iexact": name})
    if agent_name:
        q |= Q(**{f"{prefix}agent__isnull": True, f"{prefix}agent_name__iexact": agent_name.strip()})
    if team is not None:
        # The members' ids, not a join through the group table: a join would repeat a record once per group of
        # its agent and inflate every count aggregated over it.
        q |= Q(**{f"{prefix}agent__in": list(team.user_set.values_list("pk", flat=True))})
    return q
