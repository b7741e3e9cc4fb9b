"""Handler continuity against a pandas computation from the tickets, with statsmodels' two-proportion z test; the
report section and the API."""

import datetime as dt

import pandas as pd
import pytest
from django.utils import timezone
from rest_framework.test import APIClient
from statsmodels.stats.proportion import proportions_ztest

from analytics.continuity import handler_continuity
from analytics.lib.metrics import Scope
from satisfaction.helpdesk.models import ServiceTicket
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db
URL = "/api/v1/enterprise-satisfaction/satisfaction/continuity"


@pytest.fixture
def tickets():
    now = timezone.now()
    plan = {
        # customer: [(handler, rating), …] in order of opening
        "Loyal": [("A", 5), ("A", 4), ("A", 5), ("A", None), ("A", 4)] * 3,
        "Shuffled": [("A", 4), ("B", 2), ("C", 3), ("B", 1), ("A", 5), ("D", 2)] * 3,
        "Mixed": [("B", 4), ("B", 5), ("C", 2), ("", 1), ("B", 4), ("C", 3)] * 3,
    }
    customers = {}
    for priority, (name, rows) in zip((1, 2, None), plan.items(), strict=True):
        customer = f.CustomerFactory(name=name)
        if priority:
            f.ContactFactory(customer=customer, contact_priority=priority)
        customers[name] = customer
        contract = f.ContractFactory(customer=customer)
        for i, (handler, rating) in enumerate(rows):
            f.TicketFactory(contract=contract, agent_name=handler, satisfaction=rating,
                            opened_at=now - dt.timedelta(days=20, hours=-i))  # fmt: skip
    f.ComplaintFactory(contract=f.ContractFactory(customer=customers["Loyal"]), agent_name="Z")
    return customers


def _reference():
    frame = pd.DataFrame(
        ServiceTicket.objects.exclude(agent_name="")
        .order_by("opened_at", "id")
        .values("contract__customer__name", "agent_name", "satisfaction")
    ).rename(columns={"contract__customer__name": "customer", "agent_name": "handler"})
    frame["first"] = frame.groupby("customer")["handler"].transform("first")
    frame["position"] = frame.groupby("customer").cumcount()
    later = frame[frame["position"] > 0].copy()
    later["changed"] = later["handler"] != later["first"]
    rated = later.dropna(subset=["satisfaction"])
    rated = rated.assign(satisfied=rated["satisfaction"] >= 4)
    return frame, later, rated


def test_continuity_equals_an_independent_computation(tickets):
    result = handler_continuity(Scope())
    frame, later, rated = _reference()
    by_customer = {row["name"]: row for row in result["customers"]}
    handlers = frame.groupby("customer")["handler"].nunique().to_dict()
    handlers["Loyal"] += 1  # the complaint handled by Z
    for name in ("Loyal", "Shuffled", "Mixed"):
        assert by_customer[name]["handlers"] == handlers[name]
        assert by_customer[name]["later_tickets"] == int((later["customer"] == name).sum())
        assert by_customer[name]["changed"] == int(later[later["customer"] == name]["changed"].sum())
    overall = result["overall"]
    assert overall["changed_handler_share"] == pytest.approx(later["changed"].mean())
    kept, changed = rated[~rated["changed"]], rated[rated["changed"]]
    assert (overall["kept"]["rated"], overall["kept"]["satisfied"]) == (len(kept), int(kept["satisfied"].sum()))
    assert (overall["changed"]["rated"], overall["changed"]["satisfied"]) == (
        len(changed), int(changed["satisfied"].sum()),
    )  # fmt: skip
    z, p = proportions_ztest([kept["satisfied"].sum(), changed["satisfied"].sum()], [len(kept), len(changed)])
    assert (overall["test"]["z"], overall["test"]["p_value"]) == pytest.approx((z, p))
    assert set(result["segments"]) == {"1", "2", "none"}
    assert result["segments"]["1"]["changed_handler_share"] == 0.0  # the loyal customer kept its handler
    assert overall["avg_handlers_per_customer"] == pytest.approx(sum(handlers.values()) / 3)


def test_one_ticket_per_customer_has_no_later_tickets_and_says_not_enough_data():
    f.TicketFactory(agent_name="A", satisfaction=5)
    overall = handler_continuity(Scope())["overall"]
    assert overall["later_tickets"] == 0 and overall["changed_handler_share"] is None
    assert overall["kept"]["rate"] is None and overall["test"]["enough_data"] is False


def test_report_section_and_api(client, manager_user, staff_user, manager, tickets):
    client.force_login(manager_user)
    report = client.get("/analytics/report/").content.decode()
    assert "/analytics/report/continuity/" in report
    section = client.get("/analytics/report/continuity/").content.decode()
    assert 'data-metric="continuity.overall.changed_handler_share"' in section and "Shuffled" in section
    client.force_login(staff_user)
    assert client.get("/analytics/report/continuity/").status_code == 403
    body = manager.get(URL, {"days": 60}).json()
    assert body["overall"] == handler_continuity(Scope.last_days(60))["overall"]
    anonymous = APIClient()
    assert anonymous.get(URL).status_code == 401
    assert manager.get(URL, {"days": "x"}).status_code == 400
