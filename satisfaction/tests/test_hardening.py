"""Findings of the security and fault probe, each reproduced here (they failed before their fix)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from satisfaction.alerts.models import WatchlistEntry
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db
OFF_SITE = ["https://evil.example/phish", "//evil.example/x", "http://testserver.evil.example/", "javascript:alert(1)"]


@pytest.fixture
def manager_client(client, manager_user):
    client.force_login(manager_user)
    return client


@pytest.mark.parametrize("target", OFF_SITE)
def test_next_never_leaves_the_site(manager_client, manager_user, target):
    """Finding 10: POST `next` on /watchlist/add/, /watchlist/<id>/remove/, /tasks/<id>/ and the alert actions."""
    customer = f.CustomerFactory()
    response = manager_client.post(reverse("watchlist-add"), {"customer": customer.pk, "next": target})
    assert response.status_code == 302 and response["Location"] == reverse("watchlist")
    entry = WatchlistEntry.objects.get(customer=customer)
    response = manager_client.post(reverse("watchlist-remove", args=[entry.pk]), {"note": "ok", "next": target})
    assert response["Location"] == reverse("watchlist")
    task = f.TaskFactory(measure=f.MeasureFactory(owner=manager_user))
    response = manager_client.post(reverse("task-update", args=[task.pk]), {"progress": 10, "next": target})
    assert response["Location"] == reverse("measure-detail", args=[task.measure_id])


def test_next_on_the_site_is_followed(manager_client):
    customer = f.CustomerFactory()
    back = reverse("customer-detail", args=[customer.pk]) + "?tab=alerts"
    response = manager_client.post(reverse("watchlist-add"), {"customer": customer.pk, "next": back})
    assert response["Location"] == back


@pytest.mark.parametrize("value", ["abc", "4.55", "-1", ""])
def test_watchlist_add_with_a_bad_customer_is_a_message_not_a_500(manager_client, value):
    """Finding 9: `customer=abc` raised ValueError."""
    response = manager_client.post(reverse("watchlist-add"), {"customer": value}, follow=True)
    assert response.status_code == 200
    assert "Choose a customer to watch." in response.content.decode()
    assert not WatchlistEntry.objects.exists()
