"""New themes: the comments no topic covers are clustered into themes a manager can name and keep as topics."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from satisfaction.tests import factories as f
from satisfaction.text.discovery import discover_themes
from satisfaction.text.models import RecordTopic, Topic
from satisfaction.text.services import text_analyse_records, topic_keep

pytestmark = pytest.mark.django_db

PORTAL = [
    "Could not log in to the client portal to download the files.",
    "The client portal login fails every time, no download possible.",
    "客户门户登录不了，文件下载失败。",
    "门户网站一直登录不了，下载文件很麻烦。",
]
INVOICE_ADDRESS = [
    "Please send the paperwork to our Shanghai office address.",
    "The paperwork went to our old office address.",
]
COVERED = ["The lawyer was very slow to reply.", "报告有错误，数据不准确。"]  # response speed, accuracy


def _comments(texts, n, score="2.0"):
    customer = f.CustomerFactory()
    at = timezone.now() - dt.timedelta(days=3)
    records = [
        f.RecordFactory(customer=customer, feedback=texts[i % len(texts)], score=Decimal(score), created_at=at)
        for i in range(n)
    ]
    text_analyse_records(record_ids=[r.pk for r in records])
    return records


def _portal(themes, zh=False):
    return next(t for t in themes if ("门户" in "".join(t.terms)) == zh and ("portal" in t.terms or zh))


def test_themes_are_found_in_the_comments_no_topic_covers():
    _comments(PORTAL, 40)
    _comments(INVOICE_ADDRESS, 30, score="3.0")
    _comments(COVERED, 40)
    themes = discover_themes()
    # Chinese and English comments share no terms: the portal problem is one theme per language.
    portal_en, portal_zh = _portal(themes), _portal(themes, zh=True)
    address = [t for t in themes if "paperwork" in t.terms]  # its two phrasings may come out as two themes
    assert portal_en is not portal_zh and len(themes) == 2 + len(address)
    # Every comment lands in its theme, and the covered ones are not clustered at all.
    assert (portal_en.comments, portal_zh.comments, sum(t.comments for t in address)) == (20, 20, 30)
    assert portal_en.avg_score == pytest.approx(2.0) and {t.avg_score for t in address} == {3.0}
    assert {"portal", "download"} <= set(portal_en.terms_en) and {"登录", "下载"} <= set(portal_zh.terms_zh)


def test_too_few_unmatched_comments_give_no_theme():
    _comments(PORTAL, 10)
    _comments(COVERED, 60)
    assert discover_themes() == []


def test_a_kept_theme_becomes_a_topic_and_leaves_the_new_themes(django_capture_on_commit_callbacks):
    records = _comments(PORTAL, 40)
    _comments(INVOICE_ADDRESS, 30)
    themes = discover_themes()
    with django_capture_on_commit_callbacks(execute=True):
        topic = topic_keep(terms=_portal(themes).terms, label_en="Client portal", label_zh="客户门户")
    assert (topic.code, topic.kind, topic.keywords_zh) == ("client_portal", Topic.Kind.DISCOVERED, "")
    assert RecordTopic.objects.filter(topic=topic, record__in=records).count() == 20  # the English ones
    with django_capture_on_commit_callbacks(execute=True):
        topic = topic_keep(terms=_portal(discover_themes(), zh=True).terms, add_to="client_portal")
    assert "portal" in topic.keywords_en.split("\n") and "登录" in topic.keywords_zh.split("\n")
    # The recent unmatched comments were analysed again: every portal comment now mentions the topic.
    assert RecordTopic.objects.filter(topic=topic, record__in=records).count() == 40
    left = discover_themes()
    assert left and not {"portal", "门户", "登录"} & {term for t in left for term in t.terms}
    with pytest.raises(ValidationError) as exc:
        topic_keep(terms=["x"], label_en="Client portal", label_zh="客户门户")
    assert set(exc.value.message_dict) == {"code"}
    with pytest.raises(ValidationError) as exc:
        topic_keep(terms=[], add_to="nope")
    assert set(exc.value.message_dict) == {"terms", "add_to"}


def test_the_page_and_the_api(client, manager_user, staff_user, manager, django_capture_on_commit_callbacks):
    _comments(PORTAL, 40)
    client.force_login(staff_user)
    assert client.get("/themes/").status_code == 403
    client.force_login(manager_user)
    page = client.get("/themes/").content.decode()
    assert page.count('data-testid="theme"') == 2 and 'data-metric="theme.comments" data-value="20"' in page
    listed = manager.get("/api/v1/themes/")
    assert listed.status_code == 200 and [t["comments"] for t in listed.json()] == [20, 20]
    first, second = (t["terms"] for t in listed.json())
    with django_capture_on_commit_callbacks(execute=True):
        kept = manager.post(
            "/api/v1/themes/keep/", {"terms": first, "label_en": "Portal", "label_zh": "门户"}, format="json"
        )
    assert kept.status_code == 201 and kept.json()["kind"] == "discovered"
    again = manager.post(
        "/api/v1/themes/keep/", {"terms": first, "label_en": "Portal", "label_zh": "门户"}, format="json"
    )
    assert again.status_code == 400 and "code" in again.json()
    response = client.post("/themes/keep/", {"terms": ["x"], "label_en": "", "label_zh": ""})
    assert response.status_code == 302 and Topic.objects.filter(kind="discovered").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/themes/keep/", {"terms": second, "add_to": "portal"})
    assert "No new themes" in client.get("/themes/").content.decode()
