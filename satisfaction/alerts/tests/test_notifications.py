"""Notification preferences (all on by default) and who receives alert emails."""

import pytest
from django.core import mail

from satisfaction.alerts.models import NotificationPreference, SatisfactionAlert
from satisfaction.alerts.notifications import (
    alert_url,
    notification_preferences_for,
    notification_preferences_update,
    users_opted_in,
)
from satisfaction.alerts.outbox import notify_alert
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db


def test_preferences_default_on_without_a_row(manager_user):
    pref = notification_preferences_for(user=manager_user)
    assert (pref.alert_emails, pref.weekly_digest, pref.monthly_review) == (True, True, True)
    assert pref.pk is None


def test_update_changes_only_what_is_given(manager_user):
    notification_preferences_update(user=manager_user, weekly_digest=False)
    pref = notification_preferences_update(user=manager_user, alert_emails=False)
    assert (pref.alert_emails, pref.weekly_digest, pref.monthly_review) == (False, False, True)
    assert NotificationPreference.objects.count() == 1


def test_opted_in_users_are_managers_and_admins_with_email(manager_user, admin_user, staff_user):
    f.UserFactory(username="no_mail", role="manager", email="")
    f.UserFactory(username="inactive", role="manager", is_active=False)
    opted_out = f.UserFactory(username="opted_out", role="manager")
    notification_preferences_update(user=opted_out, alert_emails=False)
    assert set(users_opted_in("alert_emails")) == {manager_user, admin_user}
    assert set(users_opted_in("weekly_digest")) == {manager_user, admin_user, opted_out}


def test_alert_url_uses_site_url(settings):
    settings.SITE_URL = "https://cx.example.com/"
    assert alert_url(42) == "https://cx.example.com/alerts/42/"


def test_notify_skips_medium_and_resolved_alerts(manager_user):
    medium = SatisfactionAlert.objects.create(kind="low_score", dedupe_key="a", severity="medium")
    resolved = SatisfactionAlert.objects.create(kind="low_score", dedupe_key="b", severity="high", status="resolved")
    high = SatisfactionAlert.objects.create(
        kind="low_score", dedupe_key="c", severity="high", message_en="Bad", message_zh="差"
    )
    assert notify_alert(alert_id=medium.pk) == 0
    assert notify_alert(alert_id=resolved.pk) == 0
    assert notify_alert(alert_id=high.pk) == 1
    assert "Bad" in mail.outbox[0].body and "差" in mail.outbox[0].body


def test_a_record_alert_quotes_the_comment_with_its_topics(manager_user, client):
    from satisfaction.text.services import text_analyse_records

    record = f.RecordFactory(score="1.5", feedback="律师回复太慢，账单也算错了")
    text_analyse_records(record_ids=[record.pk])
    alert = SatisfactionAlert.objects.create(
        kind="low_score", dedupe_key="t", severity="high", record=record, customer=record.customer, message_en="Low"
    )
    assert notify_alert(alert_id=alert.pk) == 1
    body = mail.outbox[0].body
    assert "律师回复太慢" in body and "Response speed / 响应速度" in body and "Price and billing / 费用" in body
    client.force_login(manager_user)
    html = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert 'data-testid="alert-topics"' in html and "Response speed" in html
    # The contrary case: an alert without a comment says nothing about topics.
    bare = SatisfactionAlert.objects.create(kind="low_score", dedupe_key="u", severity="high", message_en="Low")
    notify_alert(alert_id=bare.pk)
    assert "Topics" not in mail.outbox[-1].body and "Comment" not in mail.outbox[-1].body
    assert 'data-testid="alert-topics"' not in client.get(f"/alerts/{bare.pk}/").content.decode()
