"""Segment comparison against numpy/scipy, and every insight rule with data built to trigger it and not to."""

import datetime as dt
import itertools
import json

import numpy as np
import pytest
from django.utils import timezone
from scipy import stats as sps

from analytics.lib import helpdesk_snapshots
from analytics.quality.comparison import segment_comparison
from analytics.quality.insights import RULES, generate_insights
from satisfaction.helpdesk.models import Complaint, ServiceTicket
from satisfaction.tests.factories import ContactFactory, ContractFactory, CustomerFactory

NEUTRAL = {
    "n_t": 60,
    "follow": 0.2,
    "sat_follow": (3, 4),
    "sat_other": (4, 5, 4, 3),
    "urgency": ("high", "medium", "low"),
    "priority": ("low", "medium", "high", "medium"),
    "hours": (8.0, 12.0, 30.0),
    "n_c": 40,
    "esc": 0.1,
    "sat_c": (4, 3, 5, 4),
    "speed": ("fast", "normal", "slow"),
    "response": (3.0, 4.0, 5.0),
    "resolution": (20.0, 24.0, 30.0),
}


def _cycle(values, n):
    return list(itertools.islice(itertools.cycle(values), n))


def make_group(priority: int, **overrides) -> dict:
    """Two customers of one segment with tickets and complaints as described; returns the values used."""
    spec = {**NEUTRAL, **overrides}
    contracts = []
    for _ in range(2):
        customer = CustomerFactory()
        ContactFactory(customer=customer, contact_priority=priority)
        contracts.append(ContractFactory(customer=customer))
    opened = timezone.now() - dt.timedelta(days=5)
    n_t, n_follow = spec["n_t"], round(spec["n_t"] * spec["follow"])
    follow = [i < n_follow for i in range(n_t)]
    sat_f, sat_o = itertools.cycle(spec["sat_follow"]), itertools.cycle(spec["sat_other"])
    sat = [next(sat_f) if f else next(sat_o) for f in follow]
    urgency, prio, hours = _cycle(spec["urgency"], n_t), _cycle(spec["priority"], n_t), _cycle(spec["hours"], n_t)
    ServiceTicket.objects.bulk_create(
        ServiceTicket(
            contract=contracts[i % 2], opened_at=opened, handling_hours=hours[i], urgency=urgency[i],
            ticket_priority=prio[i], satisfaction=sat[i], follow_up=follow[i],
        )
        for i in range(n_t)
    )  # fmt: skip
    n_c, n_esc = spec["n_c"], round(spec["n_c"] * spec["esc"])
    sat_c, speed = _cycle(spec["sat_c"], n_c), _cycle(spec["speed"], n_c)
    response, resolution = _cycle(spec["response"], n_c), _cycle(spec["resolution"], n_c)
    Complaint.objects.bulk_create(
        Complaint(
            contract=contracts[i % 2], filed_at=opened, response_hours=response[i], resolution_hours=resolution[i],
            satisfaction=sat_c[i], escalated=i < n_esc, handling_speed=speed[i],
        )
        for i in range(n_c)
    )  # fmt: skip
    # bulk_create sends no signals: rebuild the comparison's pre-aggregates, as after any bulk load.
    helpdesk_snapshots.rebuild_all()
    return {"follow": follow, "sat": sat, "urgency": urgency, "hours": hours, "sat_c": sat_c,
            "esc": [i < n_esc for i in range(n_c)], "response": response, "resolution": resolution}  # fmt: skip


def scenario(segment=None, rest=None):
    seg = make_group(1, **(segment or {}))
    oth = make_group(3, **(rest or {}))
    return seg, oth, segment_comparison(priority=1)


def rules_fired(comparison) -> set[str]:
    return {i.rule for i in generate_insights(comparison)}


# --- the comparison itself -------------------------------------------------------------------------------------


