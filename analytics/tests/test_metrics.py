"""KPIs, breakdowns, trends, targets and drivers against pandas/scipy on data built record by record."""

import datetime as dt
import random
from decimal import Decimal
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from scipy import stats as sps

from analytics.lib import drivers, metrics, snapshots
from analytics.lib.metrics import Scope
from analytics.models import NO_SEGMENT
from satisfaction.feedback.kpis import responses_needed
from satisfaction.feedback.models import SatisfactionRecord, SatisfactionTarget
from satisfaction.tests.factories import ContactFactory, CustomerFactory, RecordFactory

TZ = ZoneInfo("Asia/Shanghai")
START = dt.date(2025, 1, 1)
DAYS = 120


@pytest.fixture
def dataset(db, service_types, settings):
    """~600 records over 120 local days for customers in segments 1, 2 and none; returns a DataFrame of them."""
    settings.TIME_ZONE = "Asia/Shanghai"
    rng = random.Random(7)
    customers = []
    for priority in (1, 1, 2, 3, None):
        customer = CustomerFactory()
        if priority is not None:
            ContactFactory(customer=customer, contact_priority=priority)
            ContactFactory(customer=customer, contact_priority=5)
        customers.append((customer, priority if priority is not None else NO_SEGMENT))
    codes = sorted(service_types)
    rows, records = [], []
    for _ in range(600):
        customer, segment = rng.choice(customers)
        code = rng.choice(codes)
        day = START + dt.timedelta(days=rng.randrange(DAYS))
        # Times near local midnight check that days are counted in TIME_ZONE, not UTC.
        local = dt.datetime.combine(day, dt.time(rng.choice([0, 7, 12, 23]), rng.choice([0, 30, 59])), tzinfo=TZ)
        score = Decimal(rng.choice(["1.0", "2.5", "2.9", "3.0", "3.9", "4.0", "4.4", "4.5", "4.8", "5.0"]))
        self_rated = rng.random() < 0.1
        sub = {
            "response_time_hours": round(rng.uniform(0.5, 30), 1) if rng.random() < 0.8 else None,
            "accuracy_score": min(5, max(1, round(float(score) + rng.choice([-1, 0, 0, 1])))),
            "completeness_score": rng.choice([None, 2, 3, 4, 5]),
        }
        records.append(
            SatisfactionRecord(
                customer=customer, service_type=service_types[code], score=score, created_at=local,
                self_rated=self_rated, **sub,
            )
        )  # fmt: skip
        rows.append(
            {"day": day, "code": code, "segment": segment, "customer_id": customer.pk, "score": float(score),
             "self_rated": self_rated, **sub}
        )  # fmt: skip
    # Saved in bulk for speed; the write path has its own tests, and the hook test below uses it.
    SatisfactionRecord.objects.bulk_create(records)
    snapshots.rebuild_all()
    return pd.DataFrame(rows)


def expected(df: pd.DataFrame) -> dict:
    """The DESIGN §3 metrics worked out with pandas."""
    n = len(df)
    return {
        "count": n,
        "avg_score": df.score.mean() if n else None,
        "score_sd": df.score.std(ddof=1) if n > 1 else None,
        "satisfaction_rate": (df.score >= 4.0).mean() if n else None,
        "high_satisfaction_rate": (df.score >= 4.5).mean() if n else None,
        "dissatisfaction_rate": (df.score < 3.0).mean() if n else None,
    }


def assert_kpis(k: metrics.Kpis, df: pd.DataFrame):
    exp = expected(df)
    assert k.count == exp["count"]
    for name in ("avg_score", "score_sd", "satisfaction_rate", "high_satisfaction_rate", "dissatisfaction_rate"):
        if exp[name] is None:
            assert getattr(k, name) is None, name
        else:
            assert getattr(k, name) == pytest.approx(exp[name], rel=1e-12), name


def in_scope(df, scope: Scope):
    mask = pd.Series(True, index=df.index)
    if scope.start:
        mask &= df.day >= scope.start
    if scope.end:
        mask &= df.day <= scope.end
    if scope.service_types:
        mask &= df.code.isin(scope.service_types)
    if scope.segment_priority is not None:
        mask &= df.segment == scope.segment_priority
    if scope.customer_id is not None:
        mask &= df.customer_id == scope.customer_id
    if not scope.include_self_rated:
        mask &= ~df.self_rated
    return df[mask]


