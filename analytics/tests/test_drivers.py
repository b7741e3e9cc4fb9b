"""Sub-metric drivers: exact against scipy/pandas, the pre-aggregates equal to the records and kept on write, and
the sampled estimate within its stated error."""

import datetime as dt
import random
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
import scipy.stats as sps
from django.core.management import call_command

from analytics import tasks as analytics_tasks
from analytics.lib import drivers, snapshots, submetrics
from analytics.lib.metrics import Scope
from analytics.models import NO_SEGMENT, DailySubMetricStat, SubMetricSample
from satisfaction.crm.models import Contact
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.feedback.services import record_satisfaction
from satisfaction.tests.factories import ContactFactory, CustomerFactory

TZ = ZoneInfo("Asia/Shanghai")
START = dt.date(2025, 3, 1)
DAYS = 90
METRICS = [m for m, *_ in drivers.SUB_METRICS]


@pytest.fixture
def dataset(db, service_types, settings):
    """~1,500 records over 90 local days in segments 1, 2 and none, with gaps in the sub-metrics; as a DataFrame."""
    settings.TIME_ZONE = "Asia/Shanghai"
    rng = random.Random(18)
    customers = []
    for priority in (1, 2, 2, None):
        customer = CustomerFactory()
        if priority is not None:
            ContactFactory(customer=customer, contact_priority=priority)
        customers.append((customer, NO_SEGMENT if priority is None else priority))
    records, rows = [], []
    # Fixed ids: the 1-in-16 sample is a function of the id, and a PostgreSQL sequence is not rolled back between
    # tests, so without them the sample (and the estimated rho) would depend on the tests that ran before.
    for record_id in range(1, 1501):
        customer, segment = rng.choice(customers)
        code = rng.choice(sorted(service_types))
        day = START + dt.timedelta(days=rng.randrange(DAYS))
        at = dt.datetime.combine(day, dt.time(rng.choice([0, 9, 23]), rng.choice([0, 59])), tzinfo=TZ)
        score = round(min(5.0, max(1.0, rng.gauss(3.8, 0.9))), 1)
        sub = {
            "response_time_hours": round(rng.expovariate(1 / (2 + 6 - score)), 2) if rng.random() < 0.8 else None,
            "accuracy_score": min(5, max(1, round(score + rng.gauss(0, 0.8)))) if rng.random() < 0.9 else None,
            "completeness_score": rng.choice([None, 1, 2, 3, 4, 5]),
        }
        self_rated = rng.random() < 0.1
        records.append(
            SatisfactionRecord(id=record_id, customer=customer, service_type=service_types[code],
                               score=Decimal(f"{score:.1f}"), created_at=at, self_rated=self_rated, **sub)
        )  # fmt: skip
        rows.append({"day": day, "code": code, "segment": segment, "customer_id": customer.pk, "score": score,
                     "self_rated": self_rated, **sub})  # fmt: skip
    SatisfactionRecord.objects.bulk_create(records)
    snapshots.rebuild_all()
    submetrics.rebuild_all()
    df = pd.DataFrame(rows)
    df["id"] = [r.pk for r in records]
    return df


