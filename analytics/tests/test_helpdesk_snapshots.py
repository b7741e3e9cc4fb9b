"""The segment comparison from the helpdesk pre-aggregates equals the one from the raw cases, and every write
path keeps the pre-aggregates equal to a full rebuild."""

import datetime as dt
import io
import math

import numpy as np
import pytest
from django.core.management import call_command
from django.utils import timezone

from analytics.lib import helpdesk_snapshots
from analytics.models import DailyComplaintHours, DailyComplaintStat, DailyCustomerCases, DailyTicketStat
from analytics.quality.comparison import segment_comparison
from core.localtime import local_tz
from satisfaction.crm.services import contact_update
from satisfaction.helpdesk.models import Complaint, ServiceTicket
from satisfaction.helpdesk.services import complaint_create, ticket_create, ticket_update
from satisfaction.imports.services import import_file
from satisfaction.tests.factories import ContactFactory, ContractFactory, CustomerFactory

TABLES = (DailyTicketStat, DailyComplaintStat, DailyComplaintHours, DailyCustomerCases)
CODES = ("data_analysis", "legal_consultation", "document_review")
LEVELS = ["high", "medium", "low"]


def same(a, b, path="") -> None:
    """Recursive equality; floats to 1e-9 relative (sums of hours added in another order)."""
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), (path, a, b)
    else:
        assert a == b, (path, a, b)


def both(**scope) -> tuple[dict, dict]:
    return segment_comparison(**scope).as_dict(), segment_comparison(from_cases=True, **scope).as_dict()


def table_state() -> dict:
    """Every pre-aggregate row without ids and timestamps, as a comparable set per table."""
    state = {}
    for model in TABLES:
        names = [f.attname for f in model._meta.concrete_fields if f.attname not in ("id", "computed_at")]
        state[model.__name__] = sorted(model.objects.values_list(*names))
    return state


def assert_like_rebuild() -> None:
    """The maintained rows equal what a full rebuild writes."""
    maintained = table_state()
    helpdesk_snapshots.rebuild_all()
    assert maintained == table_state()


@pytest.fixture
def random_cases(service_types):
    """Customers of every segment (and without contacts), tickets and complaints over 40 days, with unknowns."""
    rng = np.random.default_rng(18)
    contracts = []
    for i in range(24):
        customer = CustomerFactory()
        for p in rng.choice([1, 2, 3, 4, 5], size=int(rng.integers(0, 3)) if i % 6 else 0):
            ContactFactory(customer=customer, contact_priority=int(p))
        for code in rng.choice(CODES, size=2, replace=False):
            contracts.append(ContractFactory(customer=customer, service_type=service_types[str(code)]))
    now = timezone.now().replace(microsecond=0)
    tickets, complaints = [], []
    for j in range(900):
        opened = now - dt.timedelta(hours=float(rng.uniform(1, 40 * 24)))
        tickets.append(ServiceTicket(
            contract=contracts[int(rng.integers(len(contracts)))], opened_at=opened,
            handling_hours=None if j % 11 == 0 else float(np.round(rng.lognormal(2, 1), 2)),
            urgency=str(rng.choice(LEVELS)), ticket_priority=str(rng.choice(LEVELS)),
            satisfaction=None if j % 4 == 0 else int(rng.integers(1, 6)),
            follow_up=None if j % 9 == 0 else bool(rng.random() < 0.3), is_internal=j % 17 == 0,
        ))  # fmt: skip
    for j in range(500):
        filed = now - dt.timedelta(hours=float(rng.uniform(1, 40 * 24)))
        response = float(np.round(rng.lognormal(3, 1), 1))
        complaints.append(Complaint(
            contract=contracts[int(rng.integers(len(contracts)))], filed_at=filed,
            response_hours=None if j % 13 == 0 else response,
            resolution_hours=None if j % 7 == 0 else float(np.round(response + rng.lognormal(4, 1), 1)),
            satisfaction=None if j % 5 == 0 else int(rng.integers(1, 6)),
            escalated=None if j % 10 == 0 else bool(rng.random() < 0.1),
            handling_speed=str(rng.choice(["fast", "normal", "slow"])),
        ))  # fmt: skip
    # bulk_create sends no signals: the rebuild (as after a seed or a bulk load) builds the pre-aggregates.
    ServiceTicket.objects.bulk_create(tickets)
    Complaint.objects.bulk_create(complaints)
    helpdesk_snapshots.rebuild_all()
    return contracts


def test_the_comparison_from_the_pre_aggregates_equals_the_one_from_the_cases(random_cases):
    today = timezone.localdate()
    periods = [(None, None), (today - dt.timedelta(days=20), today - dt.timedelta(days=5)),
               (today - dt.timedelta(days=3), today - dt.timedelta(days=3)), (today - dt.timedelta(days=10), None),
               (None, today - dt.timedelta(days=30)), (today + dt.timedelta(days=1), None)]  # fmt: skip
    filters = [(), ("legal_consultation",), ("data_analysis", "document_review")]
    compared = 0
    for start, end in periods:
        for service_types in filters:
            for priority in (1, 2, 3, 4, 5):
                fast, direct = both(priority=priority, start=start, end=end, service_types=service_types)
                same(fast, direct)
                compared += 1
    assert compared == 90
    # Not vacuous: the whole-range comparison of some segment has tickets, complaints and times in both groups.
    full = segment_comparison(priority=1)
    assert full.tickets["segment"].count and full.tickets["rest"].count
    assert full.complaints["segment"].median_resolution_hours is not None
    assert full.complaints["rest"].p90_response_hours is not None


