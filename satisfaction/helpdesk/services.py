"""Helpdesk writes: every create and change of tickets and complaints goes through here.

A ticket that closes, or a complaint that is resolved, through any write path (page, API, admin, import)
is announced once the write commits; surveys subscribe (`register_case_closed_hook`) and invite the
customer, so this package does not import surveys.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.services import model_create, model_update
from satisfaction.helpdesk.models import Complaint, ServiceTicket

logger = logging.getLogger(__name__)

TICKET_FIELDS = (
    "external_id", "contract", "opened_at", "closed_at", "handling_hours", "urgency", "ticket_priority",
    "satisfaction", "follow_up", "is_internal", "agent", "agent_name",
)  # fmt: skip
COMPLAINT_FIELDS = (
    "external_id", "contract", "filed_at", "responded_at", "resolved_at", "response_hours", "resolution_hours",
    "satisfaction", "escalated", "urgency", "handling_speed", "agent", "agent_name",
)  # fmt: skip

# Callables run after tickets closed / complaints were resolved commit; each takes (ticket_ids, complaint_ids).
_case_closed_hooks: list[Callable[[list[int], list[int]], Any]] = []


def register_case_closed_hook(func):
    """Run `func(ticket_ids, complaint_ids)` after a write that closed tickets or resolved complaints commits."""
    if func not in _case_closed_hooks:
        _case_closed_hooks.append(func)
    return func


def cases_closed(*, ticket_ids: Iterable[int] = (), complaint_ids: Iterable[int] = ()) -> None:
    """Announce, once the current transaction commits, that these tickets closed and complaints were resolved."""
    tickets, complaints = sorted(set(ticket_ids)), sorted(set(complaint_ids))
    if tickets or complaints:
        transaction.on_commit(lambda: _run_case_closed_hooks(tickets, complaints))


def _run_case_closed_hooks(ticket_ids: list[int], complaint_ids: list[int]) -> None:
    for hook in list(_case_closed_hooks):
        try:
            hook(ticket_ids, complaint_ids)
        except Exception:
            # The case is saved already; a failing subscriber must not undo or fail the write.
            logger.exception(
                "Case-closed hook %r failed for tickets %s, complaints %s", hook, ticket_ids, complaint_ids
            )


def _hours_between(start: dt.datetime, end: dt.datetime) -> float:
    return round((end - start).total_seconds() / 3600, 2)


# The field that closes each kind of case, and how `cases_closed` names its ids.
_CLOSING = {ServiceTicket: ("closed_at", "ticket_ids"), Complaint: ("resolved_at", "complaint_ids")}


def _case_create(model, fields: tuple[str, ...], data: Mapping[str, Any]):
    case = model_create(model=model, data=data, fields=fields)
    closing, ids = _CLOSING[model]
    if getattr(case, closing) is not None:  # created closed: it closed now, as far as we know
        cases_closed(**{ids: [case.pk]})
    return case


def _case_update(case, fields: tuple[str, ...], data: Mapping[str, Any]):
    case, changed = model_update(instance=case, data=data, fields=fields)
    closing, ids = _CLOSING[type(case)]
    if closing in changed and changed[closing] is None and getattr(case, closing) is not None:
        cases_closed(**{ids: [case.pk]})
    return case


# --- tickets ---------------------------------------------------------------------------------------------------


@transaction.atomic
def ticket_create(*, data: Mapping[str, Any]) -> ServiceTicket:
    """Validate and save a new ticket; one created closed is announced as closed."""
    return _case_create(ServiceTicket, TICKET_FIELDS, data)


@transaction.atomic
def ticket_update(*, ticket: ServiceTicket, data: Mapping[str, Any]) -> ServiceTicket:
    """Change the fields of a ticket given in `data`; a ticket that closes here is announced once."""
    return _case_update(ticket, TICKET_FIELDS, data)


@transaction.atomic
def ticket_close(*, ticket: ServiceTicket, closed_at: dt.datetime | None = None) -> ServiceTicket:
    """Close a ticket (handling hours from open to close unless already set); a survey invitation follows on commit."""
    ticket = ServiceTicket.objects.select_for_update().get(pk=ticket.pk)
    closed_at = closed_at or ticket.closed_at or timezone.now()
    if closed_at < ticket.opened_at:
        raise ValidationError({"closed_at": _("A ticket cannot close before it opened.")})
    data: dict[str, Any] = {"closed_at": closed_at}
    if ticket.handling_hours is None:
        data["handling_hours"] = _hours_between(ticket.opened_at, closed_at)
    return ticket_update(ticket=ticket, data=data)


# --- complaints ------------------------------------------------------------------------------------------------


@transaction.atomic
def complaint_create(*, data: Mapping[str, Any]) -> Complaint:
    """Validate and save a new complaint; one created resolved is announced as resolved."""
    return _case_create(Complaint, COMPLAINT_FIELDS, data)


@transaction.atomic
def complaint_update(*, complaint: Complaint, data: Mapping[str, Any]) -> Complaint:
    """Change the fields of a complaint given in `data`; a complaint resolved here is announced once."""
    return _case_update(complaint, COMPLAINT_FIELDS, data)


@transaction.atomic
def complaint_resolve(*, complaint: Complaint, resolved_at: dt.datetime | None = None) -> Complaint:
    """Resolve a complaint (resolution hours from filing unless already set); a survey invitation follows on commit."""
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    resolved_at = resolved_at or complaint.resolved_at or timezone.now()
    if resolved_at < complaint.filed_at or (complaint.responded_at and resolved_at < complaint.responded_at):
        raise ValidationError({"resolved_at": _("A complaint cannot be resolved before it was filed or answered.")})
    data: dict[str, Any] = {"resolved_at": resolved_at}
    if complaint.resolution_hours is None:
        data["resolution_hours"] = _hours_between(complaint.filed_at, resolved_at)
    return complaint_update(complaint=complaint, data=data)
