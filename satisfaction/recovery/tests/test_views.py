"""Recovery pages: the queue (mine / all, filters), the case page with contact and close, the tile; both languages."""

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from satisfaction.alerts.models import SatisfactionAlert
from satisfaction.recovery.models import RecoveryCase
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    customer = f.CustomerFactory(name="Acme <Corp>")
    f.RecordFactory(customer=customer, score=Decimal("4.5"))
    record = f.RecordFactory(customer=customer, score=Decimal("1.5"), feedback="Too slow")
    return RecoveryCase.objects.create(
        record=record, customer=customer, due_at=record.created_at + dt.timedelta(hours=48)
    )


def test_queue_mine_and_all(client, manager_user, case):
    client.force_login(manager_user)
    page = client.get(reverse("recovery-list"))
    assert list(page.context["page"].object_list) == [case]
    html = page.content.decode()
    assert "Acme &lt;Corp&gt;" in html and "Acme <Corp>" not in html
    assert list(client.get(reverse("recovery-list"), {"mine": "1"}).context["page"].object_list) == []
    assert list(client.get(reverse("recovery-list"), {"status": "closed"}).context["page"].object_list) == []


def test_case_page_life_cycle(client, manager_user, case):
    alert = SatisfactionAlert.objects.create(kind="low_score", dedupe_key="low:x", record=case.record)
    client.force_login(manager_user)
    page = client.get(reverse("recovery-case", args=[case.pk])).content.decode()
    assert "Too slow" in page and "4.5" in page  # the response and the customer's recent history
    assert reverse("alert-detail", args=[alert.pk]) in page
    alert_page = client.get(reverse("alert-detail", args=[alert.pk])).content.decode()
    assert reverse("recovery-case", args=[case.pk]) in alert_page  # the alert links to its case

    refused = client.post(reverse("recovery-close", args=[case.pk]), {"outcome": "recovered"}, follow=True)
    assert "Say what caused the bad experience: pick a topic or describe it." in refused.content.decode()
    client.post(reverse("recovery-contact", args=[case.pk]), {"channel": "phone", "reached": "1", "note": "Called"})
    case.refresh_from_db()
    assert case.status == "contacted"
    client.post(reverse("recovery-close", args=[case.pk]), {"outcome": "recovered", "root_cause": "Slow reply"})
    case.refresh_from_db()
    assert (case.status, case.outcome, case.root_cause) == ("closed", "recovered", "Slow reply")


def test_bad_contact_time_names_the_field(client, manager_user, case):
    client.force_login(manager_user)
    response = client.post(reverse("recovery-contact", args=[case.pk]), {"channel": "phone", "at": "soon"}, follow=True)
    assert "Enter a date and time" in response.content.decode()
    assert not case.attempts.exists()


def test_tile_shows_the_figures(client, manager_user, case):
    RecoveryCase.objects.filter(pk=case.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    client.force_login(manager_user)
    html = client.get(reverse("recovery-tile")).content.decode()
    assert 'data-metric="recovery.overdue" data-value="1"' in html
    assert 'data-metric="recovery.recovery_rate" data-value=""' in html  # no closed case: unknown, not 0
    dashboard = client.get(reverse("analytics:dashboard")).content.decode()
    assert reverse("recovery-tile") in dashboard


def test_pages_in_chinese(client, manager_user, case):
    """The pages render in the Chinese locale (their new strings join the catalogue at integration)."""
    client.force_login(manager_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    for url in (reverse("recovery-list"), reverse("recovery-case", args=[case.pk]), reverse("recovery-tile")):
        response = client.get(url)
        assert response.status_code == 200 and translation.get_language_from_request(response.wsgi_request) == "zh-hans"
    assert 'lang="zh-hans"' in client.get(reverse("recovery-list")).content.decode()


def test_staff_cannot_see_recovery(client, staff_user, case):
    client.force_login(staff_user)
    assert client.get(reverse("recovery-list")).status_code == 403
    assert client.post(reverse("recovery-contact", args=[case.pk]), {"channel": "phone"}).status_code == 403
    assert not case.attempts.exists()
