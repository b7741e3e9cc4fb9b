"""Report subscriptions: one e-mail per period with the PDF attached, validation, and who may manage them."""

import datetime as dt
import io

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.urls import reverse
from pypdf import PdfReader

from analytics import subscriptions
from analytics.models import ReportDelivery, ReportSubscription
from satisfaction.crm.models import ServiceType
from satisfaction_site.celery import app

pytestmark = pytest.mark.django_db

WEDNESDAY = dt.date(2026, 12, 2)


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def subscription(manager_user):
    return subscriptions.subscription_create(
        owner=manager_user,
        data={"kind": "service_quality", "frequency": "monthly", "language": "zh-hans", "segment_priority": 2,
              "recipients": "cx@example.com, head@example.com\ncx@example.com"},
    )  # fmt: skip


@pytest.mark.parametrize(
    ("frequency", "today", "period"),
    [
        ("weekly", WEDNESDAY, (dt.date(2026, 11, 23), dt.date(2026, 11, 29))),
        ("weekly", dt.date(2026, 11, 30), (dt.date(2026, 11, 23), dt.date(2026, 11, 29))),  # a Monday: last week
        ("weekly", dt.date(2026, 11, 29), (dt.date(2026, 11, 16), dt.date(2026, 11, 22))),  # a Sunday: not yet
        ("monthly", WEDNESDAY, (dt.date(2026, 11, 1), dt.date(2026, 11, 30))),
        ("monthly", dt.date(2026, 3, 1), (dt.date(2026, 2, 1), dt.date(2026, 2, 28))),
        ("monthly", dt.date(2026, 1, 31), (dt.date(2025, 12, 1), dt.date(2025, 12, 31))),
    ],
)
def test_last_complete_period(frequency, today, period):
    assert subscriptions.last_complete_period(frequency, today) == period


def test_one_email_per_period_with_the_pdf_attached(subscription):
    assert subscription.recipient_list == ["cx@example.com", "head@example.com"]  # repeat dropped

    assert subscriptions.send_due_subscriptions(today=WEDNESDAY) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["cx@example.com", "head@example.com"]
    # The period in the one wording of pages and reports, in the subscription's language (Chinese here).
    assert "2026年11月1日 – 11月30日" in message.subject
    assert "2026年11月1日 – 11月30日" in message.body and "/analytics/subscriptions/" in message.body
    ((filename, pdf, mimetype),) = message.attachments
    assert mimetype == "application/pdf" and filename == "service-quality-p2-2026-11-01-zh-hans.pdf"
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "服务质量：优先级 2客户 对比 其他客户" in text and "2026年11月1日 – 11月30日" in "".join(text.split(" \n"))

    # The schedule runs daily: later in the same month nothing more goes out.
    assert subscriptions.send_due_subscriptions(today=WEDNESDAY) == 0
    assert subscriptions.send_due_subscriptions(today=dt.date(2026, 12, 28)) == 0
    assert len(mail.outbox) == 1
    assert ReportDelivery.objects.filter(subscription=subscription).count() == 1

    # The next period sends again.
    assert subscriptions.send_due_subscriptions(today=dt.date(2027, 1, 1)) == 1
    assert len(mail.outbox) == 2 and "2026年12月1日 – 12月31日" in mail.outbox[1].subject
    assert list(ReportDelivery.objects.values_list("period_start", flat=True).order_by("period_start")) == [
        dt.date(2026, 11, 1), dt.date(2026, 12, 1),
    ]  # fmt: skip


def test_a_failed_send_leaves_the_period_unclaimed_for_the_next_run(subscription, monkeypatch):
    def refuse(self, fail_silently=False):
        raise ConnectionRefusedError("mail server down")

    with monkeypatch.context() as m:
        m.setattr(EmailMessage, "send", refuse)
        assert subscriptions.send_due_subscriptions(today=WEDNESDAY) == 0
    assert not ReportDelivery.objects.exists()
    assert subscriptions.send_due_subscriptions(today=WEDNESDAY) == 1
    assert len(mail.outbox) == 1


