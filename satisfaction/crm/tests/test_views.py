"""Customer list (search, filters, sorting, pagination) and detail pages."""

from decimal import Decimal

import pytest
from django.urls import reverse

from satisfaction.alerts.models import WatchlistEntry
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def customers():
    a = f.CustomerFactory(name="Alpha Legal", industry="Finance", external_id="C-1")
    b = f.CustomerFactory(name="Beta Data", industry="Retail")
    c = f.CustomerFactory(name="Gamma Docs", industry="Energy")
    f.ContactFactory(customer=a, contact_priority=1)
    f.ContactFactory(customer=b, contact_priority=3)
    f.ContractFactory(customer=a, service_type=f.service_type("legal_consultation"))
    f.ContractFactory(customer=b, service_type=f.service_type("data_analysis"))
    f.ContractFactory(customer=a, service_type=f.service_type("legal_consultation"))  # two matching contracts
    for _ in range(3):
        f.RecordFactory(customer=b)
    WatchlistEntry.objects.create(customer=c, note="watch")
    return a, b, c


def _names(response):
    return [c.name for c in response.context["page"].object_list]


def test_list_search_filters_and_sort(client, staff_user, customers):
    client.force_login(staff_user)
    url = reverse("customer-list")
    assert _names(client.get(url)) == ["Alpha Legal", "Beta Data", "Gamma Docs"]
    assert _names(client.get(url, {"q": "beta"})) == ["Beta Data"]
    assert _names(client.get(url, {"q": "C-1"})) == ["Alpha Legal"]
    assert _names(client.get(url, {"segment_priority": 1})) == ["Alpha Legal"]
    assert _names(client.get(url, {"service_type": "legal_consultation"})) == ["Alpha Legal"]  # once, not twice
    assert _names(client.get(url, {"on_watchlist": "true"})) == ["Gamma Docs"]
    assert _names(client.get(url, {"sort": "-records"}))[0] == "Beta Data"
    htmx = client.get(url, {"q": "gamma"}, HTTP_HX_REQUEST="true")
    assert "<html" not in htmx.content.decode() and "Gamma Docs" in htmx.content.decode()


def test_list_paginates_with_a_bounded_number_of_queries(client, staff_user, django_assert_max_num_queries):
    for i in range(30):
        f.ContactFactory(customer=f.CustomerFactory(name=f"Customer {i:02d}"), contact_priority=2)
    client.force_login(staff_user)
    with django_assert_max_num_queries(8):
        first = client.get(reverse("customer-list"))
    assert len(first.context["page"].object_list) == 25
    second = client.get(reverse("customer-list"), {"page": 2})
    assert _names(second) == [f"Customer {i:02d}" for i in range(25, 30)]


def test_detail_shows_history_and_trend(client, staff_user, customers):
    a, b, _ = customers
    f.RecordFactory(customer=a, score=Decimal("2.0"), feedback="<script>alert(1)</script>")
    f.RecordFactory(customer=a, score=Decimal("5.0"))
    f.TicketFactory(contract=a.contracts.first(), follow_up=True)
    client.force_login(staff_user)
    response = client.get(reverse("customer-detail", args=[a.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    summary = response.context["summary"]
    assert (summary.count, summary.avg_score, summary.satisfied) == (2, 3.5, 1)
    last = response.context["trend"][-1].kpis
    assert last.count == 2 and last.satisfaction_rate == 0.5
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert 'data-chart="customer-trend"' in html
    assert client.get(reverse("customer-detail", args=[999999])).status_code == 404
