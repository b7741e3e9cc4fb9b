"""Topic pre-aggregates: kept in step by the hooks, equal to the direct query, and to an independent pandas count."""

import datetime as dt
import random
from decimal import Decimal

import pandas as pd
import pytest
from django.utils import timezone
from scipy import stats as sps

from analytics.lib import snapshots
from analytics.lib.metrics import Scope, local_today
from analytics.lib.topics import topic_rows
from analytics.models import DailyTextStat, DailyTopicStat
from satisfaction.crm.services import contact_create
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.feedback.services import record_satisfaction, record_update
from satisfaction.tests import factories as f
from satisfaction.text.models import RecordTopic, TextAnalysis, Topic
from satisfaction.text.services import text_analyse_records, text_rebuild

pytestmark = pytest.mark.django_db

TEXTS = [
    "律师回复太慢，等了三天", "Slow reply, waited a week", "报告很完整，谢谢", "Excellent work, very accurate",
    "费用太高，发票也开错了", "The invoice was wrong and the price too high", "态度很差，不耐烦", "Rude staff",
    "非常满意", "OK", "", "数据有误，结论不准确", "Had to call back three times, nobody followed up",
    "流程太复杂，转了好几个部门", "回复慢但是很专业", "👍", "Great expertise but slow to answer 回复慢",
]  # fmt: skip
SCORES = [Decimal(s) / 10 for s in range(10, 51)]
SERVICES = ("data_analysis", "legal_consultation", "document_review")


def _scopes():
    today = local_today()
    return [
        Scope.last_days(30),
        Scope.last_days(7),
        Scope.last_days(30, service_types=("legal_consultation",)),
        Scope.last_days(30, segment_priority=1),
        Scope.last_days(60, segment_priority=0, include_self_rated=True),
        Scope(start=today - dt.timedelta(days=45), end=today - dt.timedelta(days=10), service_types=SERVICES[:2]),
    ]


def assert_same(scopes=None):
    for scope in scopes or _scopes():
        assert topic_rows(scope, source="snapshots") == topic_rows(scope, source="raw"), scope


@pytest.fixture
def voices(service_types):
    """About 150 records over 60 days: four customers in different segments, three services, some self-rated."""
    rng = random.Random(15)
    customers = [f.CustomerFactory(name=f"Voice {i}") for i in range(4)]
    for customer, priority in zip(customers, (1, 3, 1), strict=False):  # the fourth has no contacts
        f.ContactFactory(customer=customer, contact_priority=priority)
    for _ in range(150):
        f.RecordFactory(
            customer=rng.choice(customers),
            service_type=service_types[rng.choice(SERVICES)],
            feedback=rng.choice(TEXTS),
            score=rng.choice(SCORES),
            self_rated=rng.random() < 0.1,
            created_at=timezone.now() - dt.timedelta(days=rng.uniform(0, 60)),
        )
    text_rebuild()  # its after-rebuild hook fills the text pre-aggregates
    snapshots.rebuild_all()  # the records were saved directly, not through the service: fill the daily ones
    return {"customers": customers, "rng": rng}


def test_the_rebuild_fills_the_pre_aggregates_and_they_answer_like_the_records(voices):
    assert DailyTopicStat.objects.exists() and DailyTextStat.objects.exists()
    mentions = RecordTopic.objects.filter(record__self_rated=False).count()
    assert sum(DailyTopicStat.objects.filter(self_rated=False).values_list("count", flat=True)) == mentions
    assert_same()


def test_the_text_rebuild_alone_rebuilds_the_topic_rows_since_a_day(voices):
    DailyTopicStat.objects.all().delete()
    since = local_today() - dt.timedelta(days=20)
    snapshots.rebuild_texts(since=since)
    assert DailyTopicStat.objects.exists() and not DailyTopicStat.objects.filter(date__lt=since).exists()
    recent = Scope(start=since, end=local_today())
    assert topic_rows(recent, compare=False, source="snapshots") == topic_rows(recent, compare=False, source="raw")
    # Rows before `since` are left alone: a full rebuild restores them.
    snapshots.rebuild_texts()
    assert_same()


def test_writes_through_the_services_keep_the_pre_aggregates_equal(voices, django_capture_on_commit_callbacks):
    rng, customers = voices["rng"], voices["customers"]
    records = list(SatisfactionRecord.objects.order_by("pk"))
    with django_capture_on_commit_callbacks(execute=True):
        for record in rng.sample(records, 12):  # new words and new scores: analysis and buckets follow
            record_update(record=record, data={"feedback": rng.choice(TEXTS), "score": rng.choice(SCORES)})
        for _ in range(8):
            record_satisfaction(
                customer=rng.choice(customers),
                service_type=rng.choice(SERVICES),
                score=str(rng.choice(SCORES)),
                feedback=rng.choice(TEXTS),
                created_at=timezone.now() - dt.timedelta(days=rng.uniform(0, 30)),
            )
    assert_same()
    # A contact for the customer without one moves its records to segment 2: the topic rows move with them.
    with django_capture_on_commit_callbacks(execute=True):
        contact_create(customer=customers[3], name="New contact", contact_priority=2)
    assert_same([*_scopes(), Scope.last_days(60, segment_priority=2)])
    assert topic_rows(Scope.last_days(60, segment_priority=0), source="snapshots") == topic_rows(
        Scope.last_days(60, segment_priority=0), source="raw"
    )


