"""Customer surveys: who gets asked, signed single-use links, sending and reminders, answers and unsubscribes.

Every way an invitation is created (closed ticket, resolved complaint, file import, campaign, resend) goes
through `invitation_create` / `invitation_send`, so cool-down, exclusions and unsubscribes hold everywhere.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from satisfaction.crm.models import Contact, Contract, ServiceType
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.feedback.services import record_satisfaction
from satisfaction.helpdesk.models import Complaint, ServiceTicket
from satisfaction.surveys.models import SurveyCampaign, SurveyInvitation, SurveyOptOut, SurveySettings

logger = logging.getLogger(__name__)

TOKEN_SALT = "satisfaction.surveys.invitation"
# Hard ceiling on any link's age, whatever the settings say; the invitation's own expiry is checked too.
TOKEN_MAX_AGE = dt.timedelta(days=366)
# Closed cases older than this get no survey (e.g. a file import of last year's tickets).
MAX_CASE_AGE = dt.timedelta(days=getattr(settings, "SURVEY_MAX_CASE_AGE_DAYS", 14))


class SurveyLinkError(Exception):
    """A survey link that cannot be answered; `reason` is invalid, expired, answered or unsubscribed."""

    def __init__(self, reason: str, invitation: SurveyInvitation | None = None):
        super().__init__(reason)
        self.reason = reason
        self.invitation = invitation


@dataclass(frozen=True)
class InviteOutcome:
    """The result of asking to invite one contact: the invitation, or why none was created."""

    invitation: SurveyInvitation | None
    reason: str  # "created", "exists", "disabled", "not_sampled", "no_contact", "internal", "cooldown", …


# --- settings, eligibility ------------------------------------------------------------------------------------------


def survey_settings_for(*, service_type: ServiceType) -> SurveySettings:
    """The survey settings of a service type, created with the defaults the first time they are needed."""
    found, _created = SurveySettings.objects.get_or_create(service_type=service_type)
    return found


SETTINGS_FIELDS = (
    "enabled", "sample_every", "delay_hours", "cooldown_days", "reminder_after_days", "valid_days", "exclude_internal",
)  # fmt: skip


@transaction.atomic
def survey_settings_update(
    *,
    service_type: ServiceType,
    excluded_customer_ids: list[int] | None = None,
    excluded_contact_ids: list[int] | None = None,
    **values,
) -> SurveySettings:
    """A manager changes who gets asked after a service type, and when; fields left out keep their value."""
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"unknown survey settings: {sorted(unknown)}")
    survey_settings = survey_settings_for(service_type=service_type)
    survey_settings = SurveySettings.objects.select_for_update().get(pk=survey_settings.pk)
    for name, value in values.items():
        setattr(survey_settings, name, value)
    survey_settings.full_clean()
    survey_settings.save()
    if excluded_customer_ids is not None:
        survey_settings.excluded_customers.set(excluded_customer_ids)
    if excluded_contact_ids is not None:
        survey_settings.excluded_contacts.set(excluded_contact_ids)
    return survey_settings


def is_unsubscribed(contact: Contact | int) -> bool:
    return SurveyOptOut.objects.filter(contact=contact).exists()


def _in_cooldown(contact: Contact, *, days: int, now: dt.datetime) -> bool:
    return SurveyInvitation.objects.filter(contact=contact, created_at__gt=now - dt.timedelta(days=days)).exists()


def _excluded(survey_settings: SurveySettings, contact: Contact) -> str | None:
    if survey_settings.excluded_customers.filter(pk=contact.customer_id).exists():
        return "excluded_customer"
    if survey_settings.excluded_contacts.filter(pk=contact.pk).exists():
        return "excluded_contact"
    return None


def eligible_contacts(customer_id: int, *, max_priority: int = 5):
    """Contacts of a customer who can be asked (an email, not unsubscribed), most important first."""
    return (
        Contact.objects.filter(customer_id=customer_id, contact_priority__lte=max_priority)
        .exclude(email="")
        .exclude(survey_opt_out__isnull=False)
        .order_by("contact_priority", "pk")
    )


def _sampled(survey_settings: SurveySettings) -> bool:
    """Count this closed case; True for every N-th one (1 in N, exact and race-free)."""
    SurveySettings.objects.filter(pk=survey_settings.pk).update(cases_seen=F("cases_seen") + 1)
    seen = SurveySettings.objects.values_list("cases_seen", flat=True).get(pk=survey_settings.pk)
    return (seen - 1) % survey_settings.sample_every == 0


# --- creating invitations --------------------------------------------------------------------------------------------


@transaction.atomic
def invitation_create(
    *,
    contact: Contact,
    service_type: ServiceType,
    ticket: ServiceTicket | None = None,
    complaint: Complaint | None = None,
    campaign: SurveyCampaign | None = None,
    created_by=None,
    sample: bool = True,
    now: dt.datetime | None = None,
) -> InviteOutcome:
    """Invite one contact unless a rule says no; the email goes out on commit (or after the configured delay)."""
    now = now or timezone.now()
    survey_settings = survey_settings_for(service_type=service_type)
    if campaign is None and not survey_settings.enabled:
        return InviteOutcome(None, "disabled")
    if ticket is not None and ticket.is_internal and survey_settings.exclude_internal:
        return InviteOutcome(None, "internal")
    if not contact.email:
        return InviteOutcome(None, "no_email")
    if is_unsubscribed(contact):
        return InviteOutcome(None, "unsubscribed")
    excluded = _excluded(survey_settings, contact)
    if excluded:
        return InviteOutcome(None, excluded)
    if ticket is not None or complaint is not None:
        existing = SurveyInvitation.objects.filter(contact=contact, ticket=ticket, complaint=complaint).first()
        if existing:
            return InviteOutcome(existing, "exists")
    # Lock the contact so two closings at once cannot both pass the cool-down check.
    Contact.objects.select_for_update().filter(pk=contact.pk).first()
    if _in_cooldown(contact, days=survey_settings.cooldown_days, now=now):
        return InviteOutcome(None, "cooldown")
    if sample and campaign is None and not _sampled(survey_settings):
        return InviteOutcome(None, "not_sampled")

    source = (
        SurveyInvitation.Source.CAMPAIGN
        if campaign
        else SurveyInvitation.Source.COMPLAINT
        if complaint
        else SurveyInvitation.Source.TICKET
    )
    invitation = _new_invitation(
        source=source,
        contact=contact,
        service_type=service_type,
        ticket=ticket,
        complaint=complaint,
        campaign=campaign,
        ask_nps=bool(campaign and campaign.ask_nps),
        ask_ces=bool(campaign and campaign.ask_ces),
        created_at=now,
        send_after=now + dt.timedelta(hours=0 if campaign else survey_settings.delay_hours),
        created_by=created_by,
    )
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:
        # The same case closed twice at once: the other request's invitation stands.
        existing = SurveyInvitation.objects.filter(contact=contact, ticket=ticket, complaint=complaint).first()
        if existing:
            return InviteOutcome(existing, "exists")
        raise
    if invitation.send_after <= now:
        _send_on_commit(invitation.pk)
    return InviteOutcome(invitation, "created")


def _new_invitation(*, contact: Contact, **fields) -> SurveyInvitation:
    """An unsaved, validated invitation with a fresh token id (the signed link is made from it)."""
    invitation = SurveyInvitation(
        nonce=secrets.token_hex(16), contact=contact, customer_id=contact.customer_id, **fields
    )
    invitation.full_clean(validate_unique=False, validate_constraints=False)
    return invitation


def recovery_invitation_create(
    *, contact: Contact, service_type: ServiceType, created_by=None, now: dt.datetime | None = None
) -> InviteOutcome:
    """Ask a customer who was called back how they rate the handling now (one question, sent at once).

    The customer agreed to it on the call, so cool-down, sampling and the service type's survey switch do not
    apply; an unsubscribed contact or one without an e-mail address is still never asked."""
    now = now or timezone.now()
    if not contact.email:
        return InviteOutcome(None, "no_email")
    if is_unsubscribed(contact):
        return InviteOutcome(None, "unsubscribed")
    invitation = _new_invitation(
        source=SurveyInvitation.Source.RECOVERY, contact=contact, service_type=service_type, created_at=now,
        send_after=now, created_by=created_by,
    )  # fmt: skip
    invitation.save()
    _send_on_commit(invitation.pk)
    return InviteOutcome(invitation, "created")


def _send_on_commit(invitation_id: int, *, reminder: bool = False, resend: bool = False) -> None:
    from core.on_commit import send_on_commit
    from satisfaction.surveys.tasks import send_survey_invitation

    send_on_commit(send_survey_invitation, invitation_id, reminder, resend)


def _case_contact(customer_id: int) -> Contact | None:
    return eligible_contacts(customer_id).first()


def invite_for_closed_cases(
    *, ticket_ids: list[int], complaint_ids: list[int], now: dt.datetime | None = None
) -> list[InviteOutcome]:
    """Invite the most important reachable contact of each closed ticket / resolved complaint (import and services).

    Cases closed more than MAX_CASE_AGE ago are skipped ("stale"): importing history must not survey customers
    about last year's tickets. One case failing is logged and does not stop the others.
    """
    now = now or timezone.now()
    cutoff = now - MAX_CASE_AGE
    tickets = ServiceTicket.objects.filter(pk__in=ticket_ids, closed_at__isnull=False).select_related(
        "contract__service_type"
    )
    complaints = Complaint.objects.filter(pk__in=complaint_ids, resolved_at__isnull=False).select_related(
        "contract__service_type"
    )
    cases = [(t, "ticket", t.closed_at) for t in tickets.order_by("pk")]
    cases += [(c, "complaint", c.resolved_at) for c in complaints.order_by("pk")]
    outcomes = []
    for case, kind, closed_at in cases:
        if closed_at < cutoff:
            outcomes.append(InviteOutcome(None, "stale"))
            continue
        contact = _case_contact(case.contract.customer_id)
        if contact is None:
            outcomes.append(InviteOutcome(None, "no_contact"))
            continue
        try:
            outcomes.append(
                invitation_create(contact=contact, service_type=case.contract.service_type, now=now, **{kind: case})
            )
        except Exception:
            # The case is closed already; a failed invitation is logged, never undoes or blocks the others.
            logger.exception("Could not create a survey invitation for %s %s", kind, case.pk)
            outcomes.append(InviteOutcome(None, "error"))
    return outcomes


@transaction.atomic
def campaign_schedule(
    *,
    name: str,
    next_run_at: dt.datetime,
    service_type: ServiceType | None = None,
    contact_priority: int = 1,
    repeat_every_days: int | None = None,
    ask_nps: bool = False,
    ask_ces: bool = False,
    created_by=None,
) -> SurveyCampaign:
    """A manager schedules a campaign; the periodic task runs it when `next_run_at` comes."""
    campaign = SurveyCampaign(
        name=name,
        service_type=service_type,
        contact_priority=contact_priority,
        next_run_at=next_run_at,
        repeat_every_days=repeat_every_days,
        ask_nps=ask_nps,
        ask_ces=ask_ces,
        created_by=created_by,
    )
    campaign.full_clean()
    campaign.save()
    return campaign


@transaction.atomic
def campaign_run(*, campaign: SurveyCampaign, now: dt.datetime | None = None) -> list[InviteOutcome]:
    """Invite every customer's contacts of the campaign's priority (or more important); schedule the next run."""
    now = now or timezone.now()
    campaign = SurveyCampaign.objects.select_for_update().get(pk=campaign.pk)
    latest_service = {}
    if campaign.service_type_id is None:
        for customer_id, service_type_id in Contract.objects.order_by("customer_id", "start_date", "pk").values_list(
            "customer_id", "service_type_id"
        ):
            latest_service[customer_id] = service_type_id  # the last one wins: the most recent contract
    service_types = {st.pk: st for st in ServiceType.objects.all()}
    contacts = (
        Contact.objects.filter(contact_priority__lte=campaign.contact_priority)
        .exclude(email="")
        .select_related("customer")
        .order_by("customer_id", "contact_priority", "pk")
    )
    outcomes = []
    for contact in contacts:
        service_type_id = campaign.service_type_id or latest_service.get(contact.customer_id)
        if service_type_id is None:
            outcomes.append(InviteOutcome(None, "no_contract"))
            continue
        outcomes.append(
            invitation_create(
                contact=contact, service_type=service_types[service_type_id], campaign=campaign, sample=False, now=now
            )
        )
    campaign.last_run_at = now
    if campaign.repeat_every_days:
        campaign.next_run_at = max(campaign.next_run_at, now) + dt.timedelta(days=campaign.repeat_every_days)
    else:
        campaign.is_active = False
    campaign.full_clean()
    campaign.save()
    return outcomes


def run_due_campaigns(*, now: dt.datetime | None = None) -> int:
    """Run every active campaign whose time has come; returns how many invitations were created."""
    now = now or timezone.now()
    created = 0
    for campaign in SurveyCampaign.objects.filter(is_active=True, next_run_at__lte=now).order_by("pk"):
        created += sum(1 for o in campaign_run(campaign=campaign, now=now) if o.reason == "created")
    return created


# --- links --------------------------------------------------------------------------------------------------------


def invitation_token(invitation: SurveyInvitation) -> str:
    """The signed token of the invitation's link (carries only the random token id and a timestamp)."""
    return signing.dumps(invitation.nonce, salt=TOKEN_SALT, compress=False)