SCOPES = [
    Scope(),
    Scope(include_self_rated=True),
    Scope(start=START + dt.timedelta(days=10), end=START + dt.timedelta(days=40)),
    Scope(service_types=("legal_consultation",)),
    Scope(service_types=("data_analysis", "document_review"), segment_priority=1),
    Scope(segment_priority=NO_SEGMENT, start=START, end=START + dt.timedelta(days=59)),
    Scope(segment_priority=4),
]


@pytest.mark.parametrize("scope", SCOPES, ids=range(len(SCOPES)))
@pytest.mark.parametrize("source", ["raw", "snapshots"])
def test_kpis_match_pandas(dataset, scope, source):
    k = metrics.kpis(scope, source=source)
    assert_kpis(k, in_scope(dataset, scope))
    sub = in_scope(dataset, scope)
    ci = sps.binomtest(int((sub.score >= 4).sum()), len(sub)).proportion_ci(method="wilson") if len(sub) else None
    if ci:
        assert k.satisfaction_rate_ci.low == pytest.approx(ci.low)


def test_kpis_for_one_customer_use_raw_rows(dataset):
    customer_id = int(dataset.customer_id.iloc[0])
    scope = Scope(customer_id=customer_id)
    assert_kpis(metrics.kpis(scope), in_scope(dataset, scope))
    with pytest.raises(ValueError):
        metrics.kpis(scope, source="snapshots")


def test_self_rated_records_are_left_out_by_default(dataset):
    assert metrics.kpis(Scope()).count == int((~dataset.self_rated).sum())
    assert metrics.kpis(Scope(include_self_rated=True)).count == len(dataset)


@pytest.mark.parametrize("source", ["raw", "snapshots"])
def test_breakdown_by_service_type(dataset, source):
    rows = metrics.by_service_type(Scope(), source=source)
    assert [r.key for r in rows] == ["data_analysis", "legal_consultation", "document_review"]
    for row in rows:
        assert_kpis(row.kpis, in_scope(dataset, Scope(service_types=(row.key,))))
    assert rows[1].label_zh == "法律咨询"


@pytest.mark.parametrize("source", ["raw", "snapshots"])
def test_breakdown_by_segment(dataset, source):
    rows = metrics.by_segment(Scope(), source=source)
    assert [r.key for r in rows] == [1, 2, 3, NO_SEGMENT]
    for row in rows:
        assert_kpis(row.kpis, in_scope(dataset, Scope(segment_priority=row.key)))
    assert rows[-1].label_en == "No contacts"


@pytest.mark.parametrize("source", ["raw", "snapshots"])
def test_segment_split_tests_the_segment_against_the_rest(dataset, source):
    split = metrics.segment_split(Scope(), 1, source=source)
    df = in_scope(dataset, Scope())
    seg, rest = df[df.segment == 1], df[df.segment != 1]
    assert_kpis(split.segment, seg)
    assert_kpis(split.rest, rest)
    ref = sps.ttest_ind(seg.score, rest.score, equal_var=False)
    assert split.avg_score_test.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    chi = sps.chi2_contingency(
        [[(seg.score >= 4).sum(), (seg.score < 4).sum()], [(rest.score >= 4).sum(), (rest.score < 4).sum()]],
        correction=False,
    )
    assert split.satisfaction_rate_test.p_value == pytest.approx(chi.pvalue, rel=1e-9)
    assert split.satisfaction_rate_test.reading_en.startswith("Priority 1:")


@pytest.mark.parametrize("period", ["day", "week", "month"])
@pytest.mark.parametrize("source", ["raw", "snapshots"])
def test_trend_matches_pandas_grouping(dataset, period, source):
    scope = Scope(start=START, end=START + dt.timedelta(days=DAYS - 1))
    points = metrics.trend(scope, period, source=source)
    df = in_scope(dataset, scope)
    freq = {"day": "D", "week": "W-SUN", "month": "M"}[period]
    keys = pd.to_datetime(df.day).dt.to_period(freq).dt.start_time.dt.date
    groups = dict(list(df.groupby(keys)))
    assert points[0].start <= START and points[-1].end >= scope.end
    assert sum(p.kpis.count for p in points) == len(df)
    for prev, point in zip(points, points[1:], strict=False):
        assert point.start == prev.end + dt.timedelta(days=1)
        sub = groups.get(point.start, df.iloc[0:0])
        assert_kpis(point.kpis, sub)
        if prev.kpis.count and point.kpis.count:
            assert point.change.satisfaction_rate == pytest.approx(
                point.kpis.satisfaction_rate - prev.kpis.satisfaction_rate
            )
            assert point.change.count == point.kpis.count - prev.kpis.count
    assert points[0].change is None