def test_percentiles_and_distinct_customers_against_numpy(random_cases):
    """Independent of both paths: the medians, p90s and distinct customers of P1 over a period, from the rows."""
    start = timezone.localdate() - dt.timedelta(days=15)
    c = segment_comparison(priority=1, start=start)
    tz = local_tz()

    def p1(case):
        contacts = case.contract.customer.contacts.all()
        return bool(contacts) and min(x.contact_priority for x in contacts) == 1

    everything = Complaint.objects.select_related("contract__customer")
    rows = [x for x in everything if x.filed_at.astimezone(tz).date() >= start]
    for group, wanted in (("segment", True), ("rest", False)):
        mine = [x for x in rows if p1(x) == wanted]
        resolution = [x.resolution_hours for x in mine if x.resolution_hours is not None]
        response = [x.response_hours for x in mine if x.response_hours is not None]
        m = c.complaints[group]
        assert m.median_resolution_hours == pytest.approx(np.median(resolution))
        assert m.p90_response_hours == pytest.approx(np.percentile(response, 90))
        assert m.avg_response_hours == pytest.approx(np.mean(response))
        assert m.customers_with_complaints == len({x.contract.customer_id for x in mine})


@pytest.fixture
def p1_contract(service_types):
    customer = CustomerFactory()
    ContactFactory(customer=customer, contact_priority=1)
    return ContractFactory(customer=customer, service_type=service_types["legal_consultation"])


@pytest.fixture
def p3_contract(service_types):
    customer = CustomerFactory()
    ContactFactory(customer=customer, contact_priority=3)
    return ContractFactory(customer=customer, service_type=service_types["legal_consultation"])


def _days_ago(n: int, hour: int = 10) -> dt.datetime:
    day = timezone.localdate() - dt.timedelta(days=n)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=local_tz())


