"""Probe finding 13: what an anonymous visitor reaches — a survey link after its contact unsubscribed takes no
answer; the API schema and docs are public on purpose (README, "API"), the operations they describe are not."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.surveys import services as surveys
from satisfaction.surveys.models import SurveyInvitation
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def invitation():
    contact = f.ContactFactory(name="Li Wei", email="li.wei@example.com")
    ticket = f.TicketFactory(contract=f.ContractFactory(customer=contact.customer))
    return f.SurveyInvitationFactory(contact=contact, ticket=ticket, service_type=ticket.contract.service_type)


def _urls(invitation):
    token = surveys.invitation_token(invitation)
    return reverse("survey-form", kwargs={"token": token}), reverse("survey-unsubscribe", kwargs={"token": token})


def test_an_answer_after_the_same_link_unsubscribed_is_refused(client, invitation):
    form, unsubscribe = _urls(invitation)
    assert client.get(form).status_code == 200  # the form is open in a tab …
    assert client.post(unsubscribe).status_code == 200  # … the contact unsubscribes from the e-mail's link …

    answer = client.post(form, {"score": "5", "comment": "Great"})  # … and the tab sends an answer

    assert answer.status_code == 410
    assert 'data-reason="unsubscribed"' in answer.content.decode()
    assert not SatisfactionRecord.objects.exists()
    invitation.refresh_from_db()
    assert invitation.answered_at is None and invitation.record is None


def test_a_link_of_an_unsubscribed_contact_shows_why_it_cannot_be_answered(client, invitation):
    surveys.contact_unsubscribe(contact=invitation.contact)
    other = f.SurveyInvitationFactory(
        contact=invitation.contact, ticket=f.TicketFactory(contract=invitation.ticket.contract)
    )
    page = client.get(_urls(other)[0])
    assert page.status_code == 410 and 'data-reason="unsubscribed"' in page.content.decode()


def test_the_service_refuses_an_answer_whatever_the_surface(invitation):
    surveys.contact_unsubscribe(contact=invitation.contact)
    with pytest.raises(surveys.SurveyLinkError) as refused:
        surveys.survey_answer(invitation=invitation, score=4)
    assert refused.value.reason == "unsubscribed"
    assert not SatisfactionRecord.objects.exists()


def test_a_contact_who_resubscribed_can_answer_again(client, invitation):
    form, unsubscribe = _urls(invitation)
    client.post(unsubscribe)
    surveys.contact_resubscribe(contact=invitation.contact)
    assert client.post(form, {"score": "4"}).status_code == 302
    assert SurveyInvitation.objects.get(pk=invitation.pk).record is not None


def test_schema_and_docs_are_public_and_carry_no_data(client):
    customer = f.CustomerFactory(name="Confidential Holdings")
    f.RecordFactory(customer=customer, feedback="a private remark")
    schema = client.get("/api/v1/schema/", {"format": "json"})
    docs = client.get("/api/v1/docs/")
    assert schema.status_code == 200 and docs.status_code == 200
    body = schema.content.decode() + docs.content.decode()
    assert "Confidential Holdings" not in body and "a private remark" not in body


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/customers/",
        "/api/v1/records/",
        "/api/v1/enterprise-satisfaction/satisfaction/analytics",
        "/api/v1/imports/",
    ],
)
def test_the_operations_the_docs_describe_need_a_token(url):
    assert APIClient().get(url).status_code == 401