def test_trend_counts_days_in_local_time(db, service_types, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    # 2025-03-31 16:30 UTC is 2025-04-01 00:30 in Shanghai: an April record.
    RecordFactory(score=Decimal("4.0"), created_at=dt.datetime(2025, 3, 31, 16, 30, tzinfo=dt.UTC))
    RecordFactory(score=Decimal("2.0"), created_at=dt.datetime(2025, 3, 31, 15, 30, tzinfo=dt.UTC))
    snapshots.rebuild_all()
    for source in ("raw", "snapshots"):
        points = metrics.trend(Scope(start=dt.date(2025, 3, 1), end=dt.date(2025, 4, 30)), "month", source=source)
        assert [(p.start, p.kpis.count, p.kpis.avg_score) for p in points] == [
            (dt.date(2025, 3, 1), 1, 2.0),
            (dt.date(2025, 4, 1), 1, 4.0),
        ]


@pytest.mark.parametrize("source", ["raw", "snapshots"])
def test_compare_to_previous_equal_length_period(dataset, source):
    scope = Scope(start=START + dt.timedelta(days=60), end=START + dt.timedelta(days=89))
    cmp = metrics.compare_to_previous(scope, source=source)
    assert cmp.previous_scope.start == START + dt.timedelta(days=30)
    assert cmp.previous_scope.end == START + dt.timedelta(days=59)
    cur, prev = in_scope(dataset, scope), in_scope(dataset, cmp.previous_scope)
    assert_kpis(cmp.current, cur)
    assert_kpis(cmp.previous, prev)
    assert cmp.change.avg_score == pytest.approx(cur.score.mean() - prev.score.mean())
    assert cmp.change.count == len(cur) - len(prev)
    assert cmp.avg_score_test.p_value == pytest.approx(sps.ttest_ind(cur.score, prev.score, equal_var=False).pvalue)


def test_open_scope_has_no_previous_period():
    with pytest.raises(ValueError):
        Scope(start=START).previous()
    with pytest.raises(ValueError):
        Scope(start=START, end=START - dt.timedelta(days=1))


# --- targets ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "s,n,t,k",
    [(90, 100, 0.95, 100), (95, 100, 0.95, 0), (94, 100, 0.95, 20), (0, 0, 0.95, 0), (0, 1, 0.5, 1), (3, 4, 1.0, None)],
)
def test_responses_needed_by_hand_and_by_search(s, n, t, k):
    assert responses_needed(s, n, t) == k
    if k is not None and n:
        # The smallest k found by trying them one by one.
        search = next(j for j in range(10_000) if (s + j) / (n + j) >= t - 1e-12)
        assert search == k


def test_target_status_for_a_service_type_month(dataset, service_types):
    target = SatisfactionTarget.objects.create(
        metric="satisfaction_rate", target_value=0.95, service_type=service_types["legal_consultation"]
    )
    today = START + dt.timedelta(days=45)  # 2025-02-15: the month is 1–15 February
    status = metrics.target_status(target, today=today)
    scope = Scope(start=dt.date(2025, 2, 1), end=today, service_types=("legal_consultation",))
    df = in_scope(dataset, scope)
    s, n = int((df.score >= 4).sum()), len(df)
    assert (status.start, status.end, status.kpis.count) == (dt.date(2025, 2, 1), today, n)
    assert status.current == pytest.approx(s / n)
    assert status.met is False
    assert status.needed == next(j for j in range(100_000) if (s + j) / (n + j) >= 0.95)
    ci = sps.binomtest(s, n).proportion_ci(method="wilson")
    assert (status.interval.low, status.interval.high) == pytest.approx((ci.low, ci.high))
    assert f"{status.needed} more ratings" in status.reading_en and "还需" in status.reading_zh