def test_a_period_already_claimed_sends_nothing(subscription):
    # What a concurrent worker finds after the other committed: the unique row is there.
    ReportDelivery.objects.create(
        subscription=subscription, period_start=dt.date(2026, 11, 1), period_end=dt.date(2026, 11, 30), recipients="x"
    )
    assert subscriptions.deliver_subscription(subscription, today=WEDNESDAY) is False
    assert mail.outbox == []
    with pytest.raises(Exception):  # noqa: B017 - the database refuses the second claim itself
        ReportDelivery.objects.create(
            subscription=subscription, period_start=dt.date(2026, 11, 1), period_end=dt.date(2026, 11, 30)
        )


def test_weekly_review_in_english_for_one_service_type(manager_user):
    service_type = ServiceType.objects.get(code="legal_consultation")
    subscriptions.subscription_create(
        owner=manager_user,
        data={"kind": "review", "frequency": "weekly", "language": "en", "service_type": service_type,
              "recipients": "legal-lead@example.com"},
    )  # fmt: skip
    subscriptions.subscription_create(
        owner=manager_user, data={"kind": "review", "recipients": "paused@example.com", "is_active": False}
    )
    assert subscriptions.send_due_subscriptions(today=WEDNESDAY) == 1  # the paused one is not sent
    (message,) = mail.outbox
    assert message.to == ["legal-lead@example.com"]
    filename, pdf, _mimetype = message.attachments[0]
    assert filename == "review-weekly-2026-11-23-en.pdf"
    text = pdf_text(pdf)
    assert "Weekly satisfaction digest" in text and "23 Nov – 29 Nov 2026" in text
    assert "Legal consultation" in text


@pytest.mark.parametrize(
    ("recipients", "message"),
    [("", "at least one e-mail address"), ("cx@example.com, not-an-address", "“not-an-address” is not an e-mail")],
)
def test_recipients_must_be_addresses(manager_user, recipients, message):
    with pytest.raises(ValidationError, match=message):
        subscriptions.subscription_create(owner=manager_user, data={"recipients": recipients})
    assert not ReportSubscription.objects.exists()


def test_segment_outside_1_to_5_is_refused(manager_user):
    with pytest.raises(ValidationError) as exc:
        subscriptions.subscription_create(
            owner=manager_user, data={"recipients": "a@example.com", "segment_priority": 6}
        )
    assert "segment_priority" in exc.value.message_dict


def test_the_daily_task_fans_out_one_delivery_per_due_subscription(subscription, manager_user):
    entry = app.conf.beat_schedule["reports-subscriptions"]
    assert entry["task"] == "analytics.tasks.send_report_subscriptions"
    task = app.tasks[entry["task"]]
    paused = subscriptions.subscription_create(
        owner=manager_user, data={"recipients": "paused@example.com", "is_active": False}
    )
    assert subscriptions.due_subscription_ids() == [subscription.pk]
    assert task.delay().get() == 1  # eager in tests: the delivery task ran too
    assert len(mail.outbox) == 1 and mail.outbox[0].attachments[0][1].startswith(b"%PDF")
    assert task.delay().get() == 0 and len(mail.outbox) == 1
    assert subscriptions.deliver_subscription_id(paused.pk) is False


# --- the page and the admin ---------------------------------------------------------------------------------


