"""Celery tasks for survey invitations, reminders and campaigns: each takes ids and calls one service."""

from celery import shared_task

from core.on_commit import send_safely
from core.retry import TASK_OPTIONS
from satisfaction.surveys import services as surveys

__all__ = ["create_case_invitations", "run_survey_campaigns", "send_due_surveys", "send_survey_invitation"]


@shared_task(**TASK_OPTIONS)
def send_survey_invitation(invitation_id: int, reminder: bool = False, resend: bool = False) -> bool:
    """Email one invitation (idempotent: a sent invitation is not sent again unless it is a reminder or resend)."""
    return surveys.invitation_send(invitation_id=invitation_id, reminder=reminder, resend=resend)


@shared_task(**TASK_OPTIONS)
def create_case_invitations(ticket_ids: list[int], complaint_ids: list[int]) -> int:
    """Invite contacts after tickets closed / complaints resolved; returns how many invitations were created."""
    outcomes = surveys.invite_for_closed_cases(ticket_ids=ticket_ids, complaint_ids=complaint_ids)
    return sum(1 for o in outcomes if o.reason == "created")


@shared_task(**TASK_OPTIONS)
def send_due_surveys() -> dict:
    """Send delayed invitations whose time has come and the one reminder of unanswered ones."""
    return surveys.send_due_invitations()


@shared_task(**TASK_OPTIONS)
def run_survey_campaigns() -> int:
    """Run the campaigns managers scheduled whose time has come."""
    return surveys.run_due_campaigns()


def enqueue_case_invitations(ticket_ids: list[int], complaint_ids: list[int]) -> None:
    """Case-closed hook (helpdesk): invite the customers of closed tickets and resolved complaints; never raises."""
    send_safely(create_case_invitations, list(ticket_ids), list(complaint_ids))
