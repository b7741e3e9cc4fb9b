"""Tests read together on the dashboard are one family: Benjamini–Hochberg q beside p, verdicts by q."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from statsmodels.stats.multitest import multipletests

from analytics import dashboard
from analytics.lib import metrics
from analytics.lib.snapshots import rebuild_all
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db


def _records(customer, scores, days_ago):
    for i, score in enumerate(scores):
        f.RecordFactory(
            customer=customer,
            score=Decimal(str(score)),
            created_at=timezone.now() - dt.timedelta(days=days_ago, minutes=i),
        )


def test_the_change_and_the_segment_test_carry_q_values(client, manager_user, service_types):
    key = f.CustomerFactory()
    f.ContactFactory(customer=key, contact_priority=1)
    other = f.CustomerFactory()
    _records(key, [4.5] * 8 + [2.0] * 7, days_ago=2)
    _records(other, [4.5] * 13 + [2.0] * 2, days_ago=3)
    _records(other, [4.5] * 18 + [2.0] * 2, days_ago=40)
    rebuild_all()  # the factories write records directly; the dashboard reads the snapshots
    scope = metrics.Scope.last_days(30)
    page = dashboard.dashboard(scope, user=manager_user)
    change = metrics.compare_to_previous(scope).satisfaction_rate_test
    segment = metrics.segment_split(scope, 1).satisfaction_rate_test
    _r, q, _s, _b = multipletests([change.p_value, segment.p_value], method="fdr_bh")
    for reading, q_value in ((page["kpis"]["change_reading"], q[0]), (page["segment"]["reading"], q[1])):
        assert "Among the 2 tests shown together" in reading
        assert (f"q = {q_value:.3f}" in reading) or (q_value < 0.001 and "q < 0.001" in reading)
    assert page["segment"]["significant"] == (q[1] < 0.05)

    client.force_login(manager_user)
    html = client.get(reverse("analytics:dashboard"), {"preset": "30d"}).content.decode()
    assert html.count("(Benjamini–Hochberg)") >= 2
