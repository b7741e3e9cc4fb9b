"""Which days an alert's numbers cover, in words, for its e-mail and its page ("1 Nov – 14 Nov 2026")."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from core.describe import dates_words, day_words
from satisfaction.alerts.models import SatisfactionAlert

Kind = SatisfactionAlert.Kind


def _day(value) -> dt.date | None:
    """A stored ISO date or datetime (evidence) or an aware datetime as a local date."""
    if not value:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return value


def alert_period_words(alert: SatisfactionAlert) -> str:
    """The period the rule read when it fired, in the active language: the drop's recent window, the target's
    period so far, the day of the low score or of the complaint, the customer's last scores."""
    evidence = alert.evidence or {}
    seen = _day(alert.last_seen_at)
    if alert.kind == Kind.SIGNIFICANT_DROP and isinstance(evidence.get("window"), dict):
        window = evidence["window"]
        return dates_words(_day(window.get("start")), _day(window.get("end")))
    if alert.kind == Kind.TARGET_AT_RISK and evidence.get("period_start"):
        return dates_words(_day(evidence["period_start"]), seen)
    if alert.kind == Kind.LOW_SCORE and alert.record_id:
        return day_words(_day(alert.record.created_at))
    if alert.kind == Kind.COMPLAINT_SLA and alert.complaint_id:
        return _("complaint filed %(day)s") % {"day": day_words(_day(alert.complaint.filed_at))}
    if alert.kind == Kind.CUSTOMER_DECLINE and evidence.get("window"):
        return _("the last %(n)s scores up to %(day)s") % {"n": evidence["window"], "day": day_words(seen)}
    return dates_words(_day(alert.created_at), seen)
