"""Alert and watch-list pages: filters, inline acknowledge/resolve, add/remove with reasons."""

import pytest
from django.urls import reverse

from satisfaction.alerts.models import SatisfactionAlert, WatchlistEntry
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def alerts():
    customer = f.CustomerFactory(name="Acme <Corp>")
    low = SatisfactionAlert.objects.create(
        kind="low_score", severity="critical", dedupe_key="a", customer=customer, message_en="Score 1.5 from Acme"
    )
    sla = SatisfactionAlert.objects.create(
        kind="complaint_sla", severity="medium", dedupe_key="b", message_en="SLA late"
    )
    done = SatisfactionAlert.objects.create(kind="low_score", severity="high", dedupe_key="c", status="resolved")
    return low, sla, done


def test_list_filters_by_status_kind_and_severity(client, manager_user, alerts):
    low, sla, done = alerts
    client.force_login(manager_user)
    url = reverse("alert-list")

    def ids(**params):
        return [a.pk for a in client.get(url, params).context["page"].object_list]

    assert ids() == [low.pk, sla.pk]  # unresolved, most severe first
    assert ids(status="resolved") == [done.pk]
    assert ids(kind="complaint_sla") == [sla.pk]
    assert ids(severity="critical") == [low.pk]
    html = client.get(url).content.decode()
    assert "Acme &lt;Corp&gt;" in html and "Acme <Corp>" not in html


def test_acknowledge_and_resolve_inline(client, manager_user, alerts):
    low, _, _ = alerts
    client.force_login(manager_user)
    response = client.post(reverse("alert-acknowledge", args=[low.pk]), **HTMX)
    assert response.status_code == 200 and f'id="alert-{low.pk}"' in response.content.decode()
    low.refresh_from_db()
    assert low.status == "acknowledged" and low.acknowledged_by == manager_user

    missing_note = client.post(reverse("alert-resolve", args=[low.pk]), {"note": " "}, **HTMX)
    assert missing_note.status_code == 422 and "Say how the alert was resolved." in missing_note.content.decode()
    low.refresh_from_db()
    assert low.status == "acknowledged"

    client.post(reverse("alert-resolve", args=[low.pk]), {"note": "Called the customer"}, **HTMX)
    low.refresh_from_db()
    assert (low.status, low.resolution_note, low.resolved_by) == ("resolved", "Called the customer", manager_user)


def test_watchlist_add_and_remove_keep_history(client, manager_user):
    customer = f.CustomerFactory(name="Watched Ltd")
    client.force_login(manager_user)
    client.post(reverse("watchlist-add"), {"customer": customer.pk, "note": "Two bad scores"})
    entry = WatchlistEntry.objects.get(customer=customer, removed_at__isnull=True)
    assert entry.added_by == manager_user and entry.note == "Two bad scores"
    page = client.get(reverse("watchlist")).content.decode()
    assert "Watched Ltd" in page and "Two bad scores" in page

    again = client.post(reverse("watchlist-add"), {"customer": customer.pk}, follow=True)
    assert "already on the watch list" in again.content.decode()

    no_reason = client.post(reverse("watchlist-remove", args=[entry.pk]), {"note": ""}, follow=True)
    assert "Say why the customer leaves the watch list." in no_reason.content.decode()
    client.post(reverse("watchlist-remove", args=[entry.pk]), {"note": "Recovered"})
    entry.refresh_from_db()
    assert entry.removed_at is not None and entry.removal_note == "Recovered"
    assert list(client.get(reverse("watchlist")).context["entries"]) == []


def test_staff_cannot_act_on_alerts(client, staff_user, alerts):
    low, _, _ = alerts
    client.force_login(staff_user)
    assert client.post(reverse("alert-acknowledge", args=[low.pk])).status_code == 403
    low.refresh_from_db()
    assert low.status == "open"


# --- alert detail: the value and threshold that fired, and what is behind the alert ---


def test_a_complaint_sla_alert_shows_the_hours_against_the_sla_and_links_the_complaint(client, admin_user):
    import datetime as dt

    from django.utils import timezone

    from satisfaction.alerts.services import evaluate_window_rules

    complaint = f.ComplaintFactory(
        external_id="CP-7", urgency="low", response_hours=2.0, resolution_hours=130.0,
        filed_at=timezone.now() - dt.timedelta(days=6),
    )  # fmt: skip
    evaluate_window_rules()
    alert = SatisfactionAlert.objects.get(kind="complaint_sla")
    assert (alert.value, alert.threshold) == (130.0, 120.0)  # the resolution took 130 h against a 120 h SLA
    client.force_login(admin_user)
    page = client.get(reverse("alert-detail", args=[alert.pk])).content.decode()
    assert 'data-testid="alert-value" data-value="130.0">130 h<' in page
    assert 'data-testid="alert-threshold" data-value="120.0">120 h<' in page
    assert "CP-7" in page and reverse("admin:satisfaction_complaint_change", args=[complaint.pk]) in page
    assert reverse("customer-detail", args=[complaint.contract.customer_id]) in page


def test_a_low_score_alert_links_its_record_and_the_ticket_behind_it(client, admin_user, manager_user):
    from satisfaction.alerts.services import evaluate_record

    ticket = f.TicketFactory(external_id="TK-9")
    record = f.RecordFactory(
        external_id="FB-9", customer=ticket.contract.customer, score="1.5", ticket=ticket, alerts_evaluated_at=None
    )
    evaluate_record(record_id=record.pk)
    alert = SatisfactionAlert.objects.get(kind="low_score")
    client.force_login(admin_user)
    page = client.get(reverse("alert-detail", args=[alert.pk])).content.decode()
    assert 'data-value="1.5">1.5<' in page and "FB-9" in page and "TK-9" in page
    assert reverse("admin:satisfaction_satisfactionrecord_change", args=[record.pk]) in page
    assert reverse("admin:satisfaction_serviceticket_change", args=[ticket.pk]) in page
    # A manager (no admin) gets the customer's page, not admin links.
    client.force_login(manager_user)
    page = client.get(reverse("alert-detail", args=[alert.pk])).content.decode()
    assert (
        reverse("customer-detail", args=[record.customer_id]) in page
        and "/admin/" not in page.split("alert-sources")[1]
    )


def test_a_service_wide_drop_links_the_records_of_its_window_and_shows_rates(client, manager_user, service_types):
    legal = service_types["legal_consultation"]
    alert = SatisfactionAlert.objects.create(
        kind="significant_drop", dedupe_key="drop:legal", service_type=legal, value=0.5, threshold=0.8,
        evidence={"recent_days": 14, "baseline_days": 60},
    )  # fmt: skip
    client.force_login(manager_user)
    page = client.get(reverse("alert-detail", args=[alert.pk])).content.decode()
    assert ">50.0%<" in page and ">80.0%<" in page
    assert reverse("analytics:records") + "?service_type=legal_consultation&amp;start=" in page