def token_nonce(token: str) -> str | None:
    """The token id a genuine link carries (expired or not), None for a forged or mangled one; reads no row."""
    try:
        nonce = signing.loads(token, salt=TOKEN_SALT)
    except signing.BadSignature:
        return None
    return nonce if isinstance(nonce, str) else None


def survey_url(invitation: SurveyInvitation, *, score: int | None = None) -> str:
    """Absolute link to the public form; `score` pre-fills the form (a GET never records)."""
    url = settings.SITE_URL.rstrip("/") + reverse("survey-form", kwargs={"token": invitation_token(invitation)})
    return f"{url}?score={score}" if score else url


def unsubscribe_url(invitation: SurveyInvitation) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("survey-unsubscribe", kwargs={"token": invitation_token(invitation)})


def invitation_from_token(token: str, *, now: dt.datetime | None = None, allow_answered: bool = False):
    """The invitation a link points to; raises SurveyLinkError for tampered, expired or answered links."""
    now = now or timezone.now()
    try:
        nonce = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise SurveyLinkError("expired") from None
    except signing.BadSignature:
        raise SurveyLinkError("invalid") from None
    invitation = (
        SurveyInvitation.objects.select_related("contact", "customer", "service_type", "campaign")
        .filter(nonce=nonce)
        .first()
    )
    if invitation is None:
        raise SurveyLinkError("invalid")
    if invitation.answered_at and not allow_answered:
        raise SurveyLinkError("answered", invitation)
    if not allow_answered and is_unsubscribed(invitation.contact_id):
        # The form of a link whose contact unsubscribed (from this link or another) says so; `survey_answer`
        # refuses the answer too, for a form opened before the unsubscribe.
        raise SurveyLinkError("unsubscribed", invitation)
    if invitation.expires_at is None or invitation.expires_at <= now:
        raise SurveyLinkError("expired", invitation)
    return invitation


