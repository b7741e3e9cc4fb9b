"""Report subscriptions: who gets which report as a PDF, every week or month, and the one write path for them.

The beat schedule runs daily: `analytics.tasks.send_report_subscriptions` sends one task per subscription that is
due (`due_subscription_ids()`), each calling `deliver_subscription_id()`, so a slow PDF never holds up the others;
`send_due_subscriptions()` does the same in-process. Each active subscription gets the report of its last
complete period once. The period is claimed by inserting a `ReportDelivery` row in the same transaction as
the send; its unique (subscription, period_start) makes a second run, or a concurrent worker, send nothing.
A failed send rolls the claim back, so the next run tries again.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from analytics import digests
from analytics.lib.describe import RECORDS_DATA, period_words, scope_words
from analytics.lib.metrics import Scope, local_today
from analytics.models import ReportDelivery, ReportSubscription
from analytics.quality import report
from core.services import model_create, model_update

logger = logging.getLogger(__name__)

SUBSCRIPTION_FIELDS = ("kind", "frequency", "language", "service_type", "segment_priority", "recipients", "is_active")


# --- reads --------------------------------------------------------------------------------------------------


def subscription_list() -> QuerySet[ReportSubscription]:
    """Every subscription with its owner and service type, newest first."""
    return ReportSubscription.objects.select_related("owner", "service_type").order_by("-pk")


def last_complete_period(frequency: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The last full Monday–Sunday week, or the last full calendar month, before `today`."""
    if frequency == ReportSubscription.Frequency.WEEKLY:
        monday = today - dt.timedelta(days=today.weekday())
        return monday - dt.timedelta(days=7), monday - dt.timedelta(days=1)
    end = today.replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


# --- writes -------------------------------------------------------------------------------------------------


@transaction.atomic
def subscription_create(*, owner, data: dict) -> ReportSubscription:
    """A new subscription owned by `owner`, validated (recipients are real addresses, segment 1–5)."""
    return model_create(model=ReportSubscription, data={**data, "owner": owner}, fields=(*SUBSCRIPTION_FIELDS, "owner"))


@transaction.atomic
def subscription_update(*, subscription: ReportSubscription, data: dict) -> ReportSubscription:
    """Change a subscription's report, scope, language, recipients or active flag."""
    return model_update(instance=subscription, data=data, fields=SUBSCRIPTION_FIELDS)[0]


@transaction.atomic
def subscription_delete(*, subscription: ReportSubscription) -> None:
    """Remove a subscription and its delivery history."""
    subscription.delete()


# --- delivery -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    """A subscription's report for one period: the e-mail's subject and text and the PDF."""

    subject: str
    body: str
    filename: str
    pdf: bytes


def render_subscription(subscription: ReportSubscription, start: dt.date, end: dt.date) -> Rendered:
    """The PDF and e-mail of one subscription for one period, in the subscription's language."""
    lang = subscription.language
    service_types = (subscription.service_type.code,) if subscription.service_type_id else ()
    if subscription.kind == ReportSubscription.Kind.SERVICE_QUALITY:
        pdf = report.pdf_download(
            priority=subscription.segment_priority, lang=lang, start=start, end=end, service_types=service_types
        )
        stem = f"service-quality-p{subscription.segment_priority}"
    else:
        digest = digests.review_for_period(
            kind=subscription.frequency, start=start, end=end, service_types=service_types
        )
        pdf = digests.review_pdf(digest, lang, service_types=service_types)
        stem = f"review-{subscription.frequency}"
    with translation.override(lang):
        scope = Scope(start=start, end=end, service_types=service_types)
        if subscription.kind == ReportSubscription.Kind.SERVICE_QUALITY:
            words = report.report_scope_words(
                priority=subscription.segment_priority, start=start, end=end, service_types=service_types
            )
        else:
            words = scope_words(scope, data=RECORDS_DATA)
        context = {
            "subscription": subscription,
            "report_name": subscription.get_kind_display(),
            "start": start,
            "end": end,
            "scope": words,
            "site_url": settings.SITE_URL.rstrip("/"),
        }
        subject = _("%(report)s, %(period)s") % {"report": context["report_name"], "period": period_words(scope)}
        body = render_to_string("emails/report_subscription.txt", context)
    return Rendered(subject=subject, body=body, filename=f"{stem}-{start:%Y-%m-%d}-{lang}.pdf", pdf=pdf)


def deliver_subscription(subscription: ReportSubscription, *, today: dt.date | None = None) -> bool:
    """Send the subscription's report of its last complete period, unless that period was already sent.

    Returns whether an e-mail went out.
    """
    start, end = last_complete_period(subscription.frequency, today or local_today())
    if ReportDelivery.objects.filter(subscription=subscription, period_start=start).exists():
        return False
    recipients = subscription.recipient_list
    rendered = render_subscription(subscription, start, end)
    try:
        with transaction.atomic():
            # The claim and the send commit together: a concurrent run blocks on the unique row, then skips.
            ReportDelivery.objects.create(
                subscription=subscription, period_start=start, period_end=end, recipients="\n".join(recipients)
            )
            message = EmailMessage(rendered.subject, rendered.body, settings.DEFAULT_FROM_EMAIL, recipients)
            message.attach(rendered.filename, rendered.pdf, "application/pdf")
            message.send()
    except IntegrityError:
        return False
    return True


def due_subscription_ids(*, today: dt.date | None = None) -> list[int]:
    """Active subscriptions whose last complete period has not been sent yet (what the daily run fans out)."""
    today = today or local_today()
    due = []
    for subscription in ReportSubscription.objects.filter(is_active=True).order_by("pk"):
        start, _end = last_complete_period(subscription.frequency, today)
        if not subscription.deliveries.filter(period_start=start).exists():
            due.append(subscription.pk)
    return due


def deliver_subscription_id(subscription_id: int, *, today: dt.date | None = None) -> bool:
    """`deliver_subscription` by id (for the task); a subscription deleted or paused meanwhile sends nothing."""
    subscription = subscription_list().filter(pk=subscription_id, is_active=True).first()
    return False if subscription is None else deliver_subscription(subscription, today=today)


def send_due_subscriptions(*, today: dt.date | None = None) -> int:
    """Deliver every active subscription's due report; returns how many e-mails were sent.

    One failing subscription (a bad mail server answer, a rendering error) is logged and does not stop the others;
    its period stays unclaimed, so the next run retries it.
    """
    today = today or local_today()
    sent = 0
    for subscription in subscription_list().filter(is_active=True).order_by("pk"):
        try:
            sent += deliver_subscription(subscription, today=today)
        except Exception:
            logger.exception("Report subscription %s could not be delivered", subscription.pk)
    return sent
