"""Scheduled digests for managers: a weekly email with KPIs, change, response rate, new alerts and overdue tasks,
and a monthly HTML review with the charts inline, the review as PDF and the service-quality bundle attached.
Each user can opt out. `review_pdf()` also serves the report subscriptions (analytics/subscriptions.py).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import tempfile
import zipfile
from dataclasses import dataclass
from email.mime.image import MIMEImage
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Case, IntegerField, Value, When
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from analytics.lib import metrics
from analytics.lib.describe import RECORDS_DATA, period_words, scope_words
from analytics.lib.responses import ResponseRate, response_rate
from analytics.quality import report
from core.pdf import render_pdf
from satisfaction.alerts.models import SatisfactionAlert
from satisfaction.alerts.notifications import users_opted_in
from satisfaction.feedback.models import SatisfactionTarget
from satisfaction.improvements.models import ImprovementTask
from satisfaction.recovery.selectors import RecoveryFigures, recovery_figures

logger = logging.getLogger(__name__)

MAX_LISTED = 10
_SEVERITY_ORDER = Case(
    *[When(severity=s, then=Value(i)) for i, s in enumerate(["critical", "high", "medium", "low"])],
    default=Value(9),
    output_field=IntegerField(),
)


@dataclass(frozen=True)
class Digest:
    """What a digest says about one period: KPIs against the period before, response, alerts and overdue tasks."""

    kind: str  # "weekly" or "monthly"
    start: dt.date
    end: dt.date
    comparison: metrics.PeriodComparison
    response: ResponseRate
    previous_response: ResponseRate
    new_alert_count: int
    new_alerts: list
    overdue_task_count: int
    overdue_tasks: list
    by_service_type: list
    target: metrics.TargetStatus | None = None  # the overall satisfaction-rate target over the period
    recovery: RecoveryFigures | None = None  # the recovery cases opened in the period


def _overall_target_status(scope: metrics.Scope) -> metrics.TargetStatus | None:
    """The active overall satisfaction-rate target (as on the dashboard tile) over the digest's period."""
    target = (
        SatisfactionTarget.objects.filter(
            is_active=True, service_type=None, metric=SatisfactionTarget.Metric.SATISFACTION_RATE
        )
        .order_by("pk")
        .first()
    )
    return None if target is None else metrics.target_status(target, scope=scope)


def _calendar_comparison(scope: metrics.Scope, previous: metrics.Scope) -> metrics.PeriodComparison:
    """Like `compare_to_previous`, but against a given previous period (a calendar month is not equal-length)."""
    current_kpis, previous_kpis = metrics.kpis(scope), metrics.kpis(previous)
    labels, labels_zh = ("this period", "previous period"), ("本期", "上期")
    return metrics.PeriodComparison(
        current_scope=scope,
        previous_scope=previous,
        current=current_kpis,
        previous=previous_kpis,
        change=metrics.KpiChange.between(current_kpis, previous_kpis),
        satisfaction_rate_test=metrics.stats.two_proportion_z(
            current_kpis.satisfied,
            current_kpis.count,
            previous_kpis.satisfied,
            previous_kpis.count,
            labels=labels,
            labels_zh=labels_zh,
        ),
        avg_score_test=metrics.mean_test(current_kpis, previous_kpis, labels=labels, labels_zh=labels_zh),
    )


def _facts(kind: str, comparison: metrics.PeriodComparison, today: dt.date) -> Digest:
    scope, previous = comparison.current_scope, comparison.previous_scope
    window = {"start": metrics.day_start(scope.start), "end": metrics.day_start(scope.end + dt.timedelta(days=1))}
    alerts = SatisfactionAlert.objects.filter(created_at__gte=window["start"], created_at__lt=window["end"])
    overdue = ImprovementTask.objects.filter(
        due_date__lt=today, status__in=[ImprovementTask.Status.TODO, ImprovementTask.Status.IN_PROGRESS]
    )
    return Digest(
        kind=kind,
        start=scope.start,
        end=scope.end,
        comparison=comparison,
        response=response_rate(scope),
        previous_response=response_rate(previous),
        new_alert_count=alerts.count(),
        new_alerts=list(
            alerts.select_related("customer", "service_type").order_by(_SEVERITY_ORDER, "-created_at")[:MAX_LISTED]
        ),
        overdue_task_count=overdue.count(),
        overdue_tasks=list(overdue.select_related("measure", "assignee").order_by("due_date", "pk")[:MAX_LISTED]),
        by_service_type=metrics.by_service_type(scope),
        target=_overall_target_status(scope),
        recovery=recovery_figures(**window),
    )


