"""One meaning per number, one write path per entity: every surface agrees for the same scope.

- a customer with a self-rated 5.0, a self-rated 1.0 and an ordinary 2.0 reads "1 response, 2.0" on its page,
  in the trends API, in the analytics API and on the dashboard; the alert rules and the risk score count the
  same one record;
- a ticket closed through the API, the admin or a file import invites its survey exactly once;
- the measures page and the API give the same task counts;
- every KPI number on the dashboard and the customer page carries the API's value in `data-value`.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from analytics.lib import snapshots
from analytics.lib.metrics import local_today
from satisfaction.alerts.models import AlertSettings, RiskFactor, SatisfactionAlert
from satisfaction.alerts.risk import compute_risk
from satisfaction.alerts.rules import customer_decline_finding
from satisfaction.alerts.services import evaluate_record
from satisfaction.imports.services import import_file
from satisfaction.surveys.models import SurveyInvitation
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db
BASE = "/api/v1/enterprise-satisfaction/satisfaction"
METRIC = re.compile(r'data-metric="([\w.]+)" data-value="([^"]*)"')


def page_metrics(html: str) -> dict[str, str]:
    """The `data-metric` → `data-value` pairs of a page."""
    return dict(METRIC.findall(html))


def as_number(value: str) -> float | None:
    return float(value) if value != "" else None


@pytest.fixture
def self_rated_case(service_types):
    """A customer with one ordinary 2.0 and two self-rated records (5.0 and 1.0), recorded today."""
    customer = f.CustomerFactory(name="Self-rated Ltd")
    ordinary = f.RecordFactory(customer=customer, score=Decimal("2.0"))
    f.RecordFactory(customer=customer, score=Decimal("5.0"), self_rated=True)
    low_self = f.RecordFactory(customer=customer, score=Decimal("1.0"), self_rated=True)
    snapshots.rebuild_all()  # the factory saves past the write path, so its snapshot hook did not run
    return customer, ordinary, low_self


def test_the_self_rated_case_reads_the_same_everywhere(self_rated_case, manager, manager_user):
    customer, ordinary, low_self = self_rated_case
    today = local_today().isoformat()
    web = Client()
    web.force_login(manager_user)

    shown = page_metrics(web.get(reverse("customer-detail", args=[customer.pk])).content.decode())
    assert (shown["count"], as_number(shown["avg_score"]), as_number(shown["satisfaction_rate"])) == ("1", 2.0, 0.0)

    trend = manager.get(f"{BASE}/trends/{customer.pk}", {"start": today, "end": today}).json()
    [point] = trend["points"]
    assert (point["kpis"]["count"], point["kpis"]["avg_score"], point["kpis"]["satisfaction_rate"]) == (1, 2.0, 0.0)

    scoped = manager.get(f"{BASE}/analytics", {"start": today, "end": today, "customer": customer.pk}).json()
    assert (scoped["kpis"]["count"], scoped["kpis"]["avg_score"]) == (1, 2.0)

    dashboard = page_metrics(
        web.get(reverse("analytics:dashboard"), {"preset": "custom", "start": today, "end": today}).content.decode()
    )
    overall = manager.get(f"{BASE}/analytics", {"start": today, "end": today}).json()["kpis"]
    assert dashboard["count"] == str(overall["count"]) == "1"
    assert as_number(dashboard["avg_score"]) == overall["avg_score"] == 2.0

    # The alert rules count the same record: the self-rated 1.0 raises no low-score alert, the 2.0 does.
    evaluate_record(record_id=low_self.pk)
    assert not SatisfactionAlert.objects.exists()
    evaluate_record(record_id=ordinary.pk)
    assert SatisfactionAlert.objects.get().evidence["record_ids"] == [ordinary.pk]
    cfg = AlertSettings.load()
    cfg.decline_window = 1
    assert customer_decline_finding(customer.pk, cfg).evidence["recent_scores"] == [2.0]
    # …and so does the risk score: one low score, not two.
    _score, reasons = compute_risk(customer_ids=[customer.pk])[customer.pk]
    low = next(r for r in reasons if r.factor == RiskFactor.LOW_SCORES)
    assert low.units == 1


def test_including_self_rated_is_asked_for_not_assumed(self_rated_case, manager):
    customer, *_ = self_rated_case
    today = local_today().isoformat()
    params = {"start": today, "end": today, "customer": customer.pk, "include_self_rated": "true"}
    assert manager.get(f"{BASE}/analytics", params).json()["kpis"]["count"] == 3


# --- one write path: a closed ticket invites its survey once, whoever closed it --------------------------------


@pytest.fixture
def open_ticket(service_types):
    contact = f.ContactFactory(contact_priority=1, email="li.wei@example.com", language="en")
    contract = f.ContractFactory(customer=contact.customer, external_id="K-1")
    return f.TicketFactory(contract=contract, external_id="T-1")


def _invitations(ticket) -> int:
    return SurveyInvitation.objects.filter(ticket=ticket).count()


def test_a_ticket_closed_through_the_api_invites_once(open_ticket, manager, django_capture_on_commit_callbacks):
    url = f"/api/v1/tickets/{open_ticket.pk}/"
    closed_at = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        assert manager.patch(url, {"closed_at": closed_at}, format="json").status_code == 200
    assert _invitations(open_ticket) == 1
    with django_capture_on_commit_callbacks(execute=True):  # a later edit of a closed ticket asks nobody again
        assert manager.patch(url, {"satisfaction": 5}, format="json").status_code == 200
    assert _invitations(open_ticket) == 1


def test_a_ticket_closed_in_the_admin_invites_once(open_ticket, admin_user, django_capture_on_commit_callbacks):
    web = Client()
    web.force_login(admin_user)
    url = reverse("admin:satisfaction_serviceticket_change", args=[open_ticket.pk])
    now = timezone.localtime()
    form = {
        "contract": open_ticket.contract_id, "opened_at_0": timezone.localtime(open_ticket.opened_at).date(),
        "opened_at_1": timezone.localtime(open_ticket.opened_at).time().strftime("%H:%M:%S"),
        "closed_at_0": now.date(), "closed_at_1": now.time().strftime("%H:%M:%S"), "handling_hours": "10",
        "urgency": "medium", "ticket_priority": "medium", "satisfaction": "4", "external_id": "T-1",
    }  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = web.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _invitations(open_ticket) == 1
    with django_capture_on_commit_callbacks(execute=True):
        web.post(url, {**form, "satisfaction": "5"})
    assert _invitations(open_ticket) == 1


def test_a_ticket_closed_by_a_file_import_invites_once(open_ticket, django_capture_on_commit_callbacks, tmp_path):
    closed = timezone.localtime() - dt.timedelta(hours=2)
    opened = timezone.localtime(open_ticket.opened_at)
    path = tmp_path / "tickets.csv"
    path.write_text(
        "external_id,contract,opened_at,closed_at,handling_hours,urgency,ticket_priority,satisfaction,follow_up\n"
        f"T-2,{open_ticket.contract.external_id},{opened:%Y-%m-%d %H:%M},{closed:%Y-%m-%d %H:%M},3,high,high,4,no\n",
        encoding="utf-8",
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = import_file(kind="tickets", source=str(path), filename="tickets.csv")
    assert result.ok, result.errors[:3]
    imported = open_ticket.contract.tickets.get(external_id="T-2")
    assert _invitations(imported) == 1


# --- one list: the page and the API count the same tasks -------------------------------------------------------


def test_measure_task_counts_agree_between_page_and_api(manager, manager_user):
    measure = f.MeasureFactory(owner=manager_user)
    f.TaskFactory(measure=measure, status="done", progress=100)
    f.TaskFactory(measure=measure, status="cancelled")
    f.TaskFactory(measure=measure, status="todo")
    web = Client()
    web.force_login(manager_user)
    [listed] = web.get(reverse("measure-list")).context["measures"]
    api = manager.get(f"/api/v1/measures/{measure.pk}/").json()
    assert (listed.task_count, listed.open_task_count) == (api["task_count"], api["open_task_count"]) == (2, 1)
