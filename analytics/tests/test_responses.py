"""Response rates, NPS and CES, checked against scipy/numpy and numbers worked by hand."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from django.utils import timezone
from scipy import stats as sps

from analytics.lib import responses
from analytics.lib.metrics import Scope, local_today
from satisfaction.surveys.models import SurveyCampaign
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db


def _invite(contact, *, answered, service="data_analysis", source="ticket", sent_days_ago=1, **kwargs):
    sent = timezone.now() - dt.timedelta(days=sent_days_ago)
    return f.SurveyInvitationFactory(
        contact=contact,
        service_type=f.service_type(service),
        source=source,
        sent_at=sent,
        answered_at=sent + dt.timedelta(hours=2) if answered else None,
        **kwargs,
    )


@pytest.fixture
def data():
    """30 invitations over two segments, service types and channels, plus one outside the period and one unsent."""
    p1 = f.ContactFactory(contact_priority=1)
    p3 = f.ContactFactory(contact_priority=3)
    rows = []
    plan = [
        # contact, service, source, sent, answered
        (p1, "data_analysis", "ticket", 12, 5),
        (p1, "legal_consultation", "campaign", 4, 3),
        (p3, "data_analysis", "complaint", 8, 2),
        (p3, "document_review", "ticket", 6, 1),
    ]
    for contact, service, source, sent, answered in plan:
        for i in range(sent):
            _invite(contact, answered=i < answered, service=service, source=source)
            rows.append(
                {"segment": contact.contact_priority, "service": service, "source": source, "answered": i < answered}
            )
    _invite(p1, answered=True, sent_days_ago=40)  # outside the 30-day scope
    f.SurveyInvitationFactory(contact=p1, sent_at=None)  # never sent: not in the denominator
    return pd.DataFrame(rows)


def _check(rate, answered, sent):
    assert (rate.sent, rate.answered) == (sent, answered)
    assert rate.rate == pytest.approx(answered / sent)
    low, high = sps.binomtest(answered, sent).proportion_ci(confidence_level=0.95, method="wilson")
    assert (rate.ci.low, rate.ci.high) == (pytest.approx(low, abs=1e-9), pytest.approx(high, abs=1e-9))


def test_overall_and_breakdowns_match_pandas_and_scipy_wilson(data):
    scope = Scope.last_days(30)
    overall = responses.response_rate(scope)
    _check(overall, int(data.answered.sum()), len(data))
    assert overall.non_response_rate == pytest.approx(1 - 11 / 30) and overall.enough_data

    for name, column, rows in (
        ("service", "service", responses.response_rate_by_service_type(scope)),
        ("segment", "segment", responses.response_rate_by_segment(scope)),
        ("channel", "source", responses.response_rate_by_channel(scope)),
    ):
        expected = data.groupby(column)["answered"].agg(["sum", "count"])
        assert len(rows) == len(expected), name
        for row in rows:
            key = int(row.key) if column == "segment" else row.key
            _check(row, int(expected.loc[key, "sum"]), int(expected.loc[key, "count"]))
    segments = responses.response_rate_by_segment(scope)
    assert [r.label_en for r in segments] == ["Priority 1", "Priority 3"]
    assert not next(r for r in responses.response_rate_by_service_type(scope) if r.key == "document_review").enough_data


def test_scope_filters_service_type_segment_and_customer(data):
    today = local_today()
    only_da = responses.response_rate(
        Scope(start=today - dt.timedelta(days=29), end=today, service_types=("data_analysis",))
    )
    _check(only_da, 7, 20)
    seg3 = responses.response_rate(Scope.last_days(30, segment_priority=3))
    _check(seg3, 3, 14)
    all_time = responses.response_rate(Scope())
    _check(all_time, 12, 31)


def test_empty_scope_has_no_rate_and_the_full_interval():
    rate = responses.response_rate(Scope.last_days(7))
    assert rate.sent == 0 and rate.rate is None and (rate.ci.low, rate.ci.high) == (0.0, 1.0) and not rate.enough_data


def test_nps_worked_by_hand():
    # 6 promoters, 2 passives, 2 detractors: NPS = 60 − 20 = 40; var = (0.6 + 0.2 − 0.4²)/10 = 0.064.
    result = responses.nps_from_counts(6, 2, 2)
    half = 1.959963984540054 * 0.064**0.5 * 100
    assert result.nps == pytest.approx(40.0)
    assert (result.ci.low, result.ci.high) == (pytest.approx(40 - half), pytest.approx(40 + half))
    assert result.enough_data
    assert responses.nps_from_counts(0, 0, 0).nps is None
    assert not responses.nps_from_counts(3, 0, 0).enough_data


def test_nps_and_ces_from_answers_per_campaign():
    contact = f.ContactFactory()
    nps_scores = [10, 9, 9, 8, 7, 6, 3, 10, 9, 0, 5, 10]
    ces_scores = [7, 6, 5, 5, 4, 7, 6, 2, 6, 5, 7, 3]
    q4 = SurveyCampaign.objects.create(name="Q4", ask_nps=True, ask_ces=True)
    for n, c in zip(nps_scores, ces_scores, strict=True):
        _invite(contact, answered=True, source="campaign", campaign=q4, nps_score=n, ces_score=c)
    _invite(contact, answered=True, nps_score=0, ces_score=1)  # another campaign's (none) answers

    result = responses.nps(Scope(), campaign_id=q4.pk)
    arr = np.array(nps_scores)
    expected = 100 * ((arr >= 9).mean() - (arr <= 6).mean())
    assert (result.n, result.promoters, result.passives, result.detractors) == (12, 6, 2, 4)
    assert result.nps == pytest.approx(expected)
    # The interval against a bootstrap-free check: a Wald interval of the mean of +1/0/−1 scores.
    coded = np.where(arr >= 9, 1, np.where(arr <= 6, -1, 0))
    se = coded.std(ddof=0) / np.sqrt(len(coded))
    assert result.ci.low == pytest.approx(100 * (coded.mean() - sps.norm.ppf(0.975) * se))

    effort = responses.ces(Scope(), campaign_id=q4.pk)
    low, high = sps.t.interval(0.95, len(ces_scores) - 1, loc=np.mean(ces_scores), scale=sps.sem(ces_scores))
    assert effort.n == 12 and effort.mean == pytest.approx(np.mean(ces_scores))
    assert effort.sd == pytest.approx(np.std(ces_scores, ddof=1))
    assert (effort.ci.low, effort.ci.high) == (pytest.approx(low), pytest.approx(high))
    overall = responses.ces(Scope())
    assert overall.n == 13 and overall.mean == pytest.approx(np.mean([*ces_scores, 1]))


def test_breakdowns_serialise_for_the_api(data):
    out = responses.response_breakdowns(Scope.last_days(30))
    assert out["overall"][0]["sent"] == 30 and out["overall"][0]["ci"]["confidence"] == 0.95
    assert {r["key"] for r in out["by_channel"]} == {"ticket", "complaint", "campaign"}
