"""Topics over a scope (API, widget, drill-down), checked against an independent computation with scipy."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from scipy import stats as sps

from analytics.lib import snapshots
from analytics.lib.metrics import Scope, local_today
from analytics.lib.topics import topic_rows
from satisfaction.tests import factories as f
from satisfaction.text.services import text_rebuild

pytestmark = pytest.mark.django_db

BASE = "/api/v1/enterprise-satisfaction/satisfaction"

SLOW = ["律师回复太慢，等了三天", "Slow reply, waited a week", "响应太慢了", "Response time was far too slow",
        "等待时间太长，回复很慢", "The lawyer replied late again"]  # fmt: skip
OTHER = ["报告很完整，谢谢", "Excellent work", "非常满意", "Clear and accurate report", "很专业", "Great staff",
         "一般", "OK"]  # fmt: skip


def _at(days_ago):
    return timezone.now() - dt.timedelta(days=days_ago)


@pytest.fixture
def texts(service_types):
    customer = f.CustomerFactory(name="Voice Ltd")
    slow_scores = [2.0, 1.5, 3.0, 2.5, 2.0, 3.5]
    other_scores = [4.5, 5.0, 4.0, 4.5, 4.0, 5.0, 3.5, 4.0]
    for text, score in zip(SLOW, slow_scores, strict=True):
        f.RecordFactory(customer=customer, feedback=text, score=Decimal(str(score)), created_at=_at(2))
    for text, score in zip(OTHER, other_scores, strict=True):
        f.RecordFactory(customer=customer, feedback=text, score=Decimal(str(score)), created_at=_at(3))
    f.RecordFactory(customer=customer, feedback="", score=Decimal("4.0"), created_at=_at(3))  # no text
    f.RecordFactory(customer=customer, feedback="回复太慢", score=Decimal("2.0"), created_at=_at(40))  # previous period
    text_rebuild()
    snapshots.rebuild_all()  # the records were saved directly, not through the service: fill the daily snapshots
    return {"customer": customer, "slow": slow_scores, "other": [*other_scores, 4.0]}


def test_topic_rows_match_an_independent_computation(texts):
    rows = {r.code: r for r in topic_rows(Scope.last_days(30))}
    speed = rows["response_speed"]
    assert speed.count == 6
    assert speed.share == pytest.approx(6 / 14)  # 14 analysed texts; the empty one is not a text
    assert speed.avg_score == pytest.approx(sum(texts["slow"]) / 6)
    assert speed.avg_score_without == pytest.approx(sum(texts["other"]) / 9)  # the empty-text record is included
    expected = sps.ttest_ind(texts["slow"], texts["other"], equal_var=False)
    assert speed.difference.p_value == pytest.approx(expected.pvalue)
    assert speed.difference.diff < 0 and speed.difference.significant()
    assert speed.negative_share == pytest.approx(1.0)
    assert speed.previous_count == 1 and speed.previous_share == pytest.approx(1.0)
    assert speed.share_change == pytest.approx(6 / 14 - 1.0)


def test_a_topic_nobody_mentions_has_no_score_and_missing_is_not_zero(texts):
    rows = {r.code: r for r in topic_rows(Scope.last_days(30))}
    price = rows["price_billing"]
    assert price.count == 0 and price.avg_score is None and price.negative_share is None
    assert not price.difference.enough_data
    empty_scope = Scope(start=local_today() - dt.timedelta(days=400), end=local_today() - dt.timedelta(days=370))
    assert all(r.share is None and r.count == 0 for r in topic_rows(empty_scope))


def test_api_analytics_and_dashboard_carry_topics(texts, manager, staff):
    for endpoint in ("analytics", "dashboard"):
        body = manager.get(f"{BASE}/{endpoint}").json()
        speed = next(t for t in body["topics"] if t["code"] == "response_speed")
        assert speed["label_zh"] == "响应速度" and speed["count"] == 6
        assert {"share", "negative_share", "avg_score", "avg_score_without", "difference", "share_change"} <= set(speed)
        assert staff.get(f"{BASE}/{endpoint}").status_code == 403


def test_widget_shows_topics_in_both_languages_and_links_the_comments(texts, client, manager_user):
    client.force_login(manager_user)
    html = client.get(reverse("analytics:widget", args=["topics"]), headers={"HX-Request": "true"}).content.decode()
    assert "What customers say" in html and "Response speed" in html
    assert 'data-metric="topics.response_speed.count" data-value="6"' in html
    assert reverse("analytics:topic-comments", args=["response_speed"]) in html
    client.cookies["django_language"] = "zh-hans"
    html_zh = client.get(reverse("analytics:widget", args=["topics"]), headers={"HX-Request": "true"}).content.decode()
    assert "响应速度" in html_zh


def test_drilldown_lists_the_comments_with_the_matched_terms_marked(texts, client, manager_user, staff_user):
    url = reverse("analytics:topic-comments", args=["response_speed"])
    client.force_login(manager_user)
    html = client.get(url).content.decode()
    assert html.count('<li class="px-4 py-2">') == 6
    assert '<mark class="bg-amber-100">太慢</mark>' in html
    assert "Excellent work" not in html
    assert client.get(reverse("analytics:topic-comments", args=["no_such_topic"])).status_code == 404
    client.force_login(staff_user)
    assert client.get(url).status_code == 403


def test_drilldown_escapes_what_customers_typed(service_types, client, manager_user):
    f.RecordFactory(feedback="<script>x</script> 太慢", score=Decimal("2"))
    text_rebuild()
    client.force_login(manager_user)
    html = client.get(reverse("analytics:topic-comments", args=["response_speed"])).content.decode()
    assert "<script>x</script>" not in html and "&lt;script&gt;" in html


def test_customer_page_shows_the_customers_topics_by_month(texts, client, staff_user):
    other = f.CustomerFactory(name="Someone else")
    f.RecordFactory(customer=other, feedback="The invoice was wrong", score=Decimal("2"))
    text_rebuild()
    client.force_login(staff_user)
    html = client.get(reverse("customer-detail", args=[texts["customer"].pk])).content.decode()
    assert 'data-testid="customer-topics"' in html and 'data-topic="response_speed"' in html
    assert 'data-topic="price_billing"' not in html  # another customer's comment
    from analytics.customers import customer_topics

    table = customer_topics(customer_id=texts["customer"].pk)
    speed = next(r for r in table["rows"] if r["code"] == "response_speed")
    assert speed["total"] == 7  # six this month-ish and one 40 days ago, all within 12 months
    assert sum(c["negative"] for c in speed["cells"] if c) == sum(c["n"] for c in speed["cells"] if c)


def test_topics_shown_together_carry_benjamini_hochberg_q_values(texts):
    from statsmodels.stats.multitest import multipletests

    rows = topic_rows(Scope.last_days(30))
    tested = [r for r in rows if r.difference.enough_data]
    p = [r.difference.p_value for r in tested]
    _reject, q, _s, _b = multipletests(p, method="fdr_bh")
    assert [r.difference.q_value for r in tested] == pytest.approx(list(q), rel=1e-12)
    if len(tested) > 1:
        assert all("Benjamini–Hochberg" in r.difference.reading_en for r in tested)
        for r, q_value in zip(tested, q, strict=True):
            assert r.difference.significant() == (q_value < 0.05)  # the verdict goes by q
    untested = [r for r in rows if not r.difference.enough_data]
    assert all(r.difference.q_value is None for r in untested)
