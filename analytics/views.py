"""Manager pages of the analytics app: dashboard (with htmx widgets), drill-down records, exports."""

import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from analytics import dashboard as widgets
from analytics.agent_profile import agent_profile
from analytics.agents import agent_scores
from analytics.continuity import handler_continuity
from analytics.forms import PRESETS, ScopeFilterForm, scope_query
from analytics.lib import metrics
from analytics.lib.describe import RECORDS_DATA, TICKETS_DATA, scope_filters, scope_words
from analytics.lib.metrics import Scope, raw_records
from core.chartjs import chart, dataset, score_and_rate_scales
from core.htmx import render_page_or_partial
from core.roles import ManagerRequiredMixin
from core.spreadsheets import RATE_DIGITS, SCORE_DIGITS, about_rows, local_iso, rounded, table_response
from satisfaction.feedback.models import DISSATISFIED_BELOW, HIGH_SATISFIED_MIN, SATISFIED_MIN
from satisfaction.text.models import Topic
from satisfaction.text.selectors import records_mentioning

BANDS = {
    "satisfied": Q(score__gte=SATISFIED_MIN),
    "high": Q(score__gte=HIGH_SATISFIED_MIN),
    "dissatisfied": Q(score__lt=DISSATISFIED_BELOW),
    "neutral": Q(score__gte=DISSATISFIED_BELOW, score__lt=SATISFIED_MIN),
    "satisfied_low": Q(score__gte=SATISFIED_MIN, score__lt=HIGH_SATISFIED_MIN),
}
# What a reader calls each band (the drill-down header, the export's "about"); the codes stay in URLs.
BAND_LABELS = {
    "satisfied": gettext_lazy("Satisfied (≥ 4)"),
    "high": gettext_lazy("Highly satisfied (≥ 4.5)"),
    "dissatisfied": gettext_lazy("Dissatisfied (< 3)"),
    "neutral": gettext_lazy("3 – 3.9"),
    "satisfied_low": gettext_lazy("4 – 4.4"),
}


class ScopeMixin:
    """Parses the filter bar from the query string."""

    def get_scope(self):
        self.filter_form = ScopeFilterForm(self.request.GET)
        return self.filter_form.to_scope()


class DashboardView(ManagerRequiredMixin, ScopeMixin, TemplateView):
    """The manager's home: KPI cards, target, trend, breakdowns, drivers, segment, alerts, watch list, loop."""

    template_name = "analytics/dashboard.html"
    partial_name = "analytics/partials/dashboard_body.html"

    def get(self, request, *args, **kwargs):
        scope = self.get_scope()
        period = request.GET.get("period", "month")
        context = {
            **widgets.dashboard(scope, user=request.user, trend_period=period),
            "filter_form": self.filter_form,
            "presets": PRESETS,
            "query": scope_query(scope),
            "raw_query": request.GET.urlencode(),
        }
        return render_page_or_partial(request, self.template_name, self.partial_name, context)


WIDGETS = {
    "trend": ("analytics/partials/trend.html", lambda scope, request: {
        "trend": widgets.trend_chart(scope, request.GET.get("period", "month"))}),
    "drivers": ("analytics/partials/drivers.html", lambda scope, request: {"drivers": widgets.drivers(scope)}),
    "kpis": ("analytics/partials/kpis.html", lambda scope, request: {"kpis": widgets.kpi_cards(scope)}),
    "topics": ("analytics/partials/topics.html", lambda scope, request: {"topics": widgets.topics_widget(scope)}),
}  # fmt: skip


class DashboardWidgetView(ManagerRequiredMixin, ScopeMixin, TemplateView):
    """One dashboard widget, for htmx: the trend toggle and the lazily loaded drivers."""

    def get(self, request, name):
        if name not in WIDGETS:
            raise Http404
        scope = self.get_scope()
        template, build = WIDGETS[name]
        context = {**build(scope, request), "raw_query": request.GET.urlencode(), "scope": scope}
        return render_page_or_partial(request, template, template, context)


RECORD_COLUMNS = ["created_at", "customer", "customer_external_id", "service_type", "score", "response_time_hours",
                  "accuracy_score", "completeness_score", "channel", "feedback"]  # fmt: skip


