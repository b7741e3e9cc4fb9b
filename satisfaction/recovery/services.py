"""Recovery cases: opening one per dissatisfied response, logging contact attempts, closing with an outcome,
and the reminders to owners and managers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from core.roles import MANAGER
from satisfaction.crm.models import Contact
from satisfaction.feedback.kpis import counted_records
from satisfaction.feedback.models import DISSATISFIED_BELOW, SatisfactionRecord
from satisfaction.recovery.models import ContactAttempt, RecoveryCase
from satisfaction.surveys.models import SurveyInvitation
from satisfaction.surveys.services import eligible_contacts, recovery_invitation_create
from satisfaction.text.models import Topic

OPEN_STATUSES = (RecoveryCase.Status.OPEN, RecoveryCase.Status.CONTACTED)
ROOT_CAUSE_MAX = 100


NPS_DETRACTOR_MAX = 6


def dissatisfied_records(records=None):
    """The responses that owe the customer a call-back: counted (not self-rated), and scored below 3 or answered
    with an NPS of 0–6 (a detractor) on the survey that brought them in."""
    # The NPS answer lives on the survey invitation; the survey service saves it in the same transaction as the
    # record, so it is there when the after-record hook runs on commit. Read through the relation, not the package.
    detractor = Q(survey_invitation__nps_score__isnull=False, survey_invitation__nps_score__lte=NPS_DETRACTOR_MAX)
    return counted_records(records).filter(Q(score__lt=DISSATISFIED_BELOW) | detractor)


def _owner_of(record: SatisfactionRecord):
    """Who calls back: the handler of the linked ticket or complaint, else nobody (the managers' queue)."""
    for linked in (record.ticket, record.complaint):
        if linked is not None and linked.agent_id and linked.agent.is_active:
            return linked.agent
    return None


def _too_old(record: SatisfactionRecord, now) -> bool:
    # Loading history (old responses) must not flood the queue with cases overdue the day they open.
    return record.created_at < now - dt.timedelta(days=settings.RECOVERY_MAX_AGE_DAYS)


def recovery_case_open(*, record_id: int, now=None) -> RecoveryCase | None:
    """Open the recovery case of a dissatisfied response, once: returns the case (new or existing), or None when the
    response owes no call-back (score ≥ 3, self-rated, gone, or older than RECOVERY_MAX_AGE_DAYS)."""
    now = now or timezone.now()
    existing = RecoveryCase.objects.filter(record_id=record_id).first()
    if existing is not None:
        return existing
    record = dissatisfied_records().select_related("ticket__agent", "complaint__agent").filter(pk=record_id).first()
    if record is None or _too_old(record, now):
        return None
    case = RecoveryCase(
        record=record,
        customer_id=record.customer_id,
        owner=_owner_of(record),
        opened_at=now,
        due_at=record.created_at + dt.timedelta(hours=settings.RECOVERY_DUE_HOURS),
    )
    case.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError:
        # A concurrent hook run opened it first (the record is unique on the case): that one stands.
        return RecoveryCase.objects.get(record_id=record_id)
    return case


def recovery_cases_open(*, record_ids: Iterable[int], now=None) -> int:
    """Open the cases of a batch of responses (an import); returns how many this call opened."""
    ids = list(
        dissatisfied_records().filter(pk__in=list(record_ids), recovery_case__isnull=True).values_list("pk", flat=True)
    )
    return sum(recovery_case_open(record_id=record_id, now=now) is not None for record_id in ids)


def sweep_missing_cases(*, now=None, limit: int = 2000) -> int:
    """Open the cases a lost hook run missed (broker down, worker died), for responses still young enough."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=settings.RECOVERY_MAX_AGE_DAYS)
    ids = (
        dissatisfied_records()
        .filter(created_at__gte=since, recovery_case__isnull=True)
        .order_by("id")
        .values_list("pk", flat=True)[:limit]
    )
    return recovery_cases_open(record_ids=list(ids), now=now)


def _locked(case: RecoveryCase) -> RecoveryCase:
    return RecoveryCase.objects.select_for_update().get(pk=case.pk)


@transaction.atomic
def recovery_case_contact(
    *, case: RecoveryCase, user, channel: str, note: str = "", reached: bool = True, at=None
) -> ContactAttempt:
    """Log a try to reach the customer; the first one that reaches them moves the case open → contacted."""
    case = _locked(case)
    if case.status == RecoveryCase.Status.CLOSED:
        raise ValidationError({"status": _("This case is closed; reopen it before logging contacts.")})
    if channel not in ContactAttempt.Channel.values:
        raise ValidationError(
            {"channel": _("Choose how you contacted the customer: phone, email, meeting or message.")}
        )
    now = timezone.now()
    at = at or now
    if at > now + dt.timedelta(minutes=5):
        raise ValidationError({"at": _("A contact attempt cannot be in the future.")})
    if at < case.record.created_at:
        raise ValidationError({"at": _("A contact attempt cannot be before the response it follows up.")})
    attempt = ContactAttempt(
        case=case, at=at, channel=channel, note=(note or "").strip(), reached=bool(reached), by=user
    )
    attempt.full_clean()
    attempt.save()
    if reached and (case.first_contact_at is None or at < case.first_contact_at):
        case.first_contact_at = at
        case.status = RecoveryCase.Status.CONTACTED
        case.full_clean(validate_unique=False, validate_constraints=False)
        case.save(update_fields=["first_contact_at", "status"])
    return attempt


def _topic(value: Topic | str | None) -> Topic | None:
    if value is None or value == "":
        return None
    if isinstance(value, Topic):
        return value
    topic = Topic.objects.filter(code=str(value).strip()).first()
    if topic is None:
        raise ValidationError({"root_cause_topic": _("Choose a topic from the list.")})
    return topic


def _resurvey_contact(case: RecoveryCase) -> Contact | None:
    """Who is asked again: the contact who answered the survey behind the case, else the customer's first
    reachable contact (most important first)."""
    invitation = SurveyInvitation.objects.filter(record_id=case.record_id).select_related("contact").first()
    if invitation is not None:
        return invitation.contact
    return eligible_contacts(case.customer_id).first()


@transaction.atomic
def recovery_case_close(
    *,
    case: RecoveryCase,
    user,
    outcome: str,
    root_cause: str = "",
    root_cause_topic: Topic | str | None = None,
    note: str = "",
    resurvey: bool = False,
) -> RecoveryCase:
    """Contacted (or unreachable) → closed, with the outcome and the root cause of the bad experience: a topic
    from the topic list, a short text, or both (one of them unless unreachable).

    `resurvey` (only when recovered) sends the customer a one-question survey; its answer is the case's recovery
    score. When nobody can be asked (no contact, no e-mail, unsubscribed) the case closes anyway and
    `case.resurvey_skipped` says why."""
    case = _locked(case)
    errors = {}
    if case.status == RecoveryCase.Status.CLOSED:
        errors["status"] = _("This case is already closed.")
    if outcome not in RecoveryCase.Outcome.values:
        errors["outcome"] = _("Choose the outcome: recovered, not_recovered or unreachable.")
    elif outcome != RecoveryCase.Outcome.UNREACHABLE and case.first_contact_at is None:
        errors["outcome"] = _("Log a contact that reached the customer before closing as recovered or not recovered.")
    root_cause = (root_cause or "").strip()
    try:
        topic = _topic(root_cause_topic)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        topic = None
    if len(root_cause) > ROOT_CAUSE_MAX:
        errors["root_cause"] = _("At most 100 characters.")
    elif (
        outcome != RecoveryCase.Outcome.UNREACHABLE
        and not root_cause
        and topic is None
        and "root_cause_topic" not in errors
    ):
        errors["root_cause"] = _("Say what caused the bad experience: pick a topic or describe it.")
    if resurvey and outcome != RecoveryCase.Outcome.RECOVERED:
        errors["resurvey"] = _("Only a recovered customer is asked again.")
    if errors:
        raise ValidationError(errors)
    case.status = RecoveryCase.Status.CLOSED
    case.outcome = outcome
    case.root_cause = root_cause
    case.root_cause_topic = topic
    case.closing_note = (note or "").strip()
    case.closed_at = timezone.now()
    case.closed_by = user
    case.resurvey_skipped = None
    if resurvey:
        contact = _resurvey_contact(case)
        sent = (
            recovery_invitation_create(contact=contact, service_type=case.record.service_type, created_by=user)
            if contact is not None
            else None
        )
        case.resurvey = sent.invitation if sent is not None else None
        case.resurvey_skipped = None if case.resurvey else (sent.reason if sent is not None else "no_contact")
    case.full_clean(validate_unique=False)
    case.save()
    return case


@transaction.atomic
def recovery_case_assign(*, case: RecoveryCase, owner) -> RecoveryCase:
    """Give the case to `owner` (None: back to the managers' queue)."""
    case = _locked(case)
    if case.status == RecoveryCase.Status.CLOSED:
        raise ValidationError({"status": _("This case is already closed.")})
    if owner is not None and not owner.is_active:
        raise ValidationError({"owner": _("Choose an active user.")})
    case.owner = owner
    case.reminder_sent_at = None  # the new owner gets their own reminder
    case.save(update_fields=["owner", "reminder_sent_at"])
    return case


def _managers():
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name=MANAGER))
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def case_url(case_id: int) -> str:
    """Absolute link to the case page."""
    return settings.SITE_URL.rstrip("/") + reverse("recovery-case", args=[case_id])


