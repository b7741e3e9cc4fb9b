"""The report's topic comparison: chi-square per topic and Benjamini–Hochberg, against scipy; page and bundle."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse
from scipy import stats as sps

from analytics.lib.stats import bh_q_values
from analytics.quality.report import write_bundle
from analytics.quality.topics import topic_comparison
from satisfaction.tests import factories as f
from satisfaction.text.services import text_rebuild


def test_benjamini_hochberg_matches_scipy_and_skips_missing():
    p = [0.01, 0.04, 0.03, 0.2, 0.005]
    assert bh_q_values(p) == pytest.approx(list(sps.false_discovery_control(p, method="bh")))
    assert bh_q_values([0.01, None, 0.04]) == pytest.approx([0.02, None, 0.04])  # a family of two
    assert bh_q_values([]) == []


@pytest.fixture
def comments(db, service_types):
    p1 = f.CustomerFactory(name="P1")
    f.ContactFactory(customer=p1, contact_priority=1)
    rest = f.CustomerFactory(name="Rest")
    f.ContactFactory(customer=rest, contact_priority=3)
    # Segment: 15 of 20 comments about repeated follow-ups; rest: 2 of 30. Both: 5 about price.
    for i in range(20):
        text = "第二次跟进了还是没有解决" if i < 15 else "服务很好"
        f.RecordFactory(customer=p1, feedback=text + (" 费用太贵" if i < 5 else ""), score=Decimal("2.5"))
    for i in range(30):
        text = "We had to chase them again" if i < 2 else "Great staff"
        f.RecordFactory(customer=rest, feedback=text + (" but expensive" if i < 5 else ""), score=Decimal("4.5"))
    f.RecordFactory(customer=rest, feedback="", score=Decimal("4"))  # no text: not in the comparison
    text_rebuild()


def test_each_topic_is_tested_like_scipy_and_corrected_across_topics(comments):
    rows = {r.code: r for r in topic_comparison(priority=1)}
    follow = rows["follow_up"]
    assert (follow.segment_mentions, follow.segment_texts, follow.rest_mentions, follow.rest_texts) == (15, 20, 2, 30)
    expected = sps.chi2_contingency([[15, 5], [2, 28]], correction=False)
    assert follow.test.p_value == pytest.approx(expected.pvalue)
    tested = [r for r in rows.values() if r.test.enough_data]
    adjusted = sps.false_discovery_control([r.test.p_value for r in tested], method="bh")
    assert [r.p_adjusted for r in tested] == pytest.approx(list(adjusted))
    assert follow.significant and follow.quotes and all("跟进" in q for q in follow.quotes)
    # The contrary case: price is mentioned as often in both groups (5/20 vs 5/30 is not a difference).
    price = rows["price_billing"]
    assert (price.segment_mentions, price.rest_mentions) == (5, 5)
    assert not price.significant and price.quotes == ()
    # A topic nobody mentions has no test and no adjusted p.
    assert rows["process_handover"].p_adjusted is None and not rows["process_handover"].significant


def test_report_page_and_bundle_carry_the_comparison(comments, client, manager_user, staff_user, tmp_path):
    client.force_login(manager_user)
    html = client.get(reverse("analytics:report")).content.decode()
    assert 'data-testid="report-topics"' in html and 'data-topic="follow_up"' in html
    client.force_login(staff_user)
    assert client.get(reverse("analytics:report")).status_code == 403
    write_bundle(tmp_path, priority=1, lang="zh-hans")
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    follow = next(t for t in data["topics"] if t["code"] == "follow_up")
    assert follow["significant"] is True and follow["segment_mentions"] == 15
    markdown = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "客户反馈主题" in markdown and "重复跟进" in markdown and "Benjamini–Hochberg" in markdown
