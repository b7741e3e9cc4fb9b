"""The Record feedback page: form → record_satisfaction, inline errors, htmx partials, customer search."""

from decimal import Decimal

import pytest
from django.urls import reverse

from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db


def _post(client, htmx=False, **data):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(reverse("record-feedback"), data, **headers)


def test_staff_lands_on_the_form_and_records_feedback(client, staff_user, service_types):
    client.force_login(staff_user)
    assert client.get(reverse("home"))["Location"] == reverse("record-feedback")
    customer = f.CustomerFactory(name="Acme Legal")
    response = _post(
        client, customer=customer.pk, service_type=service_types["legal_consultation"].pk, score="3.5",
        accuracy_score="4", completeness_score="", response_time_hours="2.5", feedback="Slow but right",
    )  # fmt: skip
    assert response.status_code == 302
    record = SatisfactionRecord.objects.get()
    assert (record.customer, record.score, record.channel, record.recorded_by) == (
        customer, Decimal("3.5"), "form", staff_user,
    )  # fmt: skip
    assert record.accuracy_score == 4 and record.completeness_score is None and record.response_time_hours == 2.5
    page = client.get(reverse("record-feedback")).content.decode()
    assert "Saved: Acme Legal rated Legal consultation 3.5." in page
    assert "Acme Legal" in page.split("Your recent entries")[1]


def test_missing_fields_are_reported_inline_and_nothing_is_saved(client, staff_user, service_types):
    client.force_login(staff_user)
    response = _post(client, htmx=True, service_type=service_types["data_analysis"].pk, response_time_hours="-1")
    assert response.status_code == 422
    html = response.content.decode()
    assert "Choose a customer from the search results." in html
    assert "Pick a score from 1 to 5." in html
    assert "greater than or equal to 0" in html
    assert "<html" not in html  # a partial, swapped into the page
    assert SatisfactionRecord.objects.count() == 0


def test_htmx_success_returns_a_fresh_form_and_the_recent_list(client, staff_user, service_types):
    client.force_login(staff_user)
    customer = f.CustomerFactory(name="Globex")
    st = service_types["data_analysis"].pk
    response = _post(client, htmx=True, customer=customer.pk, service_type=st, score="5.0")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Saved: Globex" in html and 'hx-swap-oob="innerHTML"' in html
    assert SatisfactionRecord.objects.filter(customer=customer, score=5).exists()


def test_customer_search_matches_name_or_external_id_and_escapes(client, staff_user):
    client.force_login(staff_user)
    f.CustomerFactory(name="<b>Evil</b> Corp", external_id="C-99")
    f.CustomerFactory(name="Other")
    html = client.get(reverse("customer-search"), {"q": "evil"}).content.decode()
    assert "&lt;b&gt;Evil&lt;/b&gt; Corp" in html and "<b>Evil" not in html
    assert "Other" not in html
    assert "Corp" in client.get(reverse("customer-search"), {"q": "c-99"}).content.decode()
    assert "No customer matches" in client.get(reverse("customer-search"), {"q": "zzz"}).content.decode()


def test_manager_lands_on_the_dashboard_or_the_form(client, manager_user):
    client.force_login(manager_user)
    assert client.get(reverse("home"), follow=True).status_code == 200
