"""Alert e-mails: who wants them (notification preferences), links into the site, sending one alert."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.roles import MANAGER
from satisfaction.alerts.models import NotificationPreference, SatisfactionAlert
from satisfaction.alerts.periods import alert_period_words

NOTIFY_SEVERITIES = (SatisfactionAlert.Severity.HIGH, SatisfactionAlert.Severity.CRITICAL)


def notification_preferences_for(*, user) -> NotificationPreference:
    """The user's preferences; an unsaved all-on default when the user never changed them."""
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(user=user)


@transaction.atomic
def notification_preferences_update(
    *,
    user,
    alert_emails: bool | None = None,
    weekly_digest: bool | None = None,
    monthly_review: bool | None = None,
) -> NotificationPreference:
    """Turn kinds of email on or off for `user`; arguments left as None keep their value."""
    preference, _created = NotificationPreference.objects.select_for_update().get_or_create(user=user)
    for field, value in (
        ("alert_emails", alert_emails),
        ("weekly_digest", weekly_digest),
        ("monthly_review", monthly_review),
    ):
        if value is not None:
            setattr(preference, field, bool(value))
    preference.full_clean()
    preference.save()
    return preference


def users_opted_in(preference: str) -> QuerySet:
    """Active managers and admins with an email address who did not turn `preference` off."""
    User = get_user_model()
    opted_out = NotificationPreference.objects.filter(**{preference: False}).values("user_id")
    return (
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name=MANAGER))
        .exclude(email="")
        .exclude(pk__in=opted_out)
        .distinct()
        .order_by("pk")
    )


def alert_url(alert_id: int) -> str:
    """Absolute link to the alert page: the `alert-detail` route when it exists, else SITE_URL/alerts/<id>/."""
    base = settings.SITE_URL.rstrip("/")
    try:
        return base + reverse("alert-detail", args=[alert_id])
    except NoReverseMatch:
        return f"{base}/alerts/{alert_id}/"


def _comment_lines(alert: SatisfactionAlert) -> str:
    """The customer's words behind a record alert, with the topics the text analysis found in them (if any yet)."""
    record = alert.record
    if record is None or not record.feedback:
        return ""
    mentions = record.text_topics.select_related("topic").order_by("topic__position")
    topics = ", ".join(f"{m.topic.label_en} / {m.topic.label_zh}" for m in mentions)
    line = "\n\n" + _("Comment: %(text)s") % {"text": record.feedback[:500]}
    if topics:
        line += "\n" + _("Topics: %(topics)s") % {"topics": topics}
    return line


def alert_email_content(alert: SatisfactionAlert) -> tuple[str, str]:
    """Subject and body of the e-mail about `alert`, in the site's language (with the Chinese message too)."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("[%(severity)s] %(kind)s: %(scope)s") % {
            "severity": alert.get_severity_display(),
            "kind": alert.get_kind_display(),
            "scope": alert.customer or alert.service_type or _("overall"),
        }
        body = _("%(message)s\n\n%(message_zh)s\n\nPeriod: %(period)s\n\nOpen the alert: %(link)s") % {
            "message": alert.message_en,
            "message_zh": alert.message_zh,
            "period": alert_period_words(alert),
            "link": alert_url(alert.pk),
        }
        body += _comment_lines(alert)
    return str(subject), str(body)
