"""The whole survey loop in eager mode: ticket closed → email → link opened in Chromium → answer → record and alert."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from playwright.sync_api import expect

from analytics.lib import responses
from analytics.lib.metrics import Scope
from satisfaction.alerts.models import SatisfactionAlert
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.helpdesk.services import ticket_close
from satisfaction.surveys.models import SurveyInvitation
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def _link_from_email(live_server) -> str:
    [email] = mail.outbox
    url = re.search(r"(https?://\S+/s/[^/\s]+/)", email.body).group(1)
    # The email uses SITE_URL; the test server listens elsewhere.
    return url.replace(settings.SITE_URL.rstrip("/"), live_server.url)


@pytest.fixture
def closed_ticket():
    contact = f.ContactFactory(name="Chen Jing", email="chen.jing@example.com", language="en", contact_priority=1)
    ticket = f.TicketFactory(contract=f.ContractFactory(customer=contact.customer), external_id="TK-2048")
    ticket_close(ticket=ticket)
    return ticket


def test_ticket_closed_to_answer_with_alert_and_response_rate(page, live_server, closed_ticket, console_errors):
    assert responses.response_rate(Scope()).answered == 0
    link = _link_from_email(live_server)
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(link)
    expect(page.get_by_test_id("survey-title")).to_have_text("How did we do?")
    expect(page.locator("input[name=score]:checked")).to_have_count(0)
    assert SatisfactionRecord.objects.count() == 0  # opening the link records nothing
    tap = page.locator("label[for=score-2]")
    box = tap.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44  # large tap targets
    tap.click()
    page.locator("label[for=accuracy_score-3]").click()
    page.fill("textarea[name=comment]", "Took three days to get an answer")
    page.get_by_test_id("survey-submit").click()
    expect(page.get_by_test_id("survey-thanks")).to_have_text("Thank you!")

    record = SatisfactionRecord.objects.get()
    assert (record.score, record.accuracy_score, record.channel) == (2, 3, "survey")
    assert record.ticket_id == closed_ticket.pk and record.feedback == "Took three days to get an answer"
    alert = SatisfactionAlert.objects.get(record=record)
    assert alert.kind == "low_score"
    rate = responses.response_rate(Scope())
    assert (rate.sent, rate.answered, rate.rate) == (1, 1, 1.0)
    invitation = SurveyInvitation.objects.get()
    assert invitation.answered_at and invitation.record_id == record.pk
    assert console_errors == []

    # The same link again: a clear page (status 409), no second record.
    page.goto(link)
    expect(page.get_by_test_id("link-error")).to_have_attribute("data-reason", "answered")
    assert SatisfactionRecord.objects.count() == 1


def test_language_switch_validation_and_unsubscribe(page, live_server, closed_ticket):
    link = _link_from_email(live_server)
    page.goto(link)
    page.get_by_test_id("switch-language").click()
    expect(page.get_by_test_id("survey-title")).to_have_text("您对我们的服务满意吗？")
    page.get_by_test_id("survey-submit").click()  # no score picked
    expect(page.get_by_test_id("score-error")).to_have_text("请选择 1 到 5 的评分。")
    assert SatisfactionRecord.objects.count() == 0
    page.get_by_test_id("unsubscribe-link").click()
    page.get_by_test_id("unsubscribe-confirm").click()
    expect(page.get_by_test_id("unsubscribed")).to_have_text("您已退订")
    assert closed_ticket.contract.customer.contacts.get().survey_opt_out is not None


def test_tampered_link_shows_a_clear_page(page, live_server, closed_ticket):
    link = _link_from_email(live_server)
    page.goto(link[:-3] + "zz/")
    expect(page.get_by_test_id("link-error")).to_have_attribute("data-reason", "invalid")