def test_target_status_average_score_and_no_data(dataset):
    target = SatisfactionTarget(metric="avg_score", target_value=4.9, period="year")
    status = metrics.target_status(target, today=dt.date(2025, 12, 31))
    df = in_scope(dataset, Scope())
    total, n = df.score.sum(), len(df)
    assert status.current == pytest.approx(df.score.mean())
    assert status.needed == next(j for j in range(1_000_000) if (total + 5 * j) / (n + j) >= 4.9 - 1e-9)
    empty = metrics.target_status(target, today=dt.date(2030, 6, 1))
    assert empty.met is None and empty.current is None and "No feedback" in empty.reading_en


def test_target_met(db, service_types):
    for _ in range(20):
        RecordFactory(score=Decimal("4.5"))
    target = SatisfactionTarget.objects.create(target_value=0.95)
    status = metrics.target_status(target, source="raw")
    assert status.met is True and status.needed == 0 and "meeting the target" in status.reading_en
    assert target.pk in [s.target_id for s in metrics.active_target_statuses(source="raw")]


# --- drivers ---------------------------------------------------------------------------------------------------


def test_drivers_match_pandas_and_scipy(dataset):
    groups = drivers.drivers(Scope(), exact=True)
    df = in_scope(dataset, Scope())
    assert [g.key for g in groups] == ["", "data_analysis", "legal_consultation", "document_review"]
    for group in groups:
        sub = df if not group.key else df[df.code == group.key]
        assert group.count == len(sub) and group.avg_score == pytest.approx(sub.score.mean())
        for driver in group.drivers:
            pairs = sub[[driver.metric, "score"]].dropna()
            assert driver.n == len(pairs)
            assert driver.mean == pytest.approx(pairs[driver.metric].mean())
            ref = sps.spearmanr(pairs[driver.metric], pairs.score)
            assert driver.correlation.rho == pytest.approx(ref.statistic)
            assert driver.correlation.p_value == pytest.approx(ref.pvalue)
    accuracy = groups[0].drivers[1]
    assert accuracy.metric == "accuracy_score" and accuracy.correlation.rho > 0.5 and accuracy.correlation.significant()


# --- query counts ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["raw", "snapshots"])
def test_query_counts_are_pinned(dataset, django_assert_max_num_queries, source):
    scope = Scope(start=START, end=START + dt.timedelta(days=DAYS - 1))
    with django_assert_max_num_queries(1):
        metrics.kpis(scope, source=source)
    with django_assert_max_num_queries(2):
        metrics.by_service_type(scope, source=source)
    with django_assert_max_num_queries(1):
        metrics.by_segment(scope, source=source)
    with django_assert_max_num_queries(1):
        metrics.segment_split(scope, source=source)
    with django_assert_max_num_queries(1):
        metrics.trend(scope, "week", source=source)
    with django_assert_max_num_queries(2):
        metrics.compare_to_previous(scope, source=source)
    with django_assert_max_num_queries(3):
        drivers.drivers(scope)


def test_results_are_json_ready_and_keep_their_values(dataset):
    import json

    scope = Scope(start=START, end=START + dt.timedelta(days=30))
    df = in_scope(dataset, scope)
    kpis = json.loads(json.dumps(metrics.kpis(scope).as_dict()))
    exp = expected(df)
    assert kpis["count"] == exp["count"] and kpis["satisfied"] == int((df.score >= 4.0).sum())
    for name in ("avg_score", "score_sd", "satisfaction_rate", "high_satisfaction_rate", "dissatisfaction_rate"):
        assert kpis[name] == pytest.approx(exp[name], rel=1e-12), name
    assert kpis["score_sum"] == pytest.approx(df.score.sum(), rel=1e-12)
    assert set(kpis["satisfaction_rate_ci"]) == {"low", "high", "confidence"}

    rows = json.loads(json.dumps([r.as_dict() for r in metrics.by_service_type(scope)]))
    assert {row["key"]: row["count"] for row in rows} == df.groupby("code").size().to_dict()

    split = json.loads(json.dumps(metrics.segment_split(scope).as_dict(), default=str))
    assert split["segment"]["count"] == int((df.segment == 1).sum())
    assert split["rest"]["count"] == int((df.segment != 1).sum())

    comparison = metrics.compare_to_previous(scope)
    change = json.loads(json.dumps(comparison.as_dict(), default=str))
    assert change["current"]["count"] == exp["count"]
    assert change["previous"]["count"] == len(in_scope(dataset, comparison.previous_scope))
    assert change["previous_scope"]["end"] == str(scope.start - dt.timedelta(days=1))
