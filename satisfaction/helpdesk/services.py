"""Helpdesk writes: closing tickets and resolving complaints, which asks the customer for feedback on commit."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.on_commit import send_on_commit
from satisfaction.helpdesk.models import Complaint, ServiceTicket


def _invite_on_commit(*, ticket_ids: list[int], complaint_ids: list[int]) -> None:
    from satisfaction.surveys.tasks import create_case_invitations

    send_on_commit(create_case_invitations, ticket_ids, complaint_ids)


@transaction.atomic
def close_ticket(*, ticket: ServiceTicket, closed_at: dt.datetime | None = None) -> ServiceTicket:
    """Close a ticket (handling hours from open to close unless already set); a survey invitation follows on commit."""
    ticket = ServiceTicket.objects.select_for_update().get(pk=ticket.pk)
    already_closed = ticket.closed_at is not None
    ticket.closed_at = closed_at or ticket.closed_at or timezone.now()
    if ticket.handling_hours is None and ticket.closed_at >= ticket.opened_at:
        ticket.handling_hours = round((ticket.closed_at - ticket.opened_at).total_seconds() / 3600, 2)
    if ticket.closed_at < ticket.opened_at:
        raise ValidationError({"closed_at": "A ticket cannot close before it opened."})
    ticket.full_clean(validate_unique=False, validate_constraints=False)
    ticket.save()
    if not already_closed:
        _invite_on_commit(ticket_ids=[ticket.pk], complaint_ids=[])
    return ticket


@transaction.atomic
def resolve_complaint(*, complaint: Complaint, resolved_at: dt.datetime | None = None) -> Complaint:
    """Resolve a complaint (resolution hours from filing unless already set); a survey invitation follows on commit."""
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    already_resolved = complaint.resolved_at is not None
    complaint.resolved_at = resolved_at or complaint.resolved_at or timezone.now()
    if complaint.resolved_at < complaint.filed_at or (
        complaint.responded_at and complaint.resolved_at < complaint.responded_at
    ):
        raise ValidationError({"resolved_at": "A complaint cannot be resolved before it was filed or answered."})
    if complaint.resolution_hours is None:
        complaint.resolution_hours = round((complaint.resolved_at - complaint.filed_at).total_seconds() / 3600, 2)
    complaint.full_clean(validate_unique=False, validate_constraints=False)
    complaint.save()
    if not already_resolved:
        _invite_on_commit(ticket_ids=[], complaint_ids=[complaint.pk])
    return complaint
