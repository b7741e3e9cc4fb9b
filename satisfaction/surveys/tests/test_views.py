"""The public survey form and the managers' survey pages, through HTTP."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from satisfaction.alerts.models import SatisfactionAlert
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.surveys import services as surveys
from satisfaction.surveys.models import SurveyCampaign, SurveyInvitation, SurveyOptOut, SurveySettings
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def invitation():
    contact = f.ContactFactory(name="Zhang Min", language="zh-hans", email="zhang.min@example.com")
    ticket = f.TicketFactory(contract=f.ContractFactory(customer=contact.customer), external_id="TK-7")
    return f.SurveyInvitationFactory(contact=contact, ticket=ticket, service_type=ticket.contract.service_type)


def _form_url(invitation, **query):
    url = reverse("survey-form", kwargs={"token": surveys.invitation_token(invitation)})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _checked(html: str, name: str) -> list[str]:
    return re.findall(rf'name="{name}" value="(\d+)"[^>]*\schecked', html)


def test_get_shows_the_form_in_the_contacts_language_records_nothing_and_preselects_nothing(client, invitation):
    response = client.get(_form_url(invitation))
    html = response.content.decode()
    assert response.status_code == 200
    assert "您对我们的服务满意吗" in html and "TK-7" in html and 'lang="zh-Hans"' in html
    assert _checked(html, "score") == []
    assert html.count('name="score"') == 5 and "csrfmiddlewaretoken" in html
    assert SatisfactionRecord.objects.count() == 0
    invitation.refresh_from_db()
    assert invitation.opened_at is not None and invitation.answered_at is None
    assert response["Cache-Control"].startswith("max-age=0")


def test_language_switch_and_prefill_from_the_emails_score_link(client, invitation):
    html = client.get(_form_url(invitation, lang="en", score=4)).content.decode()
    assert "How did we do?" in html and 'lang="en"' in html and "简体中文" in html
    assert _checked(html, "score") == ["4"]
    assert _checked(client.get(_form_url(invitation, score=9)).content.decode(), "score") == []
    # A mail scanner following every score link records nothing.
    for score in range(1, 6):
        client.get(_form_url(invitation, score=score))
    assert SatisfactionRecord.objects.count() == 0


def test_post_records_once_and_shows_thanks_then_the_link_is_used(client, invitation):
    data = {"score": "5", "accuracy_score": "4", "comment": "<b>Very</b> helpful", "lang": "en"}
    response = client.post(_form_url(invitation), data)
    assert response.status_code == 302
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200 and "Thank you!" in thanks.content.decode()
    record = SatisfactionRecord.objects.get()
    assert (record.score, record.accuracy_score, record.completeness_score) == (5, 4, None)
    assert (
        record.channel == "survey" and record.ticket == invitation.ticket and record.feedback == "<b>Very</b> helpful"
    )
    again = client.post(_form_url(invitation), {"score": "1"})
    assert (
        again.status_code == 409 and "Already answered" in again.content.decode() or "已作答" in again.content.decode()
    )
    reopened = client.get(_form_url(invitation))
    assert reopened.status_code == 409 and 'data-reason="answered"' in reopened.content.decode()
    assert SatisfactionRecord.objects.count() == 1


def test_missing_score_redisplays_the_form_with_the_message_and_keeps_the_comment(client, invitation):
    response = client.post(_form_url(invitation), {"comment": "keep me", "lang": "en"})
    html = response.content.decode()
    assert response.status_code == 422 and "Please pick a rating from 1 to 5." in html and "keep me" in html
    assert SatisfactionRecord.objects.count() == 0


def test_csrf_is_enforced(invitation):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(_form_url(invitation), {"score": "5"}).status_code == 403
    page = strict.get(_form_url(invitation))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    assert strict.post(_form_url(invitation), {"score": "5", "csrfmiddlewaretoken": token}).status_code == 302
    assert SatisfactionRecord.objects.count() == 1


@pytest.mark.parametrize(
    ("mangle", "status", "reason"),
    [
        (lambda t: t[:-2] + ("xx" if not t.endswith("xx") else "yy"), 404, "invalid"),
        (lambda t: "abc", 404, "invalid"),
        (lambda t: t.split(":")[0], 404, "invalid"),
    ],
)
def test_bad_and_tampered_links_get_a_clear_page(client, invitation, mangle, status, reason):
    token = mangle(surveys.invitation_token(invitation))
    response = client.get(reverse("survey-form", kwargs={"token": token}))
    assert response.status_code == status and f'data-reason="{reason}"' in response.content.decode()
    assert client.post(reverse("survey-form", kwargs={"token": token}), {"score": "5"}).status_code == status
    assert SatisfactionRecord.objects.count() == 0


def test_expired_link_gets_a_clear_page(client, invitation):
    SurveyInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    response = client.get(_form_url(invitation))
    assert response.status_code == 410 and "链接已过期" in response.content.decode()
    assert client.post(_form_url(invitation), {"score": "5"}).status_code == 410
    assert SatisfactionRecord.objects.count() == 0


def test_the_page_shows_no_other_customers_data(client, invitation):
    f.RecordFactory(customer=f.CustomerFactory(name="Secret Rival Ltd"), feedback="confidential remark")
    html = client.get(_form_url(invitation)).content.decode()
    assert "Secret Rival" not in html and "confidential" not in html and invitation.customer.name not in html


def test_low_score_through_the_form_fires_the_low_score_alert(client, invitation, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_form_url(invitation), {"score": "1", "comment": "bad"})
    record = SatisfactionRecord.objects.get()
    alert = SatisfactionAlert.objects.get(record=record)
    assert alert.kind == "low_score" and alert.customer == invitation.customer


def test_unsubscribe_asks_on_get_and_unsubscribes_on_post(client, invitation):
    url = reverse("survey-unsubscribe", kwargs={"token": surveys.invitation_token(invitation)})
    page = client.get(url)
    assert page.status_code == 200 and "zhang.min@example.com" in page.content.decode()
    assert not SurveyOptOut.objects.exists()
    done = client.post(url)
    assert done.status_code == 200 and "您已退订" in done.content.decode()
    assert SurveyOptOut.objects.get().contact == invitation.contact


def test_unsubscribe_works_from_an_expired_link(client, invitation):
    SurveyInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - dt.timedelta(days=30))
    url = reverse("survey-unsubscribe", kwargs={"token": surveys.invitation_token(invitation)})
    assert client.post(url).status_code == 200 and SurveyOptOut.objects.count() == 1


def test_thanks_page_before_answering_sends_back_to_the_form(client, invitation):
    token = surveys.invitation_token(invitation)
    response = client.get(reverse("survey-thanks", kwargs={"token": token}))
    assert response.status_code == 302 and response["Location"] == reverse("survey-form", kwargs={"token": token})


# --- manager pages ---------------------------------------------------------------------------------------------------


def test_manager_sees_a_customers_invitations_and_resends(
    client, manager_user, invitation, django_capture_on_commit_callbacks
):
    answered = f.SurveyInvitationFactory(contact=invitation.contact, answered_at=timezone.now())
    client.force_login(manager_user)
    page = client.get(reverse("customer-surveys", kwargs={"pk": invitation.customer_id}))
    html = page.content.decode()
    assert page.status_code == 200 and html.count('data-testid="invitation-row"') == 2
    assert html.count('data-testid="resend"') == 1 and "zhang.min@example.com" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("survey-resend", kwargs={"pk": invitation.pk}), follow=True)
    assert response.status_code == 200 and "was sent again" in response.content.decode()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["zhang.min@example.com"]
    refused = client.post(reverse("survey-resend", kwargs={"pk": answered.pk}), follow=True)
    assert "answered already" in refused.content.decode() and len(mail.outbox) == 1


def test_staff_cannot_see_or_resend(client, staff_user, invitation):
    client.force_login(staff_user)
    assert client.get(reverse("customer-surveys", kwargs={"pk": invitation.customer_id})).status_code == 403
    assert client.post(reverse("survey-resend", kwargs={"pk": invitation.pk})).status_code == 403


def test_manager_schedules_a_campaign(client, manager_user, service_types):
    client.force_login(manager_user)
    assert client.get(reverse("survey-campaigns")).status_code == 200
    response = client.post(
        reverse("survey-campaigns"),
        {
            "name": "Quarterly P1",
            "contact_priority": "1",
            "next_run_at": "2026-12-01T09:00",
            "repeat_every_days": "91",
            "ask_nps": "on",
        },
    )
    assert response.status_code == 302
    campaign = SurveyCampaign.objects.get()
    assert (campaign.name, campaign.repeat_every_days, campaign.ask_nps, campaign.ask_ces) == (
        "Quarterly P1",
        91,
        True,
        False,
    )
    assert campaign.created_by == manager_user
    bad = client.post(reverse("survey-campaigns"), {"name": "", "contact_priority": "7", "next_run_at": "x"})
    assert bad.status_code == 422 and SurveyCampaign.objects.count() == 1


def test_customer_survey_page_queries_do_not_grow_with_invitations(client, manager_user, django_assert_num_queries):
    contact = f.ContactFactory()
    client.force_login(manager_user)
    url = reverse("customer-surveys", kwargs={"pk": contact.customer_id})
    f.SurveyInvitationFactory(contact=contact)
    client.get(url)  # warm the session and role caches
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(15):
        f.SurveyInvitationFactory(contact=f.ContactFactory(customer=contact.customer), answered_at=timezone.now())
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count('data-testid="invitation-row"') == 16
    assert "15 of 16 sent invitations answered (94%)" in response.content.decode()


def test_customer_survey_table_as_an_htmx_partial(client, manager_user, invitation):
    client.force_login(manager_user)
    response = client.get(reverse("customer-surveys", kwargs={"pk": invitation.customer_id}), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and 'id="customer-surveys"' in html and "<html" not in html


def test_manager_sets_survey_rules_for_a_service_type(client, manager_user, service_types):
    excluded = f.CustomerFactory(external_id="C-9")
    contact = f.ContactFactory()
    client.force_login(manager_user)
    url = reverse("survey-settings", kwargs={"code": "legal_consultation"})
    page = client.get(url)
    assert page.status_code == 200 and 'name="cooldown_days" value="30"' in page.content.decode()
    assert not SurveySettings.objects.exists()  # a GET writes nothing
    data = {
        "enabled": "on", "sample_every": "4", "delay_hours": "2", "cooldown_days": "45", "reminder_after_days": "0",
        "valid_days": "7", "exclude_internal": "on", "excluded_customers_text": "C-9",
        "excluded_contacts_text": str(contact.pk),
    }  # fmt: skip
    assert client.post(url, data).status_code == 302
    saved = SurveySettings.objects.get(service_type=service_types["legal_consultation"])
    numbers = (saved.sample_every, saved.delay_hours, saved.cooldown_days, saved.reminder_after_days, saved.valid_days)
    assert numbers == (4, 2, 45, 0, 7)
    assert list(saved.excluded_customers.all()) == [excluded] and list(saved.excluded_contacts.all()) == [contact]
    bad = client.post(url, {**data, "sample_every": "0", "excluded_customers_text": "C-9\nnope"})
    html = bad.content.decode()
    assert bad.status_code == 422 and 'data-testid="error-sample_every"' in html and "nope" in html
    assert SurveySettings.objects.get().sample_every == 4
    assert client.get(reverse("survey-campaigns")).content.decode().count("/surveys/settings/") == 3
