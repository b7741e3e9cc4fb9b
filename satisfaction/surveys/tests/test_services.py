"""Survey invitations through the services: who is asked, signed single-use links, sending, reminders, unsubscribes."""

import datetime as dt

import pytest
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.utils import timezone

from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.helpdesk.services import complaint_resolve, ticket_close
from satisfaction.surveys import services as surveys
from satisfaction.surveys.models import SurveyCampaign, SurveyInvitation, SurveySettings
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket():
    contact = f.ContactFactory(name="Li Wei", contact_priority=1, email="li.wei@example.com", language="en")
    f.ContactFactory(customer=contact.customer, contact_priority=3, email="other@example.com")
    contract = f.ContractFactory(customer=contact.customer)
    return f.TicketFactory(contract=contract, external_id="T-100")


def _close(ticket, django_capture_on_commit_callbacks, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        ticket_close(ticket=ticket, **kwargs)


def test_closing_a_ticket_invites_the_most_important_contact_and_emails_both_languages(
    ticket, django_capture_on_commit_callbacks
):
    _close(ticket, django_capture_on_commit_callbacks)
    invitation = SurveyInvitation.objects.get()
    assert invitation.contact.email == "li.wei@example.com" and invitation.ticket == ticket
    assert invitation.source == "ticket" and invitation.service_type == ticket.contract.service_type
    assert invitation.sent_at is not None and invitation.send_count == 1
    assert invitation.expires_at - invitation.sent_at == dt.timedelta(days=14)
    ticket.refresh_from_db()
    assert ticket.closed_at is not None

    [email] = mail.outbox
    assert email.to == ["li.wei@example.com"]
    assert "How did we do?" in email.subject and "满意" in email.subject
    link = surveys.survey_url(invitation).split("/s/")[0]
    assert link in email.body and "/s/" in email.body and "T-100" in email.body
    assert "Dear Li Wei" in email.body and "您好" in email.body
    html, mime = email.alternatives[0]
    assert mime == "text/html" and "?score=5" in html and "退订" in html
    assert "unsubscribe" in email.extra_headers["List-Unsubscribe"]
    # The link in the email resolves to this invitation.
    token = email.body.split("/s/")[1].split("/")[0]
    assert surveys.invitation_from_token(token) == invitation


def test_closing_twice_or_importing_again_never_asks_twice(ticket, django_capture_on_commit_callbacks):
    _close(ticket, django_capture_on_commit_callbacks)
    _close(ticket, django_capture_on_commit_callbacks)
    outcomes = surveys.invite_for_closed_cases(ticket_ids=[ticket.pk], complaint_ids=[])
    assert [o.reason for o in outcomes] == ["exists"]
    assert SurveyInvitation.objects.count() == 1 and len(mail.outbox) == 1


def test_close_ticket_rejects_a_close_before_opening(ticket):
    with pytest.raises(ValidationError) as exc:
        ticket_close(ticket=ticket, closed_at=ticket.opened_at - dt.timedelta(hours=1))
    assert "closed_at" in exc.value.message_dict


def test_close_ticket_sets_handling_hours_from_open_to_close():
    ticket = f.TicketFactory(handling_hours=None)
    closed = ticket_close(ticket=ticket, closed_at=ticket.opened_at + dt.timedelta(hours=7, minutes=30))
    assert closed.handling_hours == 7.5


def test_resolving_a_complaint_invites(django_capture_on_commit_callbacks):
    contact = f.ContactFactory(contact_priority=2)
    complaint = f.ComplaintFactory(contract=f.ContractFactory(customer=contact.customer), resolution_hours=None)
    resolved_at = complaint.filed_at + dt.timedelta(hours=30)
    with django_capture_on_commit_callbacks(execute=True):
        complaint_resolve(complaint=complaint, resolved_at=resolved_at)
    complaint.refresh_from_db()
    assert complaint.resolved_at == resolved_at and complaint.resolution_hours == 30.0
    invitation = SurveyInvitation.objects.get()
    assert invitation.complaint == complaint and invitation.source == "complaint" and invitation.contact == contact
    assert len(mail.outbox) == 1


def test_cooldown_keeps_a_contact_from_being_asked_again_within_the_window(ticket):
    contact = ticket.contract.customer.contacts.order_by("contact_priority").first()
    now = timezone.now()
    first = surveys.invitation_create(
        contact=contact, service_type=ticket.contract.service_type, ticket=ticket, now=now
    )
    assert first.reason == "created"
    later = f.TicketFactory(contract=ticket.contract)
    blocked = surveys.invitation_create(
        contact=contact, service_type=later.contract.service_type, ticket=later, now=now + dt.timedelta(days=29)
    )
    assert blocked.reason == "cooldown" and blocked.invitation is None
    allowed = surveys.invitation_create(
        contact=contact, service_type=later.contract.service_type, ticket=later, now=now + dt.timedelta(days=31)
    )
    assert allowed.reason == "created"


def test_cooldown_is_editable_per_service_type(ticket):
    contact = ticket.contract.customer.contacts.first()
    SurveySettings.objects.create(service_type=ticket.contract.service_type, cooldown_days=0)
    now = timezone.now()
    for _ in range(2):
        t = f.TicketFactory(contract=ticket.contract)
        assert (
            surveys.invitation_create(contact=contact, service_type=t.contract.service_type, ticket=t, now=now).reason
            == "created"
        )


def test_sampling_asks_exactly_one_in_n(ticket):
    SurveySettings.objects.create(service_type=ticket.contract.service_type, sample_every=3, cooldown_days=0)
    reasons = []
    for _ in range(7):
        t = f.TicketFactory(contract=ticket.contract, closed_at=timezone.now())
        reasons.append(surveys.invite_for_closed_cases(ticket_ids=[t.pk], complaint_ids=[])[0].reason)
    assert reasons == ["created", "not_sampled", "not_sampled", "created", "not_sampled", "not_sampled", "created"]


def test_exclusions_internal_tickets_and_switching_off(ticket):
    service_type = ticket.contract.service_type
    settings = SurveySettings.objects.create(service_type=service_type, cooldown_days=0)
    contact = ticket.contract.customer.contacts.order_by("contact_priority").first()
    internal = f.TicketFactory(contract=ticket.contract, is_internal=True)
    assert surveys.invitation_create(contact=contact, service_type=service_type, ticket=internal).reason == "internal"
    settings.excluded_customers.add(contact.customer)
    assert surveys.invitation_create(contact=contact, service_type=service_type, ticket=ticket).reason == (
        "excluded_customer"
    )
    settings.excluded_customers.clear()
    settings.excluded_contacts.add(contact)
    assert surveys.invitation_create(contact=contact, service_type=service_type, ticket=ticket).reason == (
        "excluded_contact"
    )
    settings.excluded_contacts.clear()
    settings.enabled = False
    settings.save()
    assert surveys.invitation_create(contact=contact, service_type=service_type, ticket=ticket).reason == "disabled"
    assert SurveyInvitation.objects.count() == 0


def test_closed_case_of_a_customer_without_reachable_contacts_is_reported():
    contact = f.ContactFactory(email="")
    t = f.TicketFactory(contract=f.ContractFactory(customer=contact.customer), closed_at=timezone.now())
    assert [o.reason for o in surveys.invite_for_closed_cases(ticket_ids=[t.pk], complaint_ids=[])] == ["no_contact"]


def test_unsubscribe_is_honoured_when_creating_sending_reminding_and_resending(
    ticket, django_capture_on_commit_callbacks
):
    _close(ticket, django_capture_on_commit_callbacks)
    invitation = SurveyInvitation.objects.get()
    surveys.contact_unsubscribe(contact=invitation.contact, via=invitation)
    surveys.contact_unsubscribe(contact=invitation.contact)  # idempotent
    assert surveys.is_unsubscribed(invitation.contact)
    later = timezone.now() + dt.timedelta(days=5)
    assert surveys.send_due_invitations(now=later) == {"sent": 0, "reminders": 0}
    with pytest.raises(ValidationError):
        surveys.invitation_resend(invitation=invitation)
    assert not surveys.invitation_send(invitation_id=invitation.pk, resend=True)
    # The next closed ticket goes to the next reachable contact, never to the unsubscribed one.
    t2 = f.TicketFactory(contract=ticket.contract, closed_at=timezone.now())
    [outcome] = surveys.invite_for_closed_cases(ticket_ids=[t2.pk], complaint_ids=[])
    assert outcome.invitation.contact.email == "other@example.com"
    assert len(mail.outbox) == 1  # only the first invitation, sent before unsubscribing


def test_one_reminder_after_n_days_if_unanswered(ticket, django_capture_on_commit_callbacks):
    _close(ticket, django_capture_on_commit_callbacks)
    invitation = SurveyInvitation.objects.get()
    sent = invitation.sent_at
    assert surveys.send_due_invitations(now=sent + dt.timedelta(days=2, hours=23)) == {"sent": 0, "reminders": 0}
    assert surveys.send_due_invitations(now=sent + dt.timedelta(days=3, minutes=1)) == {"sent": 0, "reminders": 1}
    assert surveys.send_due_invitations(now=sent + dt.timedelta(days=6)) == {"sent": 0, "reminders": 0}
    assert len(mail.outbox) == 2 and mail.outbox[1].subject.startswith("Reminder")
    invitation.refresh_from_db()
    assert invitation.reminded_at is not None and invitation.send_count == 2


def test_answered_invitations_get_no_reminder(ticket, django_capture_on_commit_callbacks):
    _close(ticket, django_capture_on_commit_callbacks)
    invitation = SurveyInvitation.objects.get()
    surveys.survey_answer(invitation=invitation, score=4)
    assert surveys.send_due_invitations(now=invitation.sent_at + dt.timedelta(days=4)) == {"sent": 0, "reminders": 0}


def test_delay_after_closing_holds_the_email_until_due(ticket, django_capture_on_commit_callbacks):
    SurveySettings.objects.create(service_type=ticket.contract.service_type, delay_hours=24)
    _close(ticket, django_capture_on_commit_callbacks)
    invitation = SurveyInvitation.objects.get()
    assert invitation.sent_at is None and mail.outbox == []
    assert surveys.send_due_invitations(now=timezone.now() + dt.timedelta(hours=23)) == {"sent": 0, "reminders": 0}
    assert surveys.send_due_invitations(now=timezone.now() + dt.timedelta(hours=25)) == {"sent": 1, "reminders": 0}
    assert len(mail.outbox) == 1


def test_token_round_trip_tampering_and_unknown_ids():
    invitation = f.SurveyInvitationFactory()
    token = surveys.invitation_token(invitation)
    assert surveys.invitation_from_token(token) == invitation
    assert invitation.nonce in signing.loads(token, salt=surveys.TOKEN_SALT)  # carries only the random token id
    for bad in (token[:-1] + ("A" if token[-1] != "A" else "B"), token.replace(":", ";"), "nonsense", ""):
        with pytest.raises(surveys.SurveyLinkError) as exc:
            surveys.invitation_from_token(bad)
        assert exc.value.reason == "invalid"
    forged = signing.dumps("f" * 32, salt=surveys.TOKEN_SALT)  # well signed, but no such invitation
    with pytest.raises(surveys.SurveyLinkError):
        surveys.invitation_from_token(forged)
    other_salt = signing.dumps(invitation.nonce, salt="something-else")
    with pytest.raises(surveys.SurveyLinkError):
        surveys.invitation_from_token(other_salt)


def test_token_expiry_and_single_use():
    invitation = f.SurveyInvitationFactory()
    token = surveys.invitation_token(invitation)
    with pytest.raises(surveys.SurveyLinkError) as exc:
        surveys.invitation_from_token(token, now=invitation.expires_at + dt.timedelta(seconds=1))
    assert exc.value.reason == "expired"
    record = surveys.survey_answer(invitation=invitation, score=5, comment="Great")
    assert record.channel == "survey" and record.external_id == invitation.external_id
    with pytest.raises(surveys.SurveyLinkError) as exc:
        surveys.invitation_from_token(token)
    assert exc.value.reason == "answered"
    with pytest.raises(surveys.SurveyLinkError):
        surveys.survey_answer(invitation=invitation, score=1)
    assert SatisfactionRecord.objects.count() == 1


def test_signature_older_than_the_hard_ceiling_is_expired(monkeypatch):
    invitation = f.SurveyInvitationFactory(expires_at=timezone.now() + dt.timedelta(days=999))
    token = surveys.invitation_token(invitation)
    real_time = signing.time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() + 367 * 86400)
    with pytest.raises(surveys.SurveyLinkError) as exc:
        surveys.invitation_from_token(token, now=timezone.now() + dt.timedelta(days=367))
    assert exc.value.reason == "expired"