# How many records of a band a set of KPIs counts: the drill-down's pager takes its total from the same numbers
# as the tile it was opened from (snapshots unless a customer is chosen), never from a count over the rows.
BAND_COUNTS = {
    "": lambda k: k.count,
    "satisfied": lambda k: k.satisfied,
    "high": lambda k: k.high_satisfied,
    "dissatisfied": lambda k: k.dissatisfied,
    "neutral": lambda k: k.count - k.satisfied - k.dissatisfied,
    "satisfied_low": lambda k: k.satisfied - k.high_satisfied,
}


class CountedPaginator(Paginator):
    """A paginator told its total instead of counting the rows (a COUNT over a million filtered rows takes
    about a second; the page itself reads 50 rows down the created_at index)."""

    def __init__(self, object_list, per_page, *, count: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.known_count = count

    @cached_property
    def count(self) -> int:
        return self.known_count


def record_count(scope, band: str) -> int:
    """The number of records the drill-down lists: the KPI of its tile (one query on the snapshots)."""
    return BAND_COUNTS[band if band in BANDS else ""](metrics.kpis(scope))


def _scoped_records(request, scope):
    qs = raw_records(scope)
    band = request.GET.get("band")
    if band in BANDS:
        qs = qs.filter(BANDS[band])
    return qs


class RecordDrilldownView(ManagerRequiredMixin, ScopeMixin, TemplateView):
    """The records behind a number, filtered exactly like the number; CSV/XLSX with ?format=csv|xlsx."""

    template_name = "analytics/records.html"

    def get(self, request, *args, **kwargs):
        scope = self.get_scope()
        qs = _scoped_records(request, scope).select_related("customer", "service_type").order_by("-created_at")
        fmt = request.GET.get("format")
        if fmt in ("csv", "xlsx"):
            rows = (
                [local_iso(r.created_at), r.customer.name, r.customer.external_id, r.service_type.code,
                 float(r.score), r.response_time_hours, r.accuracy_score, r.completeness_score, r.channel, r.feedback]
                for r in qs.iterator(chunk_size=2000)
            )  # fmt: skip
            band = request.GET.get("band")
            about = about_rows(
                request, scope_filters(scope) + ([(_("Band"), str(BAND_LABELS[band]))] if band in BANDS else [])
            )
            return table_response(fmt, "satisfaction_records", RECORD_COLUMNS, rows, about)
        page = CountedPaginator(qs, 50, count=record_count(scope, request.GET.get("band", ""))).get_page(
            request.GET.get("page")
        )
        query = request.GET.copy()
        query.pop("page", None)
        query.pop("format", None)
        return self.render_to_response(
            {"page": page, "scope": scope, "band": request.GET.get("band", ""), "query": query.urlencode(),
             "filter_form": self.filter_form, "scope_words": scope_words(scope, data=RECORDS_DATA),
             "band_label": str(BAND_LABELS[band]) if (band := request.GET.get("band")) in BAND_LABELS else ""}
        )  # fmt: skip


def highlighted(text: str, terms: list[str]) -> list[tuple[str, bool]]:
    """`text` cut into (piece, matched) parts around the matched terms (case-insensitive), for <mark> in a template."""
    if not terms:
        return [(text, False)]
    pattern = re.compile("|".join(re.escape(t) for t in sorted(set(terms), key=len, reverse=True)), re.IGNORECASE)
    parts, last = [], 0
    for m in pattern.finditer(text):
        if m.start() > last:
            parts.append((text[last : m.start()], False))
        parts.append((m.group(), True))
        last = m.end()
    if last < len(text):
        parts.append((text[last:], False))
    return parts


class TopicCommentsView(ManagerRequiredMixin, ScopeMixin, TemplateView):
    """The comments behind a topic of "What customers say", filtered like the widget, matched terms marked."""

    template_name = "analytics/topic_comments.html"

    def get(self, request, code):
        topic = Topic.objects.filter(code=code).first()
        if topic is None:
            raise Http404
        scope = self.get_scope()
        qs = records_mentioning(raw_records(scope), topic)
        page = Paginator(qs, 50).get_page(request.GET.get("page"))
        rows = [
            {"record": r, "parts": highlighted(r.feedback, [t for hit in r.hits for t in hit.terms])}
            for r in page.object_list
        ]
        query = request.GET.copy()
        query.pop("page", None)
        zh = (get_language() or "").startswith("zh")
        return self.render_to_response(
            {"topic": topic, "label": topic.label_zh if zh else topic.label_en, "page": page, "rows": rows,
             "scope": scope, "query": query.urlencode(), "filter_form": self.filter_form,
             "scope_words": scope_words(scope, data=RECORDS_DATA)}
        )  # fmt: skip


KPI_COLUMNS = ["group", "count", "avg_score", "satisfaction_rate", "high_satisfaction_rate", "dissatisfaction_rate",
               "satisfaction_rate_ci_low", "satisfaction_rate_ci_high"]  # fmt: skip


class KpiExportView(ManagerRequiredMixin, ScopeMixin, TemplateView):
    """The KPI table of the current filters (overall, per service type, per segment) as CSV or XLSX."""

    def get(self, request, *args, **kwargs):

        scope = self.get_scope()
        rows = [("overall", metrics.kpis(scope))]
        rows += [(f"service_type:{r.key}", r.kpis) for r in metrics.by_service_type(scope)]
        rows += [(f"segment:{r.key}", r.kpis) for r in metrics.by_segment(scope)]
        rate = RATE_DIGITS
        table = [
            [name, k.count, rounded(k.avg_score, SCORE_DIGITS), rounded(k.satisfaction_rate, rate),
             rounded(k.high_satisfaction_rate, rate), rounded(k.dissatisfaction_rate, rate),
             rounded(k.satisfaction_rate_ci.low, rate), rounded(k.satisfaction_rate_ci.high, rate)]
            for name, k in rows
        ]  # fmt: skip
        name = f"kpis_{scope.start}_{scope.end}"
        about = about_rows(request, scope_filters(scope))
        return table_response(request.GET.get("format", "csv"), name, KPI_COLUMNS, table, about)


class PathToTargetView(ManagerRequiredMixin, TemplateView):
    """Path to 95%: the gap, each part's contribution, the projection and the measures addressing each part."""

    template_name = "analytics/path.html"

    def get_context_data(self, **kwargs):
        from analytics.rules.path_to_target import path_to_target

        path = path_to_target()
        proj = path.projection
        months = [p.month.strftime("%Y-%m") for p in proj.history + proj.forecast]
        n_hist = len(proj.history)

        def series(points, attr, offset):
            values = [None] * len(months)
            for i, p in enumerate(points):
                value = getattr(p, attr)
                values[offset + i] = None if value is None else round(value * 100, 1)
            return values

        target_line = [round(path.target * 100, 1)] * len(months)
        config = chart(
            "line",
            months,
            [
                dataset(_("Satisfied % (actual)"), series(proj.history, "rate", 0)),
                dataset(_("Projection"), series(proj.forecast, "rate", n_hist), color_index=2),
                {
                    **dataset(_("Projection low"), series(proj.forecast, "low", n_hist), color_index=2),
                    "borderDash": [4, 4],
                    "pointRadius": 0,
                    "fill": False,
                },
                {
                    **dataset(_("Projection high"), series(proj.forecast, "high", n_hist), color_index=2),
                    "borderDash": [4, 4],
                    "pointRadius": 0,
                    "fill": "-1",
                },
                {**dataset(_("Target"), target_line, color_index=3), "pointRadius": 0, "borderDash": [2, 2]},
            ],  # fmt: skip
            scales={"y": {"suggestedMin": 60, "max": 100}},
        )
        measures = {m.measure_id: m for m in path.measures}

        def with_measures(parts):
            return [(part, [measures[i] for i in part.measure_ids if i in measures]) for part in parts]

        return {
            "path": path,
            "chart": config,
            "scope_words": scope_words(Scope(start=path.start, end=path.end), data=RECORDS_DATA),
            "service_rows": with_measures(path.by_service_type),
            "segment_rows": with_measures(path.by_segment),
        }


class ReportView(ManagerRequiredMixin, TemplateView):
    """The service-quality report: one segment vs the rest on tickets and complaints, tests and insights."""

    template_name = "analytics/report.html"

    def get_context_data(self, **kwargs):
        from analytics.quality.comparison import segment_comparison
        from analytics.quality.insights import generate_insights
        from analytics.quality.report import comparison_scope_words
        from analytics.quality.topics import topic_comparison

        priority = _segment_param(self.request)
        comparison = segment_comparison(priority=priority)
        insights = generate_insights(comparison)
        zh = self.request.LANGUAGE_CODE.startswith("zh")
        charts = []
        for dist in comparison.distributions:
            seg_total, rest_total = sum(dist.segment) or 1, sum(dist.rest) or 1
            charts.append({
                "id": f"chart-dist-{dist.field}",
                "title": dist.label_zh if zh else dist.label_en,
                "reading": dist.test.reading_zh if zh else dist.test.reading_en,
                "config": chart("bar", dist.category_labels, [
                    dataset(_("This segment %"), [round(100 * v / seg_total, 1) for v in dist.segment]),
                    dataset(_("Others %"), [round(100 * v / rest_total, 1) for v in dist.rest], color_index=1),
                ]),
            })  # fmt: skip
        tests = comparison.tests
        test_rows = [
            (_("Ticket satisfaction (Welch t, Cohen's d)"), tests.ticket_satisfaction),
            (_("Ticket satisfaction (Mann–Whitney U)"), tests.ticket_satisfaction_ranks),
            (_("Complaint satisfaction (Welch t)"), tests.complaint_satisfaction),
            (_("Follow-up rate (two-proportion z)"), tests.follow_up_rate),
            (_("Escalation rate (two-proportion z)"), tests.escalation_rate),
        ]
        by_kind = {kind: [i for i in insights if i.kind == kind] for kind in ("finding", "risk", "recommendation")}
        return {
            "comparison": comparison, "priority": priority, "charts": charts, "zh": zh,
            "test_rows": [(label, t.reading_zh if zh else t.reading_en, t) for label, t in test_rows],
            "findings": by_kind["finding"], "risks": by_kind["risk"], "recommendations": by_kind["recommendation"],
            "segments": range(1, 6), "bundle_start_url": reverse("analytics:report-bundle-start"),
            "bundle_url": f"{reverse('analytics:report-bundle')}?segment={priority}",
            "pdf_url": f"{reverse('analytics:report-pdf')}?segment={priority}",
            "topic_rows": topic_comparison(priority=priority),
            "scope_words": comparison_scope_words(comparison),
        }  # fmt: skip


class ReportBundleView(ManagerRequiredMixin, View):
    """The service-quality report bundle (CSVs, charts, report.md, report.pdf, report.json) as one zip, in the
    request's language, for the page's segment."""

    extension, content_type = "zip", "application/zip"

    def build(self, *, priority: int, lang: str) -> bytes:
        from analytics.quality.report import bundle_zip

        return bundle_zip(priority=priority, lang=lang)

    def get(self, request):
        priority = _segment_param(request)
        lang = "zh-hans" if request.LANGUAGE_CODE.startswith("zh") else "en"
        response = HttpResponse(self.build(priority=priority, lang=lang), content_type=self.content_type)
        name = f"service_quality_p{priority}_{lang}.{self.extension}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class ReportPdfView(ReportBundleView):
    """The service-quality report alone, as a PDF."""

    extension, content_type = "pdf", "application/pdf"

    def build(self, *, priority: int, lang: str) -> bytes:
        from analytics.quality.report import pdf_download

        return pdf_download(priority=priority, lang=lang)


class ReportBundleStartView(ManagerRequiredMixin, View):
    """POST: start building the page's bundle as a job; answers with its progress, which polls itself."""

    def post(self, request):
        from analytics.bundles import bundle_job_start

        priority = _segment_param(request, request.POST)
        lang = "zh-hans" if request.LANGUAGE_CODE.startswith("zh") else "en"
        job = bundle_job_start(user=request.user, priority=priority, lang=lang)
        return render(request, BUNDLE_PROGRESS, {"job": job})


class ReportBundleStatusView(ManagerRequiredMixin, View):
    """The progress of a bundle job (polled by htmx until ready), then its download link."""

    def get(self, request, token):
        from analytics.bundles import bundle_job_status

        job = bundle_job_status(token=token, user=request.user)
        if job is None:
            raise Http404(_("No such bundle: it was started by someone else or has expired."))
        return render(request, BUNDLE_PROGRESS, {"job": job})


class ReportBundleFileView(ManagerRequiredMixin, View):
    """The zip of a ready bundle job, for the manager who started it."""

    def get(self, request, token):
        from analytics.bundles import bundle_job_file, bundle_job_status

        path = bundle_job_file(token=token, user=request.user)
        if path is None:
            raise Http404(_("This bundle is not ready, was started by someone else or has expired."))
        job = bundle_job_status(token=token, user=request.user)
        return FileResponse(path.open("rb"), as_attachment=True, filename=job.filename, content_type="application/zip")


BUNDLE_PROGRESS = "analytics/partials/bundle_progress.html"


class SubscriptionsView(ManagerRequiredMixin, TemplateView):
    """Report subscriptions: the list, and a form to add one (POST)."""

    template_name = "analytics/subscriptions.html"

    def get_context_data(self, form=None, **kwargs):
        from analytics.forms import ReportSubscriptionForm
        from analytics.subscriptions import subscription_list

        return {"form": form or ReportSubscriptionForm(), "subscriptions": subscription_list()}

    def post(self, request):
        from analytics.forms import ReportSubscriptionForm
        from analytics.subscriptions import subscription_create

        form = ReportSubscriptionForm(request.POST)
        if form.is_valid():
            try:
                subscription_create(owner=request.user, data=form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Subscription saved: the next report goes out after its period ends."))
                return redirect("analytics:subscriptions")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class SubscriptionDeleteView(ManagerRequiredMixin, View):
    """Delete a subscription (POST): its owner or an admin may."""

    def post(self, request, pk):
        from analytics.subscriptions import subscription_delete, subscription_list

        subscription = get_object_or_404(subscription_list(), pk=pk)
        if subscription.owner_id != request.user.pk and not request.user.is_superuser:
            raise PermissionDenied(_("Only the owner of a subscription or an admin can delete it."))
        subscription_delete(subscription=subscription)
        messages.success(request, _("Subscription deleted."))
        return redirect("analytics:subscriptions")


def _segment_param(request, params=None) -> int:
    """`?segment=` (or `segment` of `params`) as a contact priority 1–5 (1 when missing or invalid)."""
    try:
        return min(max(int((request.GET if params is None else params).get("segment", 1)), 1), 5)
    except ValueError:
        return 1


class AgentsView(ManagerRequiredMixin, ScopeMixin, TemplateView):
    """Agents: raw and shrunk satisfaction rates with intervals, case-mix adjusted rate, fair rank."""

    template_name = "analytics/agents.html"

    def get_context_data(self, **kwargs):
        scope = self.get_scope()
        return {"table": agent_scores(scope), "filter_form": self.filter_form, "presets": PRESETS, "scope": scope,
                "scope_words": scope_words(scope, data=TICKETS_DATA)}  # fmt: skip


class ContinuityView(ManagerRequiredMixin, TemplateView):
    """The report's "handler continuity" section (loaded by htmx): per segment and the customers most handed around."""

    template_name = "analytics/partials/continuity_body.html"

    def get_context_data(self, **kwargs):
        zh = self.request.LANGUAGE_CODE.startswith("zh")
        data = handler_continuity(Scope())
        test = data["overall"]["test"]
        return {"continuity": data, "reading": test["reading_zh"] if zh else test["reading_en"],
                "top_customers": data["customers"][:10], "priority": str(_segment_param(self.request))}  # fmt: skip


class AgentDetailView(ManagerRequiredMixin, ScopeMixin, TemplateView):
    """One agent over the page's scope: their row of the table, trend, breakdowns, lowest ratings, topics."""

    template_name = "analytics/agent.html"

    def get_context_data(self, key, **kwargs):
        scope = self.get_scope()
        profile = agent_profile(scope, key)
        if profile is None:
            raise Http404(_("Nobody with this name handled a ticket in this period."))
        cut = [cell.partial for cell in profile.trend]
        trend = chart(
            "line",
            [widgets.partial_label(cell.label) if cell.partial else cell.label for cell in profile.trend],
            [widgets.marked_partial(dataset(_("Satisfied %"), [round(cell.rate * 100, 1) for cell in profile.trend]),
                                    cut),
             widgets.marked_partial(dataset(_("Average rating"), [round(cell.avg_rating, 2) for cell in profile.trend],
                                            color_index=1, axis="y2"), cut)],
            scales=score_and_rate_scales(_("Satisfied %"), _("Average rating")),
        )  # fmt: skip
        return {"profile": profile, "trend_chart": trend, "filter_form": self.filter_form, "presets": PRESETS,
                "scope": scope, "query": self.request.GET.urlencode(),
                "scope_words": scope_words(scope, data=TICKETS_DATA)}  # fmt: skip
