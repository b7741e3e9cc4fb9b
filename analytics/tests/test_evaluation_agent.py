"""Measures that target an agent or a team: their tickets' and complaints' records are the treated group, every
other record (with or without a ticket) the control; the baseline is theirs; counts are not inflated by groups."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.utils import timezone

from analytics.rules import evaluation as ev
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.improvements import services as svc
from satisfaction.improvements.models import ImprovementMeasure
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 30)
START = TODAY - dt.timedelta(days=29)
BEFORE = START - dt.timedelta(days=30)


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def people(service_types):
    """Li Wei (a user, also named "Wei Li" on imported tickets), Zhao (a user) and "Temp" (a name only), with
    records linked to their tickets before and after the start, and records linked to no ticket."""
    li = f.UserFactory(username="li.wei", first_name="Wei", last_name="Li")
    zhao = f.UserFactory(username="zhao")
    customer = f.CustomerFactory()
    contract = f.ContractFactory(customer=customer, service_type=service_types["data_analysis"])
    rows = []

    def plant(day, scores, **ticket):
        for i, score in enumerate(scores):
            t = f.TicketFactory(contract=contract, opened_at=_at(day), **ticket) if ticket else None
            at = _at(day + dt.timedelta(days=i % 28))
            rows.append(SatisfactionRecord(customer=customer, service_type=contract.service_type, ticket=t,
                                           score=Decimal(str(score)), created_at=at))  # fmt: skip

    plant(BEFORE, [2.0] * 10 + [4.0] * 10, agent=li)
    plant(BEFORE, [5.0] * 5, agent_name="Wei Li")  # the same person, named by the source system
    plant(START, [4.5] * 25, agent=li)
    plant(BEFORE, [4.0] * 12, agent=zhao)
    plant(START, [4.0] * 12, agent=zhao)
    plant(BEFORE, [3.0] * 8, agent_name="Temp")
    plant(START, [5.0] * 8, agent_name="Temp")
    plant(BEFORE, [4.0] * 20)  # no ticket: always control
    plant(START, [4.0] * 20)
    SatisfactionRecord.objects.bulk_create(rows)
    return {"li": li, "zhao": zhao}


def _evaluate(**target):
    measure = svc.measure_create(title="Coach", category="training", start_date=START, **target)
    measure = svc.measure_set_status(measure=measure, status=ImprovementMeasure.Status.IN_PROGRESS)
    return measure, ev.evaluate_measure(measure, today=TODAY)


def test_an_agents_records_are_treated_and_everything_else_is_control(people):
    _measure, result = _evaluate(agent=people["li"])
    # Li's 20 + the 5 naming "Wei Li" before; 25 after. Control: Zhao 12 + Temp 8 + 20 without a ticket, each side.
    assert (result.treated_before.n, result.treated_after.n) == (25, 25)
    assert (result.control_before.n, result.control_after.n) == (40, 40)
    assert result.treated_before.satisfied == 15 and result.treated_after.satisfied == 25
    assert result.did_rate is not None and result.did_rate.enough_data


def test_a_named_handler_and_a_team(people):
    _m, named = _evaluate(agent_name="temp")  # names match without case
    assert (named.treated_before.n, named.treated_after.n) == (8, 8)
    team, other = Group.objects.create(name="Team A"), Group.objects.create(name="Team B")
    for group in (team, other):  # Zhao in two groups: counted once, not twice
        people["zhao"].groups.add(group)
    people["li"].groups.add(team)
    _m, both = _evaluate(team=team)
    assert (both.treated_before.n, both.treated_after.n) == (20 + 12, 25 + 12)
    assert (both.control_before.n, both.control_after.n) == (5 + 8 + 20, 8 + 20)


def test_the_baseline_is_the_agents_own(people):
    measure = svc.measure_create(title="Coach", category="training", agent=people["zhao"])
    assert measure.baseline["count"] == 0  # Zhao's records are older than the baseline window of today
    at = timezone.now() - dt.timedelta(days=1)
    contract = f.ContractFactory()
    for score in ("2.0", "4.0", "5.0"):
        ticket = f.TicketFactory(contract=contract, agent=people["zhao"])
        f.RecordFactory(customer=contract.customer, ticket=ticket, score=Decimal(score), created_at=at)
    f.RecordFactory(score=Decimal("1.0"), created_at=at)  # somebody else's
    measure = svc.measure_create(title="Coach", category="training", agent=people["zhao"])
    assert (measure.baseline["count"], measure.baseline["satisfaction_rate"]) == (3, pytest.approx(2 / 3))


def test_one_target_only(people):
    with pytest.raises(ValidationError) as exc:
        svc.measure_create(title="x", category="training", agent=people["li"], agent_name="Temp")
    assert set(exc.value.message_dict) == {"agent"}


def test_the_page_and_the_api_set_the_agent(client, manager, manager_user, people):
    client.force_login(manager_user)
    form = client.get("/measures/new/").content.decode()
    assert 'name="agent"' in form and 'name="team"' in form and 'name="agent_name"' in form
    created = manager.post(
        "/api/v1/enterprise-satisfaction/satisfaction/improve",
        {"title": "Coach Li", "category": "training", "agent": people["li"].pk},
        format="json",
    )
    assert created.status_code == 201, created.json()
    measure = ImprovementMeasure.objects.get(title="Coach Li")
    assert measure.agent == people["li"]
    page = client.get(f"/measures/{measure.pk}/").content.decode()
    assert "agent Wei Li" in page