def test_comparison_matches_numpy_and_scipy(db):
    seg, oth, c = scenario(
        segment={"follow": 0.6, "sat_follow": (1, 2, 3), "urgency": ("high", "high", "low"), "esc": 0.05,
                 "response": (1.5, 2.0, 9.0, 40.0), "resolution": (10.0, 50.0, 70.0, 300.0)},
        rest={"n_t": 90, "n_c": 70, "esc": 0.2, "sat_c": (2, 3, 4)},
    )  # fmt: skip
    for key, data in (("segment", seg), ("rest", oth)):
        t, m = c.tickets[key], c.complaints[key]
        assert t.customers == 2 and t.customers_with_tickets == 2
        assert t.count == len(data["sat"]) and t.rated == len(data["sat"])
        assert t.avg_handling_hours == pytest.approx(np.mean(data["hours"]))
        assert t.avg_satisfaction == pytest.approx(np.mean(data["sat"]))
        assert t.sd_satisfaction == pytest.approx(np.std(data["sat"], ddof=1))
        assert t.follow_up_rate == pytest.approx(np.mean(data["follow"]))
        assert t.first_contact_resolution_rate == pytest.approx(1 - np.mean(data["follow"]))
        assert m.escalation_rate == pytest.approx(np.mean(data["esc"]))
        assert m.avg_satisfaction == pytest.approx(np.mean(data["sat_c"]))
        for name in ("response", "resolution"):
            assert getattr(m, f"avg_{name}_hours") == pytest.approx(np.mean(data[name]))
            assert getattr(m, f"median_{name}_hours") == pytest.approx(np.median(data[name]))
            assert getattr(m, f"p90_{name}_hours") == pytest.approx(np.percentile(data[name], 90))
    ref = sps.ttest_ind(seg["sat"], oth["sat"], equal_var=False)
    assert c.tests.ticket_satisfaction.t == pytest.approx(ref.statistic)
    assert c.tests.ticket_satisfaction.p_value == pytest.approx(ref.pvalue)
    ref_c = sps.ttest_ind(seg["sat_c"], oth["sat_c"], equal_var=False)
    assert c.tests.complaint_satisfaction.p_value == pytest.approx(ref_c.pvalue)
    mw = sps.mannwhitneyu(seg["sat"], oth["sat"], alternative="two-sided")
    assert c.tests.ticket_satisfaction_ranks.p_value == pytest.approx(mw.pvalue)
    fu = sps.chi2_contingency(
        [[sum(seg["follow"]), len(seg["follow"]) - sum(seg["follow"])],
         [sum(oth["follow"]), len(oth["follow"]) - sum(oth["follow"])]], correction=False,
    )  # fmt: skip
    assert c.tests.follow_up_rate.p_value == pytest.approx(fu.pvalue)
    urgency = c.distribution("urgency")
    table = [[data["urgency"].count(level) for level in ("high", "medium", "low")] for data in (seg, oth)]
    assert [list(urgency.segment), list(urgency.rest)] == table
    assert urgency.test.chi2 == pytest.approx(sps.chi2_contingency(table, correction=False).statistic)
    json.dumps(c.as_dict())


def test_internal_tickets_and_other_periods_are_left_out(db):
    make_group(1)
    contract = ContractFactory(customer=CustomerFactory())
    ServiceTicket.objects.create(contract=contract, opened_at=timezone.now(), is_internal=True, follow_up=True)
    ServiceTicket.objects.create(contract=contract, opened_at=timezone.now() - dt.timedelta(days=400))
    c = segment_comparison(priority=1, start=timezone.localdate() - dt.timedelta(days=30))
    assert c.tickets["segment"].count == 60 and c.tickets["rest"].count == 0
    assert c.tickets["rest"].customers == 1  # the customer without contacts is counted among the others


# --- insight rules: one trigger and one non-trigger each -------------------------------------------------------


def test_there_are_at_least_eight_rules():
    assert len(RULES) >= 8


def test_neutral_data_fires_nothing(db):
    _, _, c = scenario()
    assert rules_fired(c) == set()


LOWER_SAT = {"sat_follow": (1, 2), "sat_other": (2, 3, 2, 1)}