def test_manager_page_lists_creates_and_deletes(client, manager_user):
    client.force_login(manager_user)
    url = reverse("analytics:subscriptions")
    assert client.get(url).status_code == 200
    response = client.post(url, {"kind": "service_quality", "frequency": "weekly", "language": "en",
                                 "segment_priority": 1, "recipients": "cx@example.com"})  # fmt: skip
    assert response.status_code == 302
    subscription = ReportSubscription.objects.get()
    assert subscription.owner == manager_user and subscription.recipient_list == ["cx@example.com"]
    assert "cx@example.com" in client.get(url).content.decode()

    bad = client.post(url, {"kind": "service_quality", "frequency": "weekly", "language": "en",
                            "segment_priority": 1, "recipients": "cx@example.com; oops"})  # fmt: skip
    assert bad.status_code == 400 and "“oops” is not an e-mail address" in bad.content.decode()
    assert ReportSubscription.objects.count() == 1

    assert client.post(reverse("analytics:subscription-delete", args=[subscription.pk])).status_code == 302
    assert not ReportSubscription.objects.exists()


def test_only_the_owner_or_an_admin_deletes(client, subscription, admin_user):
    from satisfaction.tests.factories import UserFactory

    client.force_login(UserFactory(username="other_manager", role="manager"))
    assert client.post(reverse("analytics:subscription-delete", args=[subscription.pk])).status_code == 403
    assert ReportSubscription.objects.filter(pk=subscription.pk).exists()
    client.force_login(admin_user)
    assert client.post(reverse("analytics:subscription-delete", args=[subscription.pk])).status_code == 302
    assert not ReportSubscription.objects.exists()


def test_staff_and_anonymous_cannot_use_the_page(client, staff_user):
    url = reverse("analytics:subscriptions")
    assert client.get(url).status_code == 302
    client.force_login(staff_user)
    assert client.get(url).status_code == 403
    assert client.post(url, {"recipients": "cx@example.com"}).status_code == 403
    assert not ReportSubscription.objects.exists()


def test_admin_for_admins_writes_through_the_service(client, admin_user, manager_user):
    changelist = reverse("admin:analytics_reportsubscription_changelist")
    client.force_login(manager_user)
    assert client.get(changelist).status_code == 302  # managers are not admin users
    client.force_login(admin_user)
    assert client.get(changelist).status_code == 200
    add = reverse("admin:analytics_reportsubscription_add")
    data = {"kind": "review", "frequency": "monthly", "language": "en", "segment_priority": 1,
            "recipients": "x@example.com", "is_active": "on", "deliveries-TOTAL_FORMS": 0,
            "deliveries-INITIAL_FORMS": 0}  # fmt: skip
    assert client.post(add, {**data, "recipients": "nope"}).status_code == 200  # the service's error shown
    assert not ReportSubscription.objects.exists()
    assert client.post(add, data).status_code == 302
    subscription = ReportSubscription.objects.get()
    assert subscription.owner == admin_user
    ReportDelivery.objects.create(
        subscription=subscription, period_start=dt.date(2026, 11, 1), period_end=dt.date(2026, 11, 30), recipients="x"
    )
    change = client.get(reverse("admin:analytics_reportsubscription_change", args=[subscription.pk]))
    assert change.status_code == 200 and "2026-11-30" in change.content.decode()  # the sent period, read-only
    assert LogEntry.objects.get_for_object(subscription).filter(action=LogEntry.Action.CREATE).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_one_email(manager_user, monkeypatch):
    """Two schedule runs racing on one period: the unique delivery row lets exactly one of them send."""
    import threading

    from django.db import connection

    subscription = subscriptions.subscription_create(
        owner=manager_user, data={"kind": "service_quality", "recipients": "cx@example.com"}
    )
    # The race is about the claim, not the drawing (pyplot is not thread-safe): both workers get the same PDF.
    rendered = subscriptions.Rendered(subject="s", body="b", filename="r.pdf", pdf=b"%PDF-1.7 test")
    monkeypatch.setattr(subscriptions, "render_subscription", lambda *args: rendered)
    barrier, results = threading.Barrier(2), []

    def worker():
        try:
            barrier.wait()
            results.append(subscriptions.deliver_subscription(subscription, today=WEDNESDAY))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]
    assert len(mail.outbox) == 1 and ReportDelivery.objects.count() == 1
