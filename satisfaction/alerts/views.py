"""Alert and watch-list pages for managers: filter, acknowledge and resolve inline, watch customers."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from core.describe import dates_words, one_line
from core.htmx import is_partial, render_page_or_partial
from core.redirects import redirect_back
from core.roles import ManagerRequiredMixin
from core.spreadsheets import about_rows, export_format, local_iso, table_response
from satisfaction.alerts.filtersets import SatisfactionAlertFilterSet
from satisfaction.alerts.models import AlertSettings, SatisfactionAlert, WatchlistEntry
from satisfaction.alerts.periods import alert_period_words
from satisfaction.alerts.selectors import (
    alert_counts,
    alert_detail,
    alert_drilldown_query,
    alert_evidence_records,
    alert_list,
    watchlist_list,
)
from satisfaction.alerts.services import alert_acknowledge, alert_resolve
from satisfaction.alerts.watchlist import watchlist_add, watchlist_remove
from satisfaction.crm.models import Customer

PAGE_SIZE = 25
# The page's status choice, as the API's filters say it (the same FilterSet serves both).
STATUS_FILTERS = {"unresolved": {"unresolved": "true"}, "open": {"status": "open"},
                  "acknowledged": {"status": "acknowledged"}, "resolved": {"status": "resolved"}}  # fmt: skip


def _first_error(exc: ValidationError) -> str:
    return " ".join(msg for msgs in exc.message_dict.values() for msg in msgs)


class AlertListView(ManagerRequiredMixin, TemplateView):
    """Alerts filtered by status, kind and severity (state kept in the URL)."""

    template_name = "alerts/list.html"
    partial_name = "alerts/partials/table.html"

    def get(self, request, *args, **kwargs):
        status = request.GET.get("status", "unresolved")
        kind = request.GET.get("kind") or None
        severity = request.GET.get("severity") or None
        kind = kind if kind in SatisfactionAlert.Kind.values else None
        severity = severity if severity in SatisfactionAlert.Severity.values else None
        data = {**STATUS_FILTERS.get(status, {}), "kind": kind or "", "severity": severity or ""}
        data["q"] = request.GET.get("q", "")
        qs = SatisfactionAlertFilterSet(data, queryset=alert_list()).qs
        # The page's filters in words: the export's "about" rows and the line above the list say the same.
        words = [(_("Period"), dates_words(None, None)), (_("Status"), dict(self._statuses()).get(status, status))]
        words += [(_("Kind"), SatisfactionAlert.Kind(kind).label)] if kind else []
        words += [(_("Severity"), SatisfactionAlert.Severity(severity).label)] if severity else []
        words += [(_("Search"), data["q"])] if data["q"] else []
        if fmt := export_format(request):
            return table_response(fmt, "alerts", ALERT_COLUMNS, _alert_rows(qs), about_rows(request, words))
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "page": Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page")),
            "status": status,
            "kind": kind,
            "severity": severity,
            "q": request.GET.get("q", ""),
            "kinds": SatisfactionAlert.Kind.choices,
            "severities": SatisfactionAlert.Severity.choices,
            "statuses": self._statuses(),
            "counts": alert_counts(),
            "query": query.urlencode(),
            "scope_words": one_line([_("alerts raised at any time"), *(value for _label, value in words[1:])]),
        }
        return render_page_or_partial(request, self.template_name, self.partial_name, context)

    @staticmethod
    def _statuses():
        return [("unresolved", _("Unresolved")), ("open", _("Open")), ("acknowledged", _("Acknowledged")),
                ("resolved", _("Resolved"))]  # fmt: skip


ALERT_COLUMNS = ["id", "created_at", "kind", "severity", "status", "customer", "service_type", "value", "threshold",
                 "message", "occurrences", "acknowledged_at", "resolved_at"]  # fmt: skip


def _alert_rows(qs):
    zh = (translation.get_language() or "").startswith("zh")
    for a in qs.iterator(chunk_size=2000):
        yield [a.pk, local_iso(a.created_at), a.kind, a.severity, a.status, a.customer.name if a.customer else "",
               a.service_type.code if a.service_type else "", a.value, a.threshold,
               (a.message_zh if zh else a.message_en) or a.message_en, a.occurrences, local_iso(a.acknowledged_at),
               local_iso(a.resolved_at)]  # fmt: skip


WATCHLIST_COLUMNS = ["customer", "external_id", "segment_priority", "risk_score", "reason", "note", "open_alerts",
                     "owner", "since"]  # fmt: skip


class AlertDetailView(ManagerRequiredMixin, TemplateView):
    """One alert with its evidence, scope and history."""

    template_name = "alerts/detail.html"

    def get_context_data(self, pk, **kwargs):
        try:
            alert = alert_detail(alert_id=pk)
        except SatisfactionAlert.DoesNotExist:
            raise Http404 from None
        about = alert.customer or alert.service_type or _("every service type")
        return {
            "alert": alert,
            "evidence_records": alert_evidence_records(alert=alert),
            "drilldown_query": alert_drilldown_query(alert=alert),
            "scope_words": one_line([alert_period_words(alert), str(about)]),
        }


class AlertActionView(ManagerRequiredMixin, View):
    """POST acknowledge / resolve; htmx gets the updated row back, a plain form a redirect."""

    action = "acknowledge"

    def post(self, request, pk):
        alert = get_object_or_404(SatisfactionAlert, pk=pk)
        error = ""
        try:
            if self.action == "acknowledge":
                alert = alert_acknowledge(alert=alert, user=request.user)
            else:
                alert = alert_resolve(alert=alert, user=request.user, note=request.POST.get("note", ""))
        except ValidationError as exc:
            error = _first_error(exc)
        if is_partial(request):
            alert = SatisfactionAlert.objects.select_related("customer", "service_type").get(pk=pk)
            # The row, and out of band the header counts it changed (the list page's; other pages have none).
            body = render_to_string("alerts/partials/row.html", {"alert": alert, "error": error}, request=request)
            body += render_to_string("alerts/partials/counts.html", {"counts": alert_counts(), "oob": True})
            return HttpResponse(body, status=422 if error else 200)
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("Alert updated."))
        return redirect_back(request, "alert-list")


class WatchlistView(ManagerRequiredMixin, TemplateView):
    """Customers under watch, highest risk first, with the reasons behind the score."""

    template_name = "alerts/watchlist/list.html"

    def get_context_data(self, **kwargs):
        entries = watchlist_list(owner_id=self.request.user.pk if self.request.GET.get("mine") else None)
        words = [value for _label, value in watchlist_words(bool(self.request.GET.get("mine")))]
        return {"entries": entries, "mine": bool(self.request.GET.get("mine")), "scope_words": one_line(words)}

    def get(self, request, *args, **kwargs):
        if fmt := export_format(request):
            mine = bool(request.GET.get("mine"))
            entries = watchlist_list(owner_id=request.user.pk if mine else None)
            rows = ([e.customer.name, e.customer.external_id, e.segment_priority, round(e.risk_score, 1),
                     e.get_reason_display(), e.note, e.open_alert_count, e.owner or "", local_iso(e.since)]
                    for e in entries)  # fmt: skip
            return table_response(fmt, "watchlist", WATCHLIST_COLUMNS, rows, about_rows(request, watchlist_words(mine)))
        return super().get(request, *args, **kwargs)


def watchlist_words(mine: bool) -> list[tuple[str, str]]:
    """The watch list's scope in words: who is on it now, whose, and the days the risk scores read."""
    days = AlertSettings.load().risk_lookback_days
    rows = [(_("Period"), _("on the list now; risk scores from the last %(days)s days") % {"days": days})]
    rows.append((_("Owner"), _("mine") if mine else _("everyone's")))
    return rows


class WatchlistAddView(ManagerRequiredMixin, View):
    def post(self, request):
        raw = request.POST.get("customer", "")
        customer = Customer.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
        if customer is None:
            messages.error(request, _("Choose a customer to watch."))
        else:
            try:
                watchlist_add(customer=customer, user=request.user, note=request.POST.get("note", ""))
            except ValidationError as exc:
                messages.error(request, _first_error(exc))
            else:
                messages.success(request, _("%(customer)s is now on the watch list.") % {"customer": customer})
        return redirect_back(request, "watchlist")


class WatchlistRemoveView(ManagerRequiredMixin, View):
    def post(self, request, pk):
        entry = get_object_or_404(WatchlistEntry, pk=pk)
        try:
            watchlist_remove(entry=entry, user=request.user, note=request.POST.get("note", ""))
        except ValidationError as exc:
            messages.error(request, _first_error(exc))
        else:
            messages.success(request, _("%(customer)s left the watch list.") % {"customer": entry.customer})
        return redirect_back(request, "watchlist")