# --- sending ---------------------------------------------------------------------------------------------------------


def _email_for(invitation: SurveyInvitation, *, reminder: bool) -> EmailMultiAlternatives:
    context = {
        "invitation": invitation,
        "contact": invitation.contact,
        "service_en": invitation.service_type.name_en,
        "service_zh": invitation.service_type.name_zh,
        "case": invitation.ticket or invitation.complaint,
        "survey_url": survey_url(invitation),
        "score_urls": [(s, survey_url(invitation, score=s)) for s in range(1, 6)],
        "unsubscribe_url": unsubscribe_url(invitation),
        "reminder": reminder,
        "expires_at": invitation.expires_at,
        "zh_first": invitation.contact.language.startswith("zh"),
        "recovery": invitation.source == SurveyInvitation.Source.RECOVERY,
    }
    with translation.override(invitation.contact.language or "en"):
        subject = render_to_string("emails/survey_invitation_subject.txt", context).strip()
        text = render_to_string("emails/survey_invitation.txt", context)
        html = render_to_string("emails/survey_invitation.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invitation.contact.email],
        headers={"List-Unsubscribe": f"<{context['unsubscribe_url']}>"},
    )
    message.attach_alternative(html, "text/html")
    return message


@transaction.atomic
def invitation_send(
    *, invitation_id: int, reminder: bool = False, resend: bool = False, now: dt.datetime | None = None
) -> bool:
    """Email one invitation (first send, reminder or manager resend); idempotent, returns whether mail went out."""
    now = now or timezone.now()
    invitation = (
        SurveyInvitation.objects.select_for_update(of=("self",))
        .select_related("contact", "service_type", "ticket", "complaint")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or invitation.answered_at or is_unsubscribed(invitation.contact_id):
        return False
    if not invitation.contact.email:
        return False
    if reminder:
        if invitation.reminded_at or not invitation.sent_at or invitation.expires_at <= now:
            return False
        invitation.reminded_at = now
    elif resend:
        # A resend gives the link a fresh validity window, so an expired invitation can be answered again.
        invitation.expires_at = now + dt.timedelta(
            days=survey_settings_for(service_type=invitation.service_type).valid_days
        )
    else:
        if invitation.sent_at or invitation.send_after > now:
            return False
        invitation.sent_at = now
        invitation.expires_at = now + dt.timedelta(
            days=survey_settings_for(service_type=invitation.service_type).valid_days
        )
    invitation.last_sent_at = now
    invitation.send_count += 1
    if invitation.sent_at is None:
        invitation.sent_at = now
    invitation.full_clean(validate_unique=False, validate_constraints=False)
    invitation.save()
    # Sent inside the row lock: a second worker on the same invitation waits, then sees it sent.
    _email_for(invitation, reminder=reminder).send()
    return True


@transaction.atomic
def invitation_resend(*, invitation: SurveyInvitation, by=None) -> SurveyInvitation:
    """A manager sends the same invitation again (not if answered or unsubscribed); mail goes out on commit."""
    invitation = SurveyInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.answered_at:
        raise ValidationError({"invitation": _("This invitation was answered already.")})
    if is_unsubscribed(invitation.contact_id):
        raise ValidationError({"contact": _("This contact unsubscribed from surveys.")})
    _send_on_commit(invitation.pk, resend=True)
    return invitation


def _send_quietly(invitation_id: int, *, reminder: bool, now: dt.datetime) -> bool:
    try:
        return invitation_send(invitation_id=invitation_id, reminder=reminder, now=now)
    except Exception:
        # A mail server outage leaves the invitation unsent (the transaction rolled back); the next sweep retries.
        logger.exception("Could not send survey invitation %s", invitation_id)
        return False


def send_due_invitations(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Send invitations whose delay has passed and the one reminder of unanswered ones; returns counts."""
    now = now or timezone.now()
    due = SurveyInvitation.objects.filter(sent_at__isnull=True, send_after__lte=now).values_list("pk", flat=True)
    sent = sum(_send_quietly(pk, reminder=False, now=now) for pk in list(due.order_by("pk")))
    reminders = 0
    for survey_settings in SurveySettings.objects.filter(reminder_after_days__gt=0):
        candidates = SurveyInvitation.objects.filter(
            service_type_id=survey_settings.service_type_id,
            answered_at__isnull=True,
            reminded_at__isnull=True,
            sent_at__lte=now - dt.timedelta(days=survey_settings.reminder_after_days),
            expires_at__gt=now,
        ).values_list("pk", flat=True)
        reminders += sum(_send_quietly(pk, reminder=True, now=now) for pk in list(candidates.order_by("pk")))
    return {"sent": sent, "reminders": reminders}


# --- answers ------------------------------------------------------------------------------------------------------


@transaction.atomic
def invitation_open(*, invitation: SurveyInvitation, now: dt.datetime | None = None) -> None:
    """Note the first time the form was opened (a GET records nothing else)."""
    SurveyInvitation.objects.filter(pk=invitation.pk, opened_at__isnull=True).update(opened_at=now or timezone.now())


@transaction.atomic
def survey_answer(
    *,
    invitation: SurveyInvitation,
    score: int,
    comment: str = "",
    response_time_score: int | None = None,
    accuracy_score: int | None = None,
    completeness_score: int | None = None,
    nps_score: int | None = None,
    ces_score: int | None = None,
    now: dt.datetime | None = None,
) -> SatisfactionRecord | None:
    """Record the customer's answer once, through `record_satisfaction` (channel survey, linked to the case).

    A recovery follow-up stores its one score on the invitation and records nothing (returns None)."""
    now = now or timezone.now()
    invitation = SurveyInvitation.objects.select_for_update(of=("self",)).get(pk=invitation.pk)
    if invitation.answered_at:
        raise SurveyLinkError("answered", invitation)
    if is_unsubscribed(invitation.contact_id):
        # Unsubscribing stops every survey to the contact, the answers still open in a browser tab included.
        raise SurveyLinkError("unsubscribed", invitation)
    if invitation.source == SurveyInvitation.Source.RECOVERY:
        if score not in range(1, 6):
            raise ValidationError({"score": _("Pick a rating from 1 to 5.")})
        invitation.recovery_score = score
        invitation.answered_at = now
        invitation.opened_at = invitation.opened_at or now
        invitation.save(update_fields=["recovery_score", "answered_at", "opened_at"])
        return None
    record, _created = record_satisfaction(
        customer=invitation.customer_id,
        service_type=invitation.service_type_id,
        score=score,
        feedback=comment,
        accuracy_score=accuracy_score,
        completeness_score=completeness_score,
        channel=SatisfactionRecord.Channel.SURVEY,
        ticket=invitation.ticket_id,
        complaint=invitation.complaint_id,
        external_id=invitation.external_id,
        created_at=now,
    )
    invitation.record = record
    invitation.answered_at = now
    invitation.opened_at = invitation.opened_at or now
    invitation.response_time_score = response_time_score
    invitation.nps_score = nps_score if invitation.ask_nps else None
    invitation.ces_score = ces_score if invitation.ask_ces else None
    invitation.full_clean(validate_unique=False, validate_constraints=False)
    invitation.save()
    return record


@transaction.atomic
def contact_unsubscribe(*, contact: Contact, via: SurveyInvitation | None = None) -> SurveyOptOut:
    """Stop all surveys to a contact (idempotent)."""
    opt_out, _created = SurveyOptOut.objects.get_or_create(contact=contact, defaults={"via": via})
    return opt_out


@transaction.atomic
def contact_resubscribe(*, contact: Contact) -> None:
    """Allow surveys to a contact again (a manager's action, when the customer asks)."""
    SurveyOptOut.objects.filter(contact=contact).delete()


# --- reads ---------------------------------------------------------------------------------------------------------


def customer_invitations(*, customer_id: int):
    """A customer's invitations, newest first, with what the list shows."""
    return (
        SurveyInvitation.objects.filter(customer_id=customer_id)
        .select_related(
            "contact", "service_type", "ticket", "complaint", "campaign", "record", "contact__survey_opt_out"
        )
        .order_by("-created_at", "-pk")
    )


def customer_response_summary(*, customer_id: int) -> dict:
    """Sent and answered invitations of one customer (the analytics module has the intervals and breakdowns)."""
    row = SurveyInvitation.objects.filter(customer_id=customer_id, sent_at__isnull=False).aggregate(
        sent=Count("id"), answered=Count("id", filter=Q(answered_at__isnull=False))
    )
    rate = row["answered"] / row["sent"] if row["sent"] else None
    return {**row, "rate": rate, "rate_pct": None if rate is None else 100 * rate}


def priority_contacts_count(priority: int) -> int:
    """How many reachable contacts a campaign to `priority` would ask (for the campaign page)."""
    return (
        Contact.objects.filter(contact_priority__lte=priority)
        .exclude(email="")
        .exclude(survey_opt_out__isnull=False)
        .count()
    )
