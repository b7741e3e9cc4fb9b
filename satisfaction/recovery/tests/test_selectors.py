"""The recovery figures against a count in Python over the same cases, and the queue order."""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.utils import timezone
from statsmodels.stats.proportion import proportion_confint

from satisfaction.recovery.models import RecoveryCase
from satisfaction.recovery.selectors import recovery_case_list, recovery_figures
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db


def _case(customer, *, due_in_hours, status="open", contact_after_hours=None, outcome=""):
    now = timezone.now()
    record = f.RecordFactory(customer=customer, score=Decimal("2.0"), created_at=now - dt.timedelta(hours=1))
    due = now + dt.timedelta(hours=due_in_hours)
    contact = (
        None if contact_after_hours is None else due - dt.timedelta(hours=48) + dt.timedelta(hours=contact_after_hours)
    )
    return RecoveryCase.objects.create(
        record=record, customer=customer, due_at=due, status=status, first_contact_at=contact, outcome=outcome,
        closed_at=now if status == "closed" else None,
    )  # fmt: skip


def test_figures_match_an_independent_count():
    rng = random.Random(17)
    customer = f.CustomerFactory()
    cases = []
    for _ in range(60):
        due = rng.choice([-30, -5, 10, 40])
        contact = rng.choice([None, 10, 47, 60])
        if contact is None:
            status, outcome = rng.choice([("open", ""), ("closed", "unreachable")])
        else:
            status, outcome = rng.choice([("contacted", ""), ("closed", "recovered"), ("closed", "not_recovered")])
        cases.append(_case(customer, due_in_hours=due, status=status, contact_after_hours=contact, outcome=outcome))
    now = timezone.now()
    figures = recovery_figures(now=now)
    unclosed = [c for c in cases if c.status != "closed"]
    sla_base = [c for c in cases if c.first_contact_at is not None or c.due_at < now]
    in_sla = [c for c in sla_base if c.first_contact_at is not None and c.first_contact_at <= c.due_at]
    closed = [c for c in cases if c.status == "closed"]
    recovered = [c for c in closed if c.outcome == "recovered"]
    assert figures.opened == len(cases)
    assert figures.open == len(unclosed)
    assert figures.overdue == sum(c.due_at < now for c in unclosed)
    assert (figures.sla_base, figures.contacted_in_sla) == (len(sla_base), len(in_sla))
    assert (figures.closed, figures.recovered) == (len(closed), len(recovered))
    assert figures.recovery_rate == pytest.approx(len(recovered) / len(closed))
    low, high = proportion_confint(len(recovered), len(closed), method="wilson")
    assert (figures.recovery_interval.low, figures.recovery_interval.high) == pytest.approx((low, high))
    low, high = proportion_confint(len(in_sla), len(sla_base), method="wilson")
    assert (figures.sla_interval.low, figures.sla_interval.high) == pytest.approx((low, high))


def test_no_cases_is_not_zero():
    figures = recovery_figures()
    assert figures.opened == 0
    assert figures.sla_rate is None and figures.recovery_rate is None and figures.recovery_interval is None


def test_the_queue_shows_overdue_first_then_by_due_time_and_closed_last():
    customer = f.CustomerFactory()
    later = _case(customer, due_in_hours=40)
    overdue = _case(customer, due_in_hours=-2)
    closed = _case(customer, due_in_hours=-50, status="closed", outcome="unreachable")
    sooner = _case(customer, due_in_hours=5, status="contacted", contact_after_hours=1)
    rows = list(recovery_case_list())
    assert rows == [overdue, sooner, later, closed]
    assert [r.overdue for r in rows] == [True, False, False, False]
