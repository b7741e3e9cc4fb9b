"""A recovery case from the bad score to the closed loop, clicked through in a real headless Chromium."""

import re

import pytest
from playwright.sync_api import expect

from satisfaction.feedback.services import record_satisfaction
from satisfaction.recovery.models import RecoveryCase
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_low_score_opens_a_case_the_manager_contacts_and_closes(page, live_server, login, manager_user,
                                                                  console_errors):  # fmt: skip
    customer = f.CustomerFactory(name="Hualong Holdings")
    record, _ = record_satisfaction(customer=customer, service_type="data_analysis", score="2.0",
                                    feedback="Report came late", external_id="BR-1")  # fmt: skip
    record_satisfaction(customer=customer, service_type="data_analysis", score="2.0", external_id="BR-1")
    assert RecoveryCase.objects.count() == 1

    login(manager_user)
    expect(page.get_by_test_id("recovery-tile")).to_contain_text("Recovery cases")
    expect(page.locator('[data-metric="recovery.open"]')).to_have_attribute("data-value", "1")

    page.goto(f"{live_server.url}/recovery/")
    row = page.get_by_test_id("recovery-row").filter(has_text="Hualong Holdings")
    expect(row).to_have_count(1)
    row.get_by_role("link", name="Hualong Holdings").click()
    expect(page).to_have_url(re.compile(r"/recovery/\d+/$"))
    expect(page.get_by_test_id("recovery-case")).to_contain_text("Report came late")
    expect(page.get_by_test_id("case-alert")).to_have_count(1)  # the low-score alert of the same response

    form = page.get_by_test_id("contact-form")
    form.locator("select[name=channel]").select_option("phone")
    form.locator("textarea[name=note]").fill("Apologised and re-sent the report")
    form.get_by_test_id("contact-submit").click()
    expect(page.get_by_test_id("case-status")).to_have_attribute("data-value", "contacted")
    expect(page.get_by_test_id("case-attempts")).to_contain_text("Apologised and re-sent the report")

    close = page.get_by_test_id("close-form")
    close.locator("select[name=outcome]").select_option("recovered")
    close.locator("input[name=root_cause]").fill("Late delivery")
    close.get_by_test_id("close-submit").click()
    expect(page.get_by_test_id("case-status")).to_have_attribute("data-value", "closed")
    expect(page.get_by_test_id("recovery-case")).to_contain_text("Late delivery")
    expect(page.get_by_test_id("close-form")).to_have_count(0)

    page.goto(f"{live_server.url}/analytics/")
    expect(page.locator('[data-metric="recovery.recovery_rate"]')).to_have_attribute("data-value", "1.0")
    assert console_errors == []
    case = RecoveryCase.objects.get()
    assert (case.status, case.outcome, case.attempts.count()) == ("closed", "recovered", 1)