def review_for_period(
    *, kind: str, start: dt.date, end: dt.date, service_types=(), today: dt.date | None = None
) -> Digest:
    """A weekly or monthly review of a given period (a subscription's), optionally for some service types only.

    Weekly periods are compared with the equal-length period before, monthly ones with the calendar month before.
    """
    today = today or metrics.local_today()
    scope = metrics.Scope(start=start, end=end, service_types=tuple(service_types))
    if kind == "monthly":
        prev_end = start - dt.timedelta(days=1)
        previous = metrics.Scope(start=prev_end.replace(day=1), end=prev_end, service_types=tuple(service_types))
        return _facts(kind, _calendar_comparison(scope, previous), today)
    return _facts(kind, metrics.compare_to_previous(scope), today)


def weekly_digest(*, today: dt.date | None = None) -> Digest:
    """The last seven full local days (ending yesterday) against the seven before, as the dashboard compares them."""
    today = today or metrics.local_today()
    scope = metrics.Scope(start=today - dt.timedelta(days=7), end=today - dt.timedelta(days=1))
    return _facts("weekly", metrics.compare_to_previous(scope), today)


def monthly_review(*, today: dt.date | None = None) -> Digest:
    """The last full calendar month against the month before it."""
    today = today or metrics.local_today()
    end = today.replace(day=1) - dt.timedelta(days=1)
    start = end.replace(day=1)
    prev_end = start - dt.timedelta(days=1)
    previous = metrics.Scope(start=prev_end.replace(day=1), end=prev_end)
    return _facts("monthly", _calendar_comparison(metrics.Scope(start=start, end=end), previous), today)


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


def _pp(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:+.1f} pp"


def _score(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"


def _signed_score(x: float | None) -> str:
    return "—" if x is None else f"{x:+.2f}"


def kpi_rows(digest: Digest) -> list[dict]:
    """The digest's KPI table: label, this period, previous period and change, formatted as the dashboard shows them."""
    cur, prev, change = digest.comparison.current, digest.comparison.previous, digest.comparison.change
    return [
        {"key": "count", "label": _("Responses"), "current": str(cur.count), "previous": str(prev.count),
         "change": f"{change.count:+d}"},
        {"key": "avg_score", "label": _("Average score"), "current": _score(cur.avg_score),
         "previous": _score(prev.avg_score), "change": _signed_score(change.avg_score)},
        {"key": "satisfaction_rate", "label": _("Satisfied (≥ 4)"), "current": _pct(cur.satisfaction_rate),
         "previous": _pct(prev.satisfaction_rate), "change": _pp(change.satisfaction_rate)},
        {"key": "high_satisfaction_rate", "label": _("Highly satisfied (≥ 4.5)"),
         "current": _pct(cur.high_satisfaction_rate), "previous": _pct(prev.high_satisfaction_rate),
         "change": _pp(change.high_satisfaction_rate)},
        {"key": "dissatisfaction_rate", "label": _("Dissatisfied (< 3)"), "current": _pct(cur.dissatisfaction_rate),
         "previous": _pct(prev.dissatisfaction_rate), "change": _pp(change.dissatisfaction_rate)},
        {"key": "response_rate", "label": _("Survey response rate"), "current": _pct(digest.response.rate),
         "previous": _pct(digest.previous_response.rate),
         "change": _pp(None if digest.response.rate is None or digest.previous_response.rate is None
                       else digest.response.rate - digest.previous_response.rate)},
    ]  # fmt: skip


# Evaluated when a template renders them, so in the language the e-mail or PDF is rendered in.
_scope_words = lazy(scope_words, str)
_period_words = lazy(period_words, str)


def _context(digest: Digest) -> dict:
    return {
        "scope_words": _scope_words(digest.comparison.current_scope, data=RECORDS_DATA),
        "previous_words": _period_words(digest.comparison.previous_scope),
        "rows": kpi_rows(digest),
        "rate_ci": (
            _pct(digest.comparison.current.satisfaction_rate_ci.low),
            _pct(digest.comparison.current.satisfaction_rate_ci.high),
        ),
        "response_ci": (_pct(digest.response.ci.low), _pct(digest.response.ci.high)),
        "target_reading": _target_reading(digest.target),
        "recovery": _recovery_context(digest.recovery),
        "d": digest,
        "cur": digest.comparison.current,
        "prev": digest.comparison.previous,
        "change": digest.comparison.change,
        "site_url": settings.SITE_URL.rstrip("/"),
    }


def _recovery_context(figures: RecoveryFigures | None) -> dict | None:
    """The recovery lines: cases opened, contacted within the SLA and won back (with intervals), recovery score."""
    if figures is None:
        return None
    sla, won = figures.sla_interval, figures.recovery_interval
    return {
        "f": figures,
        "sla": _pct(figures.sla_rate),
        "sla_ci": (_pct(sla.low), _pct(sla.high)) if sla else None,
        "won": _pct(figures.recovery_rate),
        "won_ci": (_pct(won.low), _pct(won.high)) if won else None,
        "score": _score(figures.avg_recovery_score),
    }


def _target_reading(status: metrics.TargetStatus | None) -> str | None:
    """The target sentence (with its chance of being met) in the site language of the e-mails."""
    if status is None:
        return None
    return status.reading_zh if settings.LANGUAGE_CODE.startswith("zh") else status.reading_en


def _render(name: str, context: dict) -> tuple[str, str, str]:
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"emails/{name}_subject.txt", context).strip()
        return (
            subject,
            render_to_string(f"emails/{name}.txt", context),
            render_to_string(f"emails/{name}.html", context),
        )


