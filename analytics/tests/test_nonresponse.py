"""Non-response adjustment: simulations with a known truth, a hand-worked case checked with pandas, and the same
numbers on the dashboard and in the API (`kpis.adjusted`)."""

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from analytics.lib import nonresponse as nr
from analytics.lib.nonresponse import CellCounts, adjusted_from_cells


def _simulate(rng, dependent: bool, invited_per_cell: int = 400):
    """Cells where (when `dependent`) the unhappy cells answer less: returns the cells and the true rate of all
    invited. Service types × segments × urgency, each with its own satisfaction and response probability."""
    cells, truth_satisfied, truth_n = [], 0, 0
    for st in ("data_analysis", "legal_consultation", "document_review"):
        for seg in (1, 2, 3):
            for urgency in ("high", "low", ""):
                p_sat = rng.uniform(0.6, 0.95)
                p_resp = (0.05 + 0.5 * (p_sat - 0.6) / 0.35) if dependent else 0.3
                satisfied = rng.random(invited_per_cell) < p_sat
                answered = rng.random(invited_per_cell) < p_resp
                cells.append(CellCounts((st, seg, urgency), invited_per_cell, int(answered.sum()),
                                        int((answered & satisfied).sum())))  # fmt: skip
                truth_satisfied += int(satisfied.sum())
                truth_n += invited_per_cell
    return cells, truth_satisfied / truth_n


def test_adjusted_is_closer_to_the_truth_when_non_response_depends_on_the_cell():
    rng = np.random.default_rng(3)
    raw_err, adj_err, covered = [], [], 0
    for _ in range(40):
        cells, truth = _simulate(rng, dependent=True)
        result = adjusted_from_cells(cells)
        raw_err.append(abs(result.raw_rate - truth))
        adj_err.append(abs(result.adjusted_rate - truth))
        covered += result.adjusted_ci.low <= truth <= result.adjusted_ci.high
    assert np.mean(adj_err) < np.mean(raw_err) / 3  # the raw rate over-states: the happy answer more
    assert np.mean(raw_err) > 0.03
    assert covered >= 34  # the 95% interval holds the truth in (about) 95% of runs


def test_without_dependence_adjusted_is_about_raw():
    rng = np.random.default_rng(5)
    diffs = []
    for _ in range(40):
        cells, truth = _simulate(rng, dependent=False)
        result = adjusted_from_cells(cells)
        diffs.append(abs(result.adjusted_rate - result.raw_rate))
        assert abs(result.raw_rate - truth) < 0.05
    assert np.mean(diffs) < 0.01


def test_hand_worked_case_against_pandas_with_pooling_and_the_warning():
    cells = [
        CellCounts(("a", 1, "high"), 100, 40, 36),
        CellCounts(("a", 1, "low"), 100, 10, 5),
        CellCounts(("a", 1, ""), 50, 2, 1),  # 2 answers: pooled...
        CellCounts(("a", 2, ""), 30, 2, 2),  # ...with this one at the service type level (4 answers < 5: no)
        CellCounts(("b", 1, ""), 20, 0, 0),  # no answer anywhere in b: not covered
    ]
    result = adjusted_from_cells(cells)
    # The pools by hand: (a,1,high), (a,1,low) alone; (a,1,"") + (a,2,"") fail both (a,1) and (a) with 4 answers,
    # so they join (b,1,"") in the overall pool: 100 invited, 4 answers, 3 satisfied.
    df = pd.DataFrame([("a1h", 100, 40, 36), ("a1l", 100, 10, 5), ("rest", 100, 4, 3)], columns=["k", "N", "m", "x"])
    w = df.N / df.N.sum()
    p = df.x / df.m
    assert result.adjusted_rate == pytest.approx(float((w * p).sum()), rel=1e-12)
    var = float((w**2 * p * (1 - p) / df.m).sum())
    assert result.effective_n == pytest.approx(result.adjusted_rate * (1 - result.adjusted_rate) / var, rel=1e-12)
    low, high = proportion_confint(result.adjusted_rate * result.effective_n, result.effective_n, method="wilson")
    assert (result.adjusted_ci.low, result.adjusted_ci.high) == pytest.approx((low, high), abs=1e-12)
    assert result.raw_rate == pytest.approx(44 / 54) and result.cells == 3 and result.covered_share == 1.0
    assert result.response_rate == pytest.approx(54 / 300) and result.low_response
    assert "below 20%" in result.reading_en and "低于 20%" in result.reading_zh
    assert "Responding customers" in result.reading_en and "all invited customers, adjusted" in result.reading_en


def test_not_enough_answers_says_so():
    result = adjusted_from_cells([CellCounts(("a", 1, ""), 40, 6, 5)])
    assert not result.enough_data and result.adjusted_rate is None and "Not enough" in result.reading_en
    assert adjusted_from_cells([]).invited == 0


# --- through the database: the dashboard and the API say the same ----------------------------------------------


@pytest.fixture
def invited(db, service_types):
    """Invitations about tickets of two urgencies; the high-urgency cell answers less and is less satisfied."""
    from decimal import Decimal

    from django.utils import timezone

    from satisfaction.tests import factories as f

    contact = f.ContactFactory(contact_priority=1)
    st = service_types["legal_consultation"]
    contract = f.ContractFactory(customer=contact.customer, service_type=st)
    plan = {"high": (60, 10, 5), "low": (60, 40, 36)}  # invited, answered, satisfied
    for urgency, (n, m, x) in plan.items():
        for i in range(n):
            ticket = f.TicketFactory(contract=contract, urgency=urgency)  # one invitation per ticket and contact
            record = None
            if i < m:
                score = Decimal("4.5") if i < x else Decimal("2.0")
                record = f.RecordFactory(customer=contact.customer, service_type=st, score=score)
            f.SurveyInvitationFactory(
                contact=contact, service_type=st, ticket=ticket, record=record,
                answered_at=timezone.now() if record else None,
            )  # fmt: skip
    return plan


def test_dashboard_and_api_show_the_one_adjustment(client, manager_user, manager, invited):
    from django.urls import reverse

    expected = (60 / 120) * (5 / 10) + (60 / 120) * (36 / 40)
    body = manager.get(reverse("api:satisfaction-analytics")).json()
    adjusted = body["kpis"]["adjusted"]
    assert adjusted["adjusted_rate"] == pytest.approx(expected, rel=1e-12)
    assert adjusted["raw_rate"] == pytest.approx(41 / 50, rel=1e-12)
    assert adjusted["invited"] == 120 and adjusted["answered"] == 50 and adjusted["cells"] == 2
    assert set(adjusted["adjusted_ci"]) >= {"low", "high"} and set(adjusted["raw_ci"]) >= {"low", "high"}
    dash = manager.get(reverse("api:satisfaction-dashboard")).json()
    assert dash["kpis"]["adjusted"] == adjusted

    client.force_login(manager_user)
    html = client.get(reverse("analytics:dashboard"), {"preset": "30d"}).content.decode()
    assert 'data-testid="adjusted-rate"' in html
    assert "Responding customers 82%" in html and "adjusted: 70%" in html
    assert nr.LOW_RESPONSE_RATE == 0.2
