"""No English on Chinese pages: a manager walks every page in Chinese, list and detail pages, on data that makes
each kind of generated text appear (alerts with evidence, watch-list reasons, suggestions, import row errors, the
report's tests and charts), and the scan finds no Latin word outside codes, abbreviations and names."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone, translation

from analytics.tests.test_comparison import make_group
from satisfaction.alerts.models import SatisfactionAlert, WatchlistEntry
from satisfaction.alerts.watchlist import watchlist_add_by_rule
from satisfaction.crm.models import Contact, Customer
from satisfaction.helpdesk.models import Complaint, ServiceTicket
from satisfaction.imports.services import import_job_create, import_job_run
from satisfaction.tests import factories as f
from tests.browser.scan import english_words, visible_text

pytestmark = pytest.mark.django_db(transaction=True)

# Every page a manager reaches, detail pages included ({…} filled from the data below).
PAGES = [
    "/analytics/", "/analytics/report/", "/analytics/path/", "/analytics/agents/",
    "{agent}", "/analytics/subscriptions/", "/analytics/topics/{topic}/",
    "/analytics/records/?band=dissatisfied&service_type=legal_consultation&segment=1",
    "/alerts/", "/alerts/{sla_alert}/", "/alerts/{decline_alert}/", "/watchlist/", "/suggestions/",
    "/measures/", "/measures/{measure}/", "/tasks/mine/", "/customers/", "/customers/{customer}/",
    "/customers/{customer}/surveys/", "/imports/", "/imports/{import_job}/", "/recovery/", "/themes/",
    "/surveys/campaigns/", "/ops/jobs/", "/feedback/new/",
]  # fmt: skip

COMMENT = "无法登录客户门户，下载季度报告太慢"
ERRORS_CSV = "记录ID,客户ID,服务类型,评分,反馈内容\nFB-1,C-404,数据分析,6,好\nFB-1,C-404,占星术,4.25,好\n"


@pytest.fixture
def chinese_data(service_types, manager_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    make_group(1, follow=0.6, sat_follow=(1, 2, 3))
    make_group(3, n_t=80, n_c=50, esc=0.2)
    customer = f.CustomerFactory(name="华龙控股", external_id="C-1")
    f.ContactFactory(customer=customer, contact_priority=1)
    now = timezone.now()
    for days, score, code in ((1, "2.0", "legal_consultation"), (2, "1.5", "legal_consultation"),
                              (3, "2.5", "data_analysis"), (4, "4.5", "data_analysis"), (5, "5.0", "data_analysis"),
                              (6, "4.0", "document_review")):  # fmt: skip
        f.RecordFactory(customer=customer, service_type=service_types[code], score=Decimal(score),
                        feedback=COMMENT, created_at=now - dt.timedelta(days=days))  # fmt: skip
    contract = f.ContractFactory(customer=customer, service_type=service_types["legal_consultation"])
    ServiceTicket.objects.filter(agent_name="").update(agent_name="王芳")
    Complaint.objects.create(contract=contract, filed_at=now - dt.timedelta(days=10), urgency="high",
                             response_hours=2.0, resolution_hours=None, escalated=True)  # fmt: skip
    from analytics.lib.snapshots import rebuild_all

    rebuild_all()
    call_command("evaluate_alerts", "--window-rules")
    call_command("generate_suggestions")
    sla_alert = SatisfactionAlert.objects.create(
        kind="complaint_sla", severity="high", dedupe_key="zh-sla", customer=customer, value=80.5, threshold=72,
        evidence={"stage": "resolution", "urgency": "high", "sla_hours": 72, "hours": 80.5},
        message_en="Complaint over its resolution SLA", message_zh="投诉超出解决时限",
    )  # fmt: skip
    decline_alert = SatisfactionAlert.objects.create(
        kind="customer_decline", severity="medium", dedupe_key="zh-decline", customer=customer, value=2.0,
        threshold=3.5, message_en="Scores falling", message_zh="评分下降",
        evidence={"window": 3, "recent_mean": 2.0, "previous_mean": 4.5, "drop": 2.5, "recent_scores": [2.0, 1.5, 2.5]},
    )  # fmt: skip
    WatchlistEntry.objects.filter(customer=customer).delete()
    watchlist_add_by_rule(
        customer_id=customer.pk, reason=WatchlistEntry.Reason.RISK,
        details={"score": 58.0, "threshold": 50.0, "reasons": [
            {"factor": "low_scores", "params": {"units": 3.0, "low": 3.5, "days": 90, "w": 5}},
            {"factor": "escalations", "params": {"units": 1.0, "low": 3.5, "days": 90, "w": 5}},
        ]},
    )  # fmt: skip
    measure = f.MeasureFactory(owner=manager_user, title="法律咨询回访计划")
    f.TaskFactory(measure=measure, title="逐一回访优先级 1 客户", assignee=manager_user)
    with translation.override("zh-hans"):
        job = import_job_create(kind="feedback", file=ContentFile(ERRORS_CSV.encode("utf-8-sig"), name="反馈.csv"),
                                created_by=manager_user)  # fmt: skip
    import_job_run(job_id=job.pk)
    return {
        "customer": customer.pk, "sla_alert": sla_alert.pk, "decline_alert": decline_alert.pk, "measure": measure.pk,
        "import_job": job.pk, "topic": "response_speed",
    }  # fmt: skip


def _names() -> list[str]:
    """Names from the data: customers, their industries and contacts, the people handling tickets, the users (the
    factories name them in Latin letters, as a real CRM may)."""
    people = ServiceTicket.objects.values_list("agent_name", flat=True).distinct()
    users = [u for name in ("manager", "staff", "admin") for u in (name, f"{name}_member")]
    customers = [value for row in Customer.objects.values_list("name", "industry") for value in row if value]
    return [*customers, *Contact.objects.values_list("name", flat=True), *people, *users]


def test_chinese_pages_show_no_english(page, live_server, login, manager_user, chinese_data):
    login(manager_user)
    page.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": live_server.url}])
    allow = [*_names(), manager_user.get_full_name(), manager_user.get_username()]
    # An agent's page is reached from the agents table (its key is the table's business).
    page.goto(f"{live_server.url}/analytics/agents/")
    agent = page.locator("a[href^='/analytics/agents/']").first.get_attribute("href").split("?")[0]
    found = {}
    for path in PAGES:
        path = path.format(**chinese_data, agent=agent)
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.lang") == "zh-hans", path
        words = english_words(visible_text(page), allow)
        if words:
            found[path] = sorted(set(words))
    assert found == {}