def send_weekly_digests(*, today: dt.date | None = None) -> int:
    """Email the weekly digest to every manager who did not opt out; returns how many were sent."""
    recipients = list(users_opted_in("weekly_digest"))
    if not recipients:
        return 0
    subject, text, html = _render("weekly_digest", _context(weekly_digest(today=today)))
    sent = 0
    for user in recipients:
        message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [user.email])
        message.attach_alternative(html, "text/html")
        sent += message.send()
    return sent


CHART_FILES = ("sat_distribution.png", "service_drivers.png", "tickets_metrics.png", "complaints_metrics.png")


def review_pdf(digest: Digest, lang: str, *, service_types=()) -> bytes:
    """The review as a PDF in `lang`: the KPI table, target, alerts, tasks, service types and the report's charts."""
    lang = "zh-hans" if lang.startswith("zh") else "en"
    zh = lang == "zh-hans"
    quality = report.build_report(start=digest.start, end=digest.end, service_types=service_types)
    test = digest.comparison.satisfaction_rate_test
    with translation.override(lang):
        title = str(_("Monthly satisfaction review") if digest.kind == "monthly" else _("Weekly satisfaction digest"))
        context = {
            **_context(digest),
            "title": title,
            "footer": f"{title} · {period_words(digest.comparison.current_scope)}",
            "zh": zh,
            "target_reading": None if digest.target is None else (
                digest.target.reading_zh if zh else digest.target.reading_en),
            "test_reading": test.reading_zh if zh else test.reading_en,
            "services": service_types,
            "charts": CHART_FILES,
        }  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="review-pdf-") as tmp:
        report.draw_charts(quality, Path(tmp), lang)
        return render_pdf("analytics/pdf/review.html", context, lang=lang, base_dir=tmp)


def send_monthly_reviews(*, today: dt.date | None = None) -> int:
    """Email the monthly review (charts inline, report bundle attached) to every manager who did not opt out."""
    recipients = list(users_opted_in("monthly_review"))
    if not recipients:
        return 0
    digest = monthly_review(today=today)
    lang = "zh-hans" if settings.LANGUAGE_CODE.startswith("zh") else "en"
    # One bundle for everyone: the charts inside it are the ones shown inline.
    bundle = report.bundle_zip(lang=lang, start=digest.start, end=digest.end)
    with zipfile.ZipFile(io.BytesIO(bundle)) as zf:
        charts = [(name, zf.read(name)) for name in CHART_FILES if name in zf.namelist()]
    context = {**_context(digest), "charts": [name.removesuffix(".png") for name, _png in charts]}
    subject, text, html = _render("monthly_review", context)
    filename = f"service-quality-{digest.start:%Y-%m}.zip"
    pdf = review_pdf(digest, lang)
    sent = 0
    for user in recipients:
        message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [user.email])
        message.attach_alternative(html, "text/html")
        for name, png in charts:
            image = MIMEImage(png, "png")
            image.add_header("Content-ID", f"<{name.removesuffix('.png')}>")
            image.add_header("Content-Disposition", "inline", filename=name)
            message.attach(image)
        message.attach(f"review-{digest.start:%Y-%m}.pdf", pdf, "application/pdf")
        message.attach(filename, bundle, "application/zip")
        sent += message.send()
    return sent


# The digest tasks live here because they read analytics (the satisfaction app's tasks may not import it);
# the Celery app lists this module in its imports so a worker registers them.
@shared_task(acks_late=True)
def send_weekly_digest_emails() -> int:
    """Weekly digest to managers (beat: Monday morning)."""
    return send_weekly_digests()


@shared_task(acks_late=True)
def send_monthly_review_emails() -> int:
    """Monthly review to managers (beat: first day of the month)."""
    return send_monthly_reviews()
