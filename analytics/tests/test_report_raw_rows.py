"""The bundle's raw CSV rows, read straight from the cursor, equal the same rows built through the ORM with
Django's own local-time conversion — in a zone without DST and across a DST change."""

import datetime as dt
import random

import pytest
from django.utils import timezone

from analytics.quality import report
from analytics.quality.comparison import complaints_in_scope, tickets_in_scope
from satisfaction.helpdesk.models import Complaint, ServiceTicket
from satisfaction.tests.factories import (
    ComplaintFactory,
    ContactFactory,
    ContractFactory,
    CustomerFactory,
    TicketFactory,
)


def _orm_local(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


@pytest.fixture(params=["Asia/Shanghai", "Europe/Berlin", "America/St_Johns"])
def zone(request, settings):
    settings.TIME_ZONE = request.param
    return request.param


@pytest.fixture
def helpdesk(db, zone):
    rng = random.Random(11)
    contracts = []
    for priority in (1, 3, None):
        customer = CustomerFactory(name="=cmd()" if priority == 3 else f"Customer {priority}")
        if priority:
            ContactFactory(customer=customer, contact_priority=priority)
        contracts.append(ContractFactory(customer=customer))
    # Instants around the 2025 DST changes (30 March, 26 October in Europe) and at random minutes.
    base = [dt.datetime(2025, 3, 30, 0, 30, tzinfo=dt.UTC), dt.datetime(2025, 10, 26, 0, 59, tzinfo=dt.UTC)]
    for i in range(60):
        opened = base[i % 2] + dt.timedelta(minutes=rng.randrange(-600, 600))
        closed = None if i % 5 == 0 else opened + dt.timedelta(hours=rng.uniform(0.1, 30))
        TicketFactory(contract=rng.choice(contracts), opened_at=opened, closed_at=closed,
                      satisfaction=rng.choice([None, 1, 3, 5]), follow_up=rng.choice([None, True, False]),
                      agent_name=rng.choice(["", "+agent", "Wang Fang"]))  # fmt: skip
    for _ in range(30):
        filed = base[0] + dt.timedelta(minutes=rng.randrange(-900, 900))
        ComplaintFactory(contract=rng.choice(contracts), filed_at=filed,
                         responded_at=filed + dt.timedelta(hours=rng.uniform(0, 5)),
                         resolved_at=rng.choice([None, filed + dt.timedelta(hours=rng.uniform(5, 50))]))  # fmt: skip


def test_ticket_rows_equal_the_orm_rows(helpdesk):
    rows = list(report.ticket_raw_rows(priority=1))[1:]
    tickets = {t.pk: t for t in tickets_in_scope().select_related("contract__customer", "contract__service_type")}
    assert len(rows) == len(tickets) == ServiceTicket.objects.count()
    for row in rows:
        t = tickets[row[0]]
        assert row[1:] == [
            t.external_id or "", "Priority 1" if t.contract.customer.name == "Customer 1" else "Other customers",
            report.neutralise(t.contract.customer.name), t.contract.service_type.code, _orm_local(t.opened_at),
            _orm_local(t.closed_at), "" if t.handling_hours is None else round(t.handling_hours, 4), t.urgency,
            t.ticket_priority, "" if t.satisfaction is None else t.satisfaction, "yes" if t.follow_up else "no",
            report.neutralise(t.agent_name),
        ]  # fmt: skip


def test_complaint_rows_equal_the_orm_rows(helpdesk):
    rows = list(report.complaint_raw_rows(priority=1, lang="zh-hans"))[1:]
    complaints = {c.pk: c for c in complaints_in_scope().select_related("contract__customer")}
    assert len(rows) == len(complaints) == Complaint.objects.count()
    for row in rows:
        c = complaints[row[0]]
        assert row[5:8] == [_orm_local(c.filed_at), _orm_local(c.responded_at), _orm_local(c.resolved_at)]
        assert row[3] == report.neutralise(c.contract.customer.name)
        assert row[11] == ("是" if c.escalated else "否")