def test_creating_updating_and_deleting_cases_keeps_the_pre_aggregates(
    p1_contract, p3_contract, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_create(data={"contract": p1_contract, "opened_at": _days_ago(2), "satisfaction": 2,
                                     "handling_hours": 4.5, "follow_up": True})  # fmt: skip
        ticket_create(data={"contract": p3_contract, "opened_at": _days_ago(2), "satisfaction": 5})
        complaint = complaint_create(data={"contract": p1_contract, "filed_at": _days_ago(3), "response_hours": 2.0,
                                           "resolution_hours": 9.0, "satisfaction": 3, "escalated": True})  # fmt: skip
    c = segment_comparison(priority=1)
    assert (c.tickets["segment"].count, c.tickets["rest"].count, c.complaints["segment"].count) == (1, 1, 1)
    assert c.tickets["segment"].avg_handling_hours == 4.5
    assert c.complaints["segment"].median_resolution_hours == 9.0
    assert_like_rebuild()

    # Re-dated to another day and re-rated: the old day loses it, the new day gets it.
    with django_capture_on_commit_callbacks(execute=True):
        ticket_update(ticket=ticket, data={"opened_at": _days_ago(20), "satisfaction": 4})
    week = segment_comparison(priority=1, start=timezone.localdate() - dt.timedelta(days=7))
    assert week.tickets["segment"].count == 0
    month = segment_comparison(priority=1, start=timezone.localdate() - dt.timedelta(days=30))
    assert month.tickets["segment"].avg_satisfaction == 4
    assert_like_rebuild()

    with django_capture_on_commit_callbacks(execute=True):
        complaint.delete()
        ticket.contract.delete()  # cascades to its ticket, past every service
    c = segment_comparison(priority=1)
    assert (c.tickets["segment"].count, c.complaints["segment"].count, c.tickets["rest"].count) == (0, 0, 1)
    assert_like_rebuild()
    same(*both(priority=1))


def test_a_write_outside_the_period_leaves_it_unchanged(p1_contract, django_capture_on_commit_callbacks):
    start = timezone.localdate() - dt.timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_create(data={"contract": p1_contract, "opened_at": _days_ago(2), "satisfaction": 2})
    before = segment_comparison(priority=1, start=start).as_dict()
    with django_capture_on_commit_callbacks(execute=True):
        ticket_create(data={"contract": p1_contract, "opened_at": _days_ago(30), "satisfaction": 5})
        complaint_create(data={"contract": p1_contract, "filed_at": _days_ago(30), "response_hours": 1.0})
    assert segment_comparison(priority=1, start=start).as_dict() == before
    # … while the whole range has both.
    assert segment_comparison(priority=1).tickets["segment"].count == 2
    assert_like_rebuild()


def test_a_rolled_back_write_changes_nothing(p1_contract, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        ticket_create(data={"contract": p1_contract, "opened_at": _days_ago(2), "satisfaction": 2})
        raise RuntimeError
    assert segment_comparison(priority=1).tickets["segment"].count == 0
    assert not DailyTicketStat.objects.exists()


def test_a_contact_priority_change_moves_the_customer_between_segments(
    p1_contract, p3_contract, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket_create(data={"contract": p3_contract, "opened_at": _days_ago(4), "satisfaction": 1})
        complaint_create(data={"contract": p3_contract, "filed_at": _days_ago(5), "resolution_hours": 30.0})
    assert segment_comparison(priority=1).tickets["segment"].count == 0
    contact = p3_contract.customer.contacts.get()
    with django_capture_on_commit_callbacks(execute=True):
        contact_update(contact=contact, data={"contact_priority": 1})
    c = segment_comparison(priority=1)
    assert (c.tickets["segment"].count, c.complaints["segment"].customers_with_complaints) == (1, 1)
    assert segment_comparison(priority=3).tickets["segment"].count == 0
    assert_like_rebuild()
    same(*both(priority=1))


def test_a_contract_moved_to_another_service_type_moves_its_cases(p1_contract, service_types,
                                                                  django_capture_on_commit_callbacks):  # fmt: skip
    from satisfaction.crm.services import contract_update

    with django_capture_on_commit_callbacks(execute=True):
        ticket_create(data={"contract": p1_contract, "opened_at": _days_ago(4), "satisfaction": 1})
    legal = {"service_types": ("legal_consultation",)}
    assert segment_comparison(priority=1, **legal).tickets["segment"].count == 1
    with django_capture_on_commit_callbacks(execute=True):
        contract_update(contract=p1_contract, data={"service_type": service_types["data_analysis"]})
    assert segment_comparison(priority=1, **legal).tickets["segment"].count == 0
    assert segment_comparison(priority=1, service_types=("data_analysis",)).tickets["segment"].count == 1
    assert_like_rebuild()


def csv_bytes(rows):
    return io.BytesIO(("\n".join(",".join(str(c) for c in row) for row in rows) + "\n").encode())


def test_a_bulk_import_of_tickets_and_complaints_updates_the_pre_aggregates(
    p1_contract, django_capture_on_commit_callbacks
):
    p1_contract.external_id = "K-18"
    p1_contract.save()
    day = (timezone.localdate() - dt.timedelta(days=3)).isoformat()
    tickets = [
        ["工单ID", "合同ID", "创建时间", "关闭时间", "满意度"],
        ["T-1", "K-18", f"{day} 09:00", f"{day} 11:00", "2"],
        ["T-2", "K-18", f"{day} 10:00", "", "4"],
    ]
    complaints = [
        ["投诉ID", "合同ID", "投诉时间", "响应时长", "解决时长"],
        ["C-1", "K-18", f"{day} 08:00", "1.5", "30"],
    ]
    with django_capture_on_commit_callbacks(execute=True):
        assert import_file(kind="tickets", source=csv_bytes(tickets), history=True).created == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert import_file(kind="complaints", source=csv_bytes(complaints), history=True).created == 1
    c = segment_comparison(priority=1)
    assert (c.tickets["segment"].count, c.tickets["segment"].rated, c.complaints["segment"].count) == (2, 2, 1)
    assert c.complaints["segment"].median_resolution_hours == 30.0
    assert_like_rebuild()
    # A re-import of a changed row goes through the update service, and the pre-aggregates follow.
    tickets[1][4] = "5"
    with django_capture_on_commit_callbacks(execute=True):
        import_file(kind="tickets", source=csv_bytes(tickets[:2]), history=True)
    assert segment_comparison(priority=1).tickets["segment"].avg_satisfaction == 4.5
    assert_like_rebuild()


def test_rebuild_snapshots_rebuilds_them(random_cases):
    DailyTicketStat.objects.all().delete()
    DailyCustomerCases.objects.all().delete()
    call_command("rebuild_snapshots", stdout=io.StringIO())
    same(*both(priority=2))


def test_a_ticket_created_and_changed_through_the_api_reaches_the_report_page(
    manager, manager_user, client, p1_contract, django_capture_on_commit_callbacks
):
    opened = _days_ago(1).isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        made = manager.post(
            "/api/v1/tickets/", {"contract": p1_contract.pk, "opened_at": opened, "satisfaction": 2}, format="json"
        )
    assert made.status_code == 201
    client.force_login(manager_user)

    def shown():
        page = client.get("/analytics/report/", {"segment": 1})
        assert page.status_code == 200
        return page.context["comparison"].tickets["segment"]

    assert (shown().count, shown().avg_satisfaction) == (1, 2)
    with django_capture_on_commit_callbacks(execute=True):
        changed = manager.patch(f"/api/v1/tickets/{made.json()['id']}/", {"satisfaction": 5}, format="json")
    assert changed.status_code == 200
    assert (shown().count, shown().avg_satisfaction) == (1, 5)
    assert_like_rebuild()
