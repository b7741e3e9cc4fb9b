"""Chinese pages show labels, not codes: report chart categories, the drill-down's filters, the segment choices,
and numbers grouped by thousands as in English."""

import pytest
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from analytics.quality.comparison import segment_comparison
from analytics.tests.test_comparison import make_group
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def groups(db):
    return make_group(1, follow=0.6, sat_follow=(1, 2, 3)), make_group(3, n_t=80, n_c=50, esc=0.2)


def test_distribution_categories_are_choice_labels_in_the_readers_language(groups):
    c = segment_comparison(priority=1)
    with translation.override("zh-hans"):
        assert c.distribution("urgency").category_labels == ["高", "中", "低"]
        assert c.distribution("handling_speed").category_labels == ["快", "一般", "慢"]
        # Scores are numbers in every language.
        assert c.distribution("tickets_satisfaction").category_labels == ["1", "2", "3", "4", "5"]
    with translation.override("en"):
        assert c.distribution("handling_speed").category_labels == ["Fast", "Normal", "Slow"]
    # The codes stay the data (CSV, JSON).
    assert c.distribution("handling_speed").categories == ("fast", "normal", "slow")


def test_the_report_page_charts_name_categories_in_chinese(client, manager_user, groups):
    client.force_login(manager_user)
    client.cookies["django_language"] = "zh-hans"
    response = client.get(reverse("analytics:report"))
    configs = {c["id"]: c["config"] for c in response.context["charts"]}
    assert configs["chart-dist-urgency"]["data"]["labels"] == ["高", "中", "低"]
    assert configs["chart-dist-handling_speed"]["data"]["labels"] == ["快", "一般", "慢"]
    html = response.content.decode()
    assert '"labels": ["fast"' not in html and '"labels": ["high"' not in html


def test_the_drilldown_header_names_service_segment_and_band(client, manager_user, service_types):
    f.RecordFactory(service_type=service_types["legal_consultation"], score=2)
    client.force_login(manager_user)
    client.cookies["django_language"] = "zh-hans"
    query = "band=dissatisfied&service_type=legal_consultation&segment=1"
    html = client.get(f"{reverse('analytics:records')}?{query}").content.decode()
    header = html.split('data-testid="drilldown-scope"')[1].split(">", 1)[1].split("</p>")[0]
    assert service_types["legal_consultation"].name_zh in header
    assert "优先级 1" in header and "不满意（< 3）" in header.replace("&lt;", "<")
    for code in ("legal_consultation", "P1", "dissatisfied"):
        assert code not in header


def test_segment_choices_follow_the_request_language(client, manager_user):
    client.force_login(manager_user)
    client.cookies["django_language"] = "zh-hans"
    html = client.get(reverse("analytics:dashboard")).content.decode()
    assert '<option value="1" >优先级 1</option>' in html and "Priority 1" not in html
    client.cookies["django_language"] = "en"
    assert "Priority 1" in client.get(reverse("analytics:dashboard")).content.decode()


def test_thousands_are_grouped_in_chinese_as_in_english():
    template = Template("{% load humanize %}{{ n|intcomma }} {{ x|floatformat:'1g' }}")
    for language in ("en", "zh-hans"):
        with translation.override(language):
            assert intcomma(1234567) == "1,234,567"
            assert template.render(Context({"n": 1000000, "x": 12345.67})) == "1,000,000 12,345.7"


def test_chinese_captions_name_both_groups_in_chinese(groups):
    c = segment_comparison(priority=1)
    for dist in c.distributions:
        assert dist.test.reading_zh.startswith("比较优先级 1、其他客户的"), dist.field
        assert "Priority" not in dist.test.reading_zh and "other customers" not in dist.test.reading_zh
    assert "Priority 1" in c.distribution("urgency").test.reading_en
