"""Closing the loop: a root-cause topic from the topic list, the one-question re-survey of a recovered customer
whose answer is the recovery score (and records nothing), and the recovery figures in the digests."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from analytics.digests import _context, weekly_digest
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.feedback.services import record_satisfaction
from satisfaction.recovery.models import RecoveryCase
from satisfaction.recovery.selectors import recovery_figures, root_cause_counts
from satisfaction.recovery.services import recovery_case_close, recovery_case_contact
from satisfaction.surveys import services as surveys
from satisfaction.surveys.models import SurveyInvitation
from satisfaction.surveys.services import contact_unsubscribe
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def contacted(django_capture_on_commit_callbacks, manager_user):
    """A contacted case of a customer with one reachable contact."""
    customer = f.CustomerFactory(name="Acme")
    f.ContactFactory(customer=customer, email="wang@acme.example", contact_priority=1, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        record, _ = record_satisfaction(
            customer=customer, service_type="data_analysis", score="2.0",
            created_at=timezone.now() - dt.timedelta(hours=2),
        )  # fmt: skip
    case = RecoveryCase.objects.get(record=record)
    recovery_case_contact(case=case, user=manager_user, channel="phone", note="Apologised")
    return case


def test_a_topic_alone_is_a_root_cause_and_an_unknown_one_is_refused(contacted, manager_user):
    with pytest.raises(ValidationError) as exc:
        recovery_case_close(case=contacted, user=manager_user, outcome="recovered", root_cause_topic="nope")
    assert set(exc.value.message_dict) == {"root_cause_topic"}
    with pytest.raises(ValidationError) as exc:
        recovery_case_close(case=contacted, user=manager_user, outcome="recovered")
    assert set(exc.value.message_dict) == {"root_cause"}
    closed = recovery_case_close(case=contacted, user=manager_user, outcome="recovered", root_cause_topic="accuracy")
    assert (closed.root_cause_topic.code, closed.root_cause) == ("accuracy", "")
    assert root_cause_counts() == [
        {"topic": "accuracy", "label_en": "Accuracy", "label_zh": "准确性", "cases": 1, "recovered": 1}
    ]


def test_recovered_with_a_resurvey_asks_once_and_the_answer_is_the_recovery_score(
    contacted, manager_user, client, django_capture_on_commit_callbacks
):
    records_before = SatisfactionRecord.objects.count()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        closed = recovery_case_close(
            case=contacted, user=manager_user, outcome="recovered", root_cause="Late report", resurvey=True
        )
    invitation = closed.resurvey
    assert invitation.source == SurveyInvitation.Source.RECOVERY and invitation.contact.email == "wang@acme.example"
    (message,) = mail.outbox
    assert message.to == ["wang@acme.example"] and "How satisfied are you now with how we handled it?" in message.body
    assert closed.recovery_score is None

    url = reverse("survey-form", kwargs={"token": surveys.invitation_token(invitation)})
    page = client.get(url).content.decode()
    assert "How satisfied are you now" in page and 'name="comment"' not in page and "accuracy_score" not in page
    assert client.post(url, {"score": "4", "lang": "en"}).status_code == 302
    closed.refresh_from_db()
    assert closed.recovery_score == 4
    # The answer is the recovery score, not a second rating of the same experience.
    assert SatisfactionRecord.objects.count() == records_before
    figures = recovery_figures()
    assert (figures.resurveyed, figures.rescored, figures.avg_recovery_score, figures.rescored_satisfied) == (
        1,
        1,
        4,
        1,
    )
    assert client.post(url, {"score": "5", "lang": "en"}).status_code != 302  # a link answers once


def test_no_resurvey_unless_recovered_and_none_to_an_unsubscribed_contact(contacted, manager_user):
    with pytest.raises(ValidationError) as exc:
        recovery_case_close(case=contacted, user=manager_user, outcome="not_recovered", root_cause="x", resurvey=True)
    assert set(exc.value.message_dict) == {"resurvey"}
    contact_unsubscribe(contact=contacted.customer.contacts.get())
    closed = recovery_case_close(case=contacted, user=manager_user, outcome="recovered", root_cause="x", resurvey=True)
    assert closed.status == "closed" and closed.resurvey is None and closed.resurvey_skipped == "no_contact"
    assert not SurveyInvitation.objects.filter(source=SurveyInvitation.Source.RECOVERY).exists()


def test_the_api_closes_with_a_topic_and_a_resurvey(manager, contacted, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(
            f"/api/v1/recovery-cases/{contacted.pk}/close/",
            {"outcome": "recovered", "root_cause_topic": "response_speed", "resurvey": True},
            format="json",
        )
    body = response.json()
    assert response.status_code == 200, body
    assert (body["root_cause_topic"], body["recovery_score"]) == ("response_speed", None)
    assert body["resurvey_sent_at"] is not None
    bad = manager.post(f"/api/v1/recovery-cases/{contacted.pk}/close/", {"outcome": "recovered"}, format="json")
    assert bad.status_code == 400


def test_the_page_closes_with_a_topic_and_lists_root_causes(client, manager_user, contacted):
    client.force_login(manager_user)
    page = client.get(reverse("recovery-case", args=[contacted.pk])).content.decode()
    assert 'name="root_cause_topic"' in page and 'value="communication"' in page and 'name="resurvey"' in page
    client.post(
        reverse("recovery-close", args=[contacted.pk]), {"outcome": "recovered", "root_cause_topic": "communication"}
    )
    contacted.refresh_from_db()
    assert contacted.root_cause_topic.code == "communication"
    listing = client.get(reverse("recovery-list")).content.decode()
    assert 'data-metric="root_cause.communication" data-value="1"' in listing


def test_the_weekly_digest_carries_the_recovery_figures(contacted, manager_user):
    recovery_case_close(case=contacted, user=manager_user, outcome="recovered", root_cause="x")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    digest = weekly_digest(today=tomorrow)
    assert (digest.recovery.opened, digest.recovery.closed, digest.recovery.recovered) == (1, 1, 1)
    from django.template.loader import render_to_string

    with translation.override("en"):
        text = render_to_string("emails/_digest_recovery.txt", _context(digest))
    assert "Recovery cases opened: 1" in text and "Recovery rate: 1 / 1 (100.0%" in text
    # The week before has no cases: the lines say zero, not a rate.
    earlier = weekly_digest(today=tomorrow - dt.timedelta(days=14))
    assert earlier.recovery.opened == 0 and earlier.recovery.recovery_rate is None
