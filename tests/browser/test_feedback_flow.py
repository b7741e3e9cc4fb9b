"""A staff member records feedback in the browser and sees it in the list."""

import pytest
from playwright.sync_api import expect

from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_records_feedback_via_search_and_score_picker(page, live_server, login, staff_user, console_errors):
    f.CustomerFactory(name="Hualong Holdings")
    login(staff_user)
    expect(page).to_have_url(f"{live_server.url}/feedback/new/")
    page.fill("#customer-search", "hualong")
    page.get_by_test_id("customer-option").first.click()
    expect(page.get_by_test_id("selected-customer")).to_have_text("Hualong Holdings")
    page.get_by_test_id("score-picker").get_by_text("4.5", exact=True).click()
    page.fill("textarea[name=feedback]", "Quick and precise")
    page.get_by_test_id("save-feedback").click()
    expect(page.get_by_test_id("flash")).to_contain_text("Saved: Hualong Holdings")
    expect(page.get_by_test_id("recent-entries")).to_contain_text("Hualong Holdings")
    record = SatisfactionRecord.objects.get()
    assert str(record.score) == "4.5" and record.feedback == "Quick and precise"
    assert console_errors == []


def test_missing_score_shows_inline_error(page, live_server, login, staff_user):
    f.CustomerFactory(name="Xinrui Trading")
    login(staff_user)
    page.fill("#customer-search", "xinrui")
    page.get_by_test_id("customer-option").first.click()
    page.get_by_test_id("save-feedback").click()
    expect(page.get_by_test_id("error-score")).to_have_text("Pick a score from 1 to 5.")
    assert SatisfactionRecord.objects.count() == 0
