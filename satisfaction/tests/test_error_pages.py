"""Error pages and the audit-log admin in both languages: no bare English "403 Forbidden"."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _chinese(client: Client) -> Client:
    client.cookies["django_language"] = "zh-hans"
    return client


def test_a_page_the_role_does_not_allow_is_refused_in_chinese(client, staff_user):
    client.force_login(staff_user)
    response = _chinese(client).get(reverse("analytics:report"))
    html = response.content.decode()
    assert response.status_code == 403
    assert "无权访问" in html and "Forbidden" not in html


def test_a_missing_page_in_both_languages(client, manager_user, settings):
    settings.DEBUG = False
    client.force_login(manager_user)
    html = _chinese(client).get("/alerts/999999/").content.decode()
    assert "页面不存在" in html and "Not Found" not in html
    client.cookies["django_language"] = "en"
    assert "Page not found" in client.get("/alerts/999999/").content.decode()


def test_the_server_error_page_stands_alone_in_the_readers_language(settings):
    from django.template.loader import get_template
    from django.utils import translation

    with translation.override("zh-hans"):
        html = get_template("500.html").render()
    assert "出错了" in html and "返回首页" in html


def test_a_refused_form_says_why_in_chinese(manager_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager_user)
    response = _chinese(client).post(reverse("watchlist-add"), {"customer": 1})
    assert response.status_code == 403
    assert "无法校验该表单" in response.content.decode()


def test_audit_log_headers_in_chinese(client, admin_user):
    client.force_login(admin_user)
    html = _chinese(client).get("/admin/auditlog/logentry/").content.decode()
    assert "关联 ID" in html and "资源" in html
    assert "Correlation ID" not in html and ">Resource<" not in html