def test_answer_records_through_the_feedback_service_linked_to_the_ticket(ticket, django_capture_on_commit_callbacks):
    _close(ticket, django_capture_on_commit_callbacks)
    invitation = SurveyInvitation.objects.get()
    record = surveys.survey_answer(
        invitation=invitation,
        score=2,
        comment="Slow",
        response_time_score=1,
        accuracy_score=3,
        completeness_score=4,
        nps_score=9,  # not asked by this invitation: ignored
    )
    assert (record.score, record.feedback, record.accuracy_score, record.completeness_score) == (2, "Slow", 3, 4)
    assert record.ticket == ticket and record.customer == ticket.contract.customer and not record.self_rated
    invitation.refresh_from_db()
    assert invitation.record == record and invitation.answered_at and invitation.response_time_score == 1
    assert invitation.nps_score is None


def test_manager_resend_sends_the_same_link_again_with_a_fresh_window(ticket, django_capture_on_commit_callbacks):
    _close(ticket, django_capture_on_commit_callbacks)
    invitation = SurveyInvitation.objects.get()
    SurveyInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        surveys.invitation_resend(invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.send_count == 2 and invitation.expires_at > timezone.now() + dt.timedelta(days=13)
    assert len(mail.outbox) == 2 and mail.outbox[1].to == ["li.wei@example.com"]
    surveys.survey_answer(invitation=invitation, score=4)
    with pytest.raises(ValidationError):
        surveys.invitation_resend(invitation=invitation)


def test_campaign_asks_priority_one_contacts_with_nps_and_ces_and_reschedules(django_capture_on_commit_callbacks):
    a1 = f.ContactFactory(contact_priority=1)
    f.ContactFactory(customer=a1.customer, contact_priority=2)
    b1 = f.ContactFactory(contact_priority=1)
    f.ContractFactory(customer=a1.customer, service_type=f.service_type("legal_consultation"))
    f.ContractFactory(customer=b1.customer)
    no_contract = f.ContactFactory(contact_priority=1)
    now = timezone.now()
    campaign = surveys.campaign_schedule(name="Q4", next_run_at=now, repeat_every_days=91, ask_nps=True, ask_ces=True)
    with django_capture_on_commit_callbacks(execute=True):
        created = surveys.run_due_campaigns(now=now)
    assert created == 2
    invitations = {i.contact_id: i for i in SurveyInvitation.objects.all()}
    assert set(invitations) == {a1.pk, b1.pk} and no_contract.pk not in invitations
    assert invitations[a1.pk].service_type.code == "legal_consultation"
    assert all(i.ask_nps and i.ask_ces and i.source == "campaign" for i in invitations.values())
    campaign.refresh_from_db()
    assert campaign.next_run_at == now + dt.timedelta(days=91) and campaign.last_run_at == now
    assert surveys.run_due_campaigns(now=now + dt.timedelta(days=1)) == 0
    assert len(mail.outbox) == 2


def test_one_off_campaign_deactivates_after_its_run():
    f.ContractFactory(customer=f.ContactFactory(contact_priority=1).customer)
    campaign = surveys.campaign_schedule(name="Once", next_run_at=timezone.now())
    surveys.campaign_run(campaign=campaign)
    campaign.refresh_from_db()
    assert not campaign.is_active
    assert SurveyCampaign.objects.filter(is_active=True).count() == 0


def test_campaign_validation_names_the_field():
    with pytest.raises(ValidationError) as exc:
        surveys.campaign_schedule(name="Bad", next_run_at=timezone.now(), contact_priority=9)
    assert "contact_priority" in exc.value.message_dict


def test_cases_closed_long_ago_are_not_surveyed(ticket):
    now = timezone.now()
    old = f.TicketFactory(
        contract=ticket.contract, opened_at=now - dt.timedelta(days=400), closed_at=now - dt.timedelta(days=399)
    )
    recent = f.TicketFactory(
        contract=ticket.contract, opened_at=now - dt.timedelta(days=14), closed_at=now - dt.timedelta(days=13)
    )
    outcomes = surveys.invite_for_closed_cases(ticket_ids=[old.pk, recent.pk], complaint_ids=[])
    assert [o.reason for o in outcomes] == ["stale", "created"]


def test_a_mail_outage_leaves_the_invitation_unsent_for_the_next_sweep(ticket, monkeypatch):
    SurveySettings.objects.create(service_type=ticket.contract.service_type, delay_hours=1)
    contact = ticket.contract.customer.contacts.order_by("contact_priority").first()
    surveys.invitation_create(contact=contact, service_type=ticket.contract.service_type, ticket=ticket)
    later = timezone.now() + dt.timedelta(hours=2)

    def refuse(self, *args, **kwargs):
        raise ConnectionRefusedError("SMTP down")

    with monkeypatch.context() as m:
        m.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
        assert surveys.send_due_invitations(now=later) == {"sent": 0, "reminders": 0}
    invitation = SurveyInvitation.objects.get()
    assert invitation.sent_at is None and invitation.send_count == 0
    assert surveys.send_due_invitations(now=later) == {"sent": 1, "reminders": 0}
    assert len(mail.outbox) == 1