def _in_scope(df: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    keep = pd.Series(True, index=df.index) if scope.include_self_rated else ~df.self_rated
    if scope.start:
        keep &= df.day >= scope.start
    if scope.end:
        keep &= df.day <= scope.end
    if scope.service_types:
        keep &= df.code.isin(scope.service_types)
    if scope.segment_priority is not None:
        keep &= df.segment == scope.segment_priority
    if scope.customer_id is not None:
        keep &= df.customer_id == scope.customer_id
    return df[keep]


SCOPES = [
    Scope(),
    Scope(start=START + dt.timedelta(days=10), end=START + dt.timedelta(days=40)),
    Scope(service_types=("legal_consultation",), segment_priority=2),
    Scope(include_self_rated=True, segment_priority=NO_SEGMENT),
]


@pytest.mark.parametrize("scope", SCOPES)
def test_exact_drivers_match_pandas_and_scipy(dataset, scope):
    groups = drivers.drivers(scope)
    df = _in_scope(dataset, scope)
    assert groups[0].key == ""
    for group in groups:
        sub = df if not group.key else df[df.code == group.key]
        assert group.count == len(sub)
        assert group.avg_score == (pytest.approx(sub.score.mean()) if len(sub) else None)
        for driver in group.drivers:
            pairs = sub[[driver.metric, "score"]].dropna()
            assert not driver.sampled and driver.rho_margin is None
            assert driver.n == len(pairs)
            if len(pairs) >= 10:
                ref = sps.spearmanr(pairs[driver.metric], pairs.score)
                assert driver.mean == pytest.approx(pairs[driver.metric].mean(), rel=1e-12)
                assert driver.correlation.rho == pytest.approx(ref.statistic, abs=1e-12)
                assert driver.correlation.p_value == pytest.approx(ref.pvalue, rel=1e-9)


def test_customer_scope_reads_the_records(dataset):
    customer_id = int(dataset.customer_id.iloc[0])
    scope = Scope(customer_id=customer_id)
    groups = drivers.drivers(scope, exact=None)
    df = _in_scope(dataset, scope)
    assert groups[0].count == len(df) and not groups[0].drivers[0].sampled
    with pytest.raises(ValueError, match="customer"):
        drivers.drivers(scope, exact=False)


def test_pre_aggregates_equal_the_records(dataset):
    df = dataset[dataset.day.notna()]
    expected = df.groupby(["day", "code", "segment", "self_rated"]).agg(
        records=("score", "size"),
        response_n=("response_time_hours", "count"), response_sum=("response_time_hours", "sum"),
        accuracy_n=("accuracy_score", "count"), accuracy_sum=("accuracy_score", "sum"),
        completeness_n=("completeness_score", "count"), completeness_sum=("completeness_score", "sum"),
    )  # fmt: skip
    stored = {
        (s.date, s.service_type.code, s.segment_priority, s.self_rated): s
        for s in DailySubMetricStat.objects.select_related("service_type")
    }
    assert set(stored) == set(expected.index)
    for key, row in expected.iterrows():
        s = stored[key]
        assert (s.records, s.response_n, s.accuracy_n, s.completeness_n) == (
            row.records,
            row.response_n,
            row.accuracy_n,
            row.completeness_n,
        )
        assert s.accuracy_sum == row.accuracy_sum and s.completeness_sum == row.completeness_sum
        assert s.response_sum == pytest.approx(row.response_sum, rel=1e-12)
    sampled = dataset[[submetrics.in_sample(int(i)) for i in dataset.id]]
    assert 0 < len(sampled) < len(dataset) / 8  # about one in 16
    sample = {s.record_id: s for s in SubMetricSample.objects.all()}
    assert set(sample) == set(sampled.id)
    for row in sampled.itertuples():
        s = sample[row.id]
        assert (s.date, s.segment_priority, s.self_rated, s.score) == (row.day, row.segment, row.self_rated, row.score)
        assert s.accuracy_score == (None if pd.isna(row.accuracy_score) else row.accuracy_score)
        assert s.response_time_hours == (None if pd.isna(row.response_time_hours) else row.response_time_hours)


@pytest.mark.parametrize("scope", SCOPES)
def test_pre_aggregated_drivers_keep_n_and_means_and_estimate_rho_within_the_stated_error(dataset, scope):
    exact = drivers.drivers(scope, exact=True)
    estimated = drivers.drivers(scope, exact=False)
    assert [g.key for g in estimated] == [g.key for g in exact]
    for e, s in zip(exact, estimated, strict=True):
        assert (s.count, s.avg_score) == (e.count, e.avg_score)
        for de, ds in zip(e.drivers, s.drivers, strict=True):
            assert ds.sampled and ds.n == de.n
            assert ds.mean == (None if de.mean is None else pytest.approx(de.mean, rel=1e-12))
            if ds.correlation.enough_data:
                # The reading says it is an estimate and how close; here the exact rho is known to check it.
                assert "1-in-16 sample" in ds.correlation.reading_en and "1/16 抽样" in ds.correlation.reading_zh
                assert abs(ds.correlation.rho - de.correlation.rho) <= ds.rho_margin * 1.5


def test_the_size_of_the_scope_decides_the_path(dataset, monkeypatch):
    assert not drivers.drivers(Scope())[0].drivers[1].sampled
    monkeypatch.setattr(drivers, "EXACT_LIMIT", 100)
    assert drivers.drivers(Scope())[0].drivers[1].sampled
    small = Scope(start=START, end=START)  # a day holds fewer than 100 records: still exact
    assert not drivers.drivers(small)[0].drivers[1].sampled


def test_query_counts(dataset, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        drivers.drivers(Scope(), exact=True)
    with django_assert_max_num_queries(4):
        drivers.drivers(Scope(), exact=False)


def test_stated_error_holds_on_random_data():
    """Over 300 random data sets of 8,000 pairs (ties like the real columns), the exact rho lies inside the
    sample's stated 95% interval about 95% of the time, and never far outside."""
    rng = np.random.default_rng(5)
    inside, trials, worst = 0, 300, 0.0
    ids = np.arange(1, 8001)
    mask = np.array([submetrics.in_sample(int(i)) for i in ids])
    for t in range(trials):
        strength = rng.uniform(-0.9, 0.9)
        latent = rng.normal(size=ids.size)
        score = np.clip(np.round(3.8 + 0.9 * latent, 1), 1, 5)
        noise = rng.normal(size=ids.size)
        x = strength * latent + np.sqrt(1 - strength**2) * noise
        x = np.clip(np.rint(3 + x), 1, 5) if t % 2 else np.round(np.exp(x), 2)  # integer scores or skewed hours
        full = sps.spearmanr(x, score).statistic
        est, margin = drivers.sampled_correlation(x[mask], score[mask], what="x", what_zh="x")
        inside += abs(est.rho - full) <= margin
        worst = max(worst, abs(est.rho - full) / margin)
    assert inside / trials >= 0.93
    assert worst < 2.0


def test_rho_margin_matches_fisher_z_by_hand():
    # rho 0.5, n 403: z = atanh(0.5) = 0.549306, se = sqrt(1.125 / 400) = 0.053033; upper tanh(0.653249) = 0.574…
    margin = drivers.rho_margin(0.5, 403)
    assert margin == pytest.approx(0.5 - np.tanh(np.arctanh(0.5) - 1.959964 * np.sqrt(1.125 / 400)), rel=1e-6)
    assert drivers.rho_margin(0.5, 3) is None and drivers.rho_margin(1.0, 100) is None


@pytest.fixture
def p1_customer(db):
    customer = CustomerFactory()
    ContactFactory(customer=customer, contact_priority=1)
    return customer


def _day_row(day):
    return DailySubMetricStat.objects.filter(date=day).values_list(
        "segment_priority", "records", "accuracy_n", "accuracy_sum"
    )


def test_recording_feedback_updates_the_day_on_commit(p1_customer, service_types, django_capture_on_commit_callbacks):
    when = dt.datetime(2025, 5, 4, 23, 50, tzinfo=TZ)
    with django_capture_on_commit_callbacks(execute=True):
        record_satisfaction(customer=p1_customer, service_type="data_analysis", score="4.5", accuracy_score=4,
                            created_at=when)  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        record, _ = record_satisfaction(customer=p1_customer, service_type="data_analysis", score="2.0",
                                        accuracy_score=2, created_at=when)  # fmt: skip
    assert list(_day_row(dt.date(2025, 5, 4))) == [(1, 2, 2, 6)]
    in_sample = set(SubMetricSample.objects.values_list("record_id", flat=True))
    assert in_sample == {r.pk for r in SatisfactionRecord.objects.all() if submetrics.in_sample(r.pk)}


def test_segment_change_moves_the_customer_and_the_rebuild_repairs(
    p1_customer, service_types, django_capture_on_commit_callbacks
):
    when = dt.datetime(2025, 6, 1, 12, tzinfo=TZ)
    with django_capture_on_commit_callbacks(execute=True):
        record_satisfaction(customer=p1_customer, service_type="data_analysis", score="4.0", accuracy_score=3,
                            created_at=when)  # fmt: skip
    Contact.objects.filter(customer=p1_customer).update(contact_priority=4)  # behind the services' back
    assert list(_day_row(when.date())) == [(1, 1, 1, 3)]  # stale until recomputed …
    analytics_tasks.recompute_customer_snapshots(p1_customer.pk)
    assert list(_day_row(when.date())) == [(4, 1, 1, 3)]
    DailySubMetricStat.objects.all().delete()
    call_command("rebuild_snapshots", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert list(_day_row(when.date())) == [(4, 1, 1, 3)]


def test_the_widget_says_when_rho_is_an_estimate(dataset, client, manager_user, monkeypatch):
    from django.core.cache import cache
    from django.urls import reverse

    client.force_login(manager_user)
    params = {"preset": "custom", "start": START.isoformat(), "end": (START + dt.timedelta(days=DAYS)).isoformat()}
    url = reverse("analytics:widget", args=["drivers"])
    cache.clear()
    assert 'data-testid="rho-margin"' not in client.get(url, params).content.decode()
    monkeypatch.setattr(drivers, "EXACT_LIMIT", 100)
    cache.clear()
    assert 'data-testid="rho-margin"' in client.get(url, params).content.decode()