def test_a_reanalysis_after_a_topic_gains_a_keyword_is_followed(voices, django_capture_on_commit_callbacks):
    scope = Scope.last_days(30)
    before = {r.code: r.count for r in topic_rows(scope, source="snapshots")}
    topic = Topic.objects.get(code="staff_attitude")
    topic.keywords_en += "\nok"
    topic.save()
    with django_capture_on_commit_callbacks(execute=True):
        text_analyse_records(
            record_ids=list(SatisfactionRecord.objects.filter(feedback="OK").values_list("pk", flat=True))
        )
    after = {r.code: r.count for r in topic_rows(scope, source="snapshots")}
    assert after["staff_attitude"] > before["staff_attitude"]
    assert_same()


def test_deleted_records_and_topics_leave_the_pre_aggregates(voices):
    gone = list(SatisfactionRecord.objects.filter(service_type__code="legal_consultation").order_by("pk")[:20])
    days = {timezone.localtime(r.created_at).date() for r in gone}
    SatisfactionRecord.objects.filter(pk__in=[r.pk for r in gone]).delete()
    for day in days:  # what the day recompute (and the nightly rebuild) does for rows deleted outside a service
        snapshots.recompute_day(day=day)
    assert_same()
    Topic.objects.filter(code="response_speed").delete()
    assert not DailyTopicStat.objects.filter(topic__code="response_speed").exists()
    assert_same()
    Topic.objects.filter(code="price_billing").update(active=False)
    assert "price_billing" not in {r.code for r in topic_rows(Scope.last_days(30))}
    assert_same()


def test_a_customer_scope_reads_the_records(voices):
    # The pre-aggregates have no customer dimension: a customer's topics come from its records.
    customer = voices["customers"][0]
    scope = Scope.last_days(30, customer_id=customer.pk)
    with pytest.raises(ValueError, match="customer"):
        topic_rows(scope, source="snapshots")
    direct = topic_rows(scope)
    assert direct == topic_rows(scope, source="raw")
    records, mentions = _frame(scope)
    mine = records[records["customer_id"] == customer.pk]
    assert sum(r.count for r in direct) == int(mentions["record_id"].isin(mine["pk"]).sum())


def _frame(scope: Scope) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counted records of the scope with their analysis, and their topic mentions, as plain tables."""
    tz = timezone.get_current_timezone()
    records = pd.DataFrame(
        SatisfactionRecord.objects.values(
            "pk", "customer_id", "score", "feedback", "self_rated", "created_at", "service_type__code",
            "text_analysis__language", "text_analysis__sentiment",
        )
    )  # fmt: skip
    records["day"] = records["created_at"].map(lambda t: t.astimezone(tz).date())
    records["score"] = records["score"].astype(float)
    keep = (records["day"] >= scope.start) & (records["day"] <= scope.end) & ~records["self_rated"]
    records = records[keep]
    mentions = pd.DataFrame(RecordTopic.objects.values("record_id", "topic__code"))
    mentions = mentions[mentions["record_id"].isin(records["pk"])]
    return records, mentions


def test_the_pre_aggregate_matches_an_independent_pandas_computation(voices):
    scope = Scope.last_days(30)
    records, mentions = _frame(scope)
    analysed = records["text_analysis__language"].notna() & (
        (records["feedback"] != "") | (records["text_analysis__language"] != "other")
    )
    texts = int(analysed.sum())
    rows = {r.code: r for r in topic_rows(scope, source="snapshots")}
    checked = 0
    for code, group in mentions.groupby("topic__code"):
        mentioning = records[records["pk"].isin(group["record_id"])]
        rest = records[~records["pk"].isin(group["record_id"])]
        row = rows[code]
        assert row.count == len(mentioning)
        assert row.share == pytest.approx(len(mentioning) / texts)
        assert row.negative_share == pytest.approx((mentioning["text_analysis__sentiment"] == "negative").mean())
        assert row.avg_score == pytest.approx(mentioning["score"].mean())
        assert row.avg_score_without == pytest.approx(rest["score"].mean())
        if len(mentioning) >= 5 and len(rest) >= 5 and row.difference.p_value is not None:
            expected = sps.ttest_ind(mentioning["score"], rest["score"], equal_var=False)
            assert row.difference.p_value == pytest.approx(expected.pvalue)
            checked += 1
    assert checked >= 3
    previous = Scope(start=scope.start - dt.timedelta(days=30), end=scope.start - dt.timedelta(days=1))
    p_records, p_mentions = _frame(previous)
    p_texts = int(
        (
            p_records["text_analysis__language"].notna()
            & ((p_records["feedback"] != "") | (p_records["text_analysis__language"] != "other"))
        ).sum()
    )
    for code, row in rows.items():
        p_count = int((p_mentions["topic__code"] == code).sum())
        assert row.previous_count == p_count
        assert row.share_change == pytest.approx(row.share - p_count / p_texts)
    assert TextAnalysis.objects.count() == SatisfactionRecord.objects.count()