@pytest.mark.parametrize(
    "rule,trigger,quiet",
    [
        ("follow_up_with_lower_satisfaction",
         ({"follow": 0.45, "sat_follow": (1, 2, 2)}, {"follow": 0.15}),
         ({"follow": 0.45}, {"follow": 0.15})),  # more follow-ups, satisfaction alike
        ("fewer_escalations_without_better_satisfaction",
         ({"n_c": 120, "esc": 0.02}, {"n_c": 120, "esc": 0.25}),
         ({"n_c": 120, "esc": 0.02, "sat_c": (5, 5, 4, 5)}, {"n_c": 120, "esc": 0.25, "sat_c": (2, 3, 3, 2)})),
        ("faster_response_not_faster_resolution",
         ({"response": (1.0, 2.0)}, {}),
         ({"response": (1.0, 2.0), "resolution": (10.0, 12.0)}, {})),
        ("mix_explains_gap",
         ({**LOWER_SAT, "urgency": ("high", "high", "high", "low")}, {}),
         (LOWER_SAT, {})),
        ("mix_does_not_explain_gap",
         (LOWER_SAT, {}),
         ({**LOWER_SAT, "urgency": ("high", "high", "high", "low")}, {})),
        ("long_times",
         ({"resolution": (20.0, 24.0, 30.0, 500.0)}, {}),
         ({"resolution": (20.0, 24.0, 30.0, 150.0)}, {})),
        ("segment_less_satisfied_tickets",
         (LOWER_SAT, {}),
         ({"sat_other": (4, 5, 4, 4)}, {})),  # a little better: no risk
        ("segment_less_satisfied_complaints",
         ({"sat_c": (2, 3, 2, 1)}, {}),
         ({"sat_c": (4, 3, 5, 5)}, {})),
        ("more_escalations",
         ({"n_c": 120, "esc": 0.3}, {"n_c": 120, "esc": 0.05}),
         ({"n_c": 120, "esc": 0.05}, {"n_c": 120, "esc": 0.3})),
        ("low_first_contact_resolution",
         ({"follow": 0.5}, {"follow": 0.5}),
         ({"follow": 0.35}, {"follow": 0.35})),
        ("low_complaint_satisfaction",
         ({"sat_c": (2, 3, 2, 3)}, {"sat_c": (2, 3, 2, 3)}),
         ({"sat_c": (3, 3, 3, 3)}, {"sat_c": (3, 3, 3, 3)})),
        ("not_enough_data",
         ({"n_t": 4, "n_c": 4}, {}),
         ({"n_t": 10, "n_c": 10}, {})),
    ],
)  # fmt: skip
@pytest.mark.parametrize("fires", [True, False], ids=["trigger", "quiet"])
def test_rule(db, rule, trigger, quiet, fires):
    seg, rest = trigger if fires else quiet
    _, _, c = scenario(segment=seg, rest=rest)
    insights = [i for i in generate_insights(c) if i.rule == rule]
    assert bool(insights) is fires, rules_fired(c)
    for insight in insights:
        assert insight.text_en and insight.text_zh and insight.title_zh
        assert insight.evidence, "every insight carries the numbers that triggered it"
        assert insight.kind in {"finding", "risk", "recommendation"} and insight.priority in {"high", "medium", "low"}


def test_insights_are_ordered_and_carry_test_readings(db):
    _, _, c = scenario(segment={"follow": 0.6, **LOWER_SAT, "resolution": (20.0, 400.0)}, rest={"follow": 0.2})
    insights = generate_insights(c)
    kinds = [i.kind for i in insights]
    assert kinds == sorted(kinds, key=["risk", "finding", "recommendation"].index)
    follow = next(i for i in insights if i.rule == "follow_up_with_lower_satisfaction" and i.kind == "finding")
    assert follow.tests[0][0] == c.tests.follow_up_rate.reading_en
    assert follow.evidence["follow_up_rate_segment"] == pytest.approx(0.6)


def test_comparison_query_count_is_pinned(db, django_assert_max_num_queries):
    make_group(1)
    make_group(3)
    with django_assert_max_num_queries(6):
        segment_comparison(priority=1)