def _claim(field: str, **filters) -> list[int]:
    """Ids of the cases that still need this reminder, claimed (stamped) so a second run sends nothing again."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            RecoveryCase.objects.select_for_update()
            .filter(status__in=OPEN_STATUSES, **{f"{field}__isnull": True}, **filters)
            .values_list("pk", flat=True)
        )
        RecoveryCase.objects.filter(pk__in=ids).update(**{field: now})
    return ids


def send_recovery_reminders(*, now=None) -> dict[str, int]:
    """E-mail owners whose case is due within RECOVERY_REMINDER_HOURS, and managers about overdue cases.

    Idempotent: each case gets each e-mail once (claimed before sending); returns how many e-mails went out."""
    now = now or timezone.now()
    soon = now + dt.timedelta(hours=settings.RECOVERY_REMINDER_HOURS)
    sent = {"reminders": 0, "overdue": 0}
    due_soon = _claim("reminder_sent_at", due_at__gt=now, due_at__lte=soon, owner__isnull=False)
    for case in RecoveryCase.objects.filter(pk__in=due_soon).select_related("customer", "owner", "record"):
        if not case.owner.email:
            continue
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("Recovery case due soon: %(customer)s") % {"customer": case.customer}
            body = _("%(customer)s gave %(score)s. Call them back before %(due)s.\n\nOpen the case: %(link)s") % {
                "customer": case.customer,
                "score": case.record.score,
                "due": timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M"),
                "link": case_url(case.pk),
            }
        sent["reminders"] += send_mail(str(subject), str(body), settings.DEFAULT_FROM_EMAIL, [case.owner.email])
    overdue = _claim("overdue_notified_at", due_at__lte=now)
    cases = list(RecoveryCase.objects.filter(pk__in=overdue).select_related("customer", "owner"))
    if cases:
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("%(n)d recovery case(s) overdue") % {"n": len(cases)}
            lines = [f"- {case.customer} ({case.owner or _('managers queue')}): {case_url(case.pk)}" for case in cases]
            body = str(_("These customers were not called back in time:")) + "\n" + "\n".join(lines)
        for user in _managers():
            sent["overdue"] += send_mail(str(subject), body, settings.DEFAULT_FROM_EMAIL, [user.email])
    return sent
