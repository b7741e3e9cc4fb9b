"""Recovery pages for managers: the queue (mine / all, overdue first), the case page, contact and close, the tile."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from core.describe import day_words, one_line
from core.filtersets import filters_line
from core.htmx import render_page_or_partial
from core.roles import ManagerRequiredMixin
from satisfaction.recovery.filtersets import RecoveryCaseFilterSet
from satisfaction.recovery.models import ContactAttempt, RecoveryCase
from satisfaction.recovery.selectors import (
    customer_recent_records,
    recovery_case_detail,
    recovery_case_list,
    recovery_figures,
    root_cause_counts,
)
from satisfaction.recovery.services import recovery_case_close, recovery_case_contact
from satisfaction.text.selectors import topics_in_order

PAGE_SIZE = 25
# The page's status choice, as the API's filters say it (the same FilterSet serves both).
STATUS_FILTERS = {"unclosed": {"unclosed": "true"}, "overdue": {"overdue": "true"}, "closed": {"status": "closed"},
                  "all": {}}  # fmt: skip


RESURVEY_SKIPPED = {
    "no_contact": gettext_lazy("No re-survey: the customer has no contact who can be asked."),
    "no_email": gettext_lazy("No re-survey: the contact has no e-mail address."),
    "unsubscribed": gettext_lazy("No re-survey: the contact unsubscribed from surveys."),
}


def _first_error(exc: ValidationError) -> str:
    return " ".join(msg for msgs in exc.message_dict.values() for msg in msgs)


def _pct(x):
    return None if x is None else round(x * 100, 1)


class RecoveryListView(ManagerRequiredMixin, TemplateView):
    """Recovery cases: mine or all, open ones first and overdue on top (state kept in the URL)."""

    template_name = "recovery/list.html"
    partial_name = "recovery/partials/table.html"

    def get(self, request, *args, **kwargs):
        status = request.GET.get("status", "unclosed")
        status = status if status in STATUS_FILTERS else "unclosed"
        mine = request.GET.get("mine") == "1"
        data = {**STATUS_FILTERS[status], "mine": "true" if mine else "", "q": request.GET.get("q", "")}
        filterset = RecoveryCaseFilterSet(data, queryset=recovery_case_list(), request=request)
        qs = filterset.qs
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "page": Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page")),
            "status": status,
            "mine": mine,
            "q": request.GET.get("q", ""),
            "statuses": [
                ("unclosed", _("Open or contacted")),
                ("overdue", _("Overdue")),
                ("closed", _("Closed")),
                ("all", _("All")),
            ],  # fmt: skip
            "query": query.urlencode(),
            "now": timezone.now(),
            "root_causes": [] if request.htmx else root_cause_counts(),
            "scope_words": filters_line(filterset),
        }
        return render_page_or_partial(request, self.template_name, self.partial_name, context)


class RecoveryCaseView(ManagerRequiredMixin, TemplateView):
    """One case: the response, the customer's recent history, the contact log, and the contact / close forms."""

    template_name = "recovery/detail.html"

    def get_context_data(self, pk, **kwargs):
        try:
            case = recovery_case_detail(case_id=pk)
        except RecoveryCase.DoesNotExist:
            raise Http404 from None
        return {
            "case": case,
            "scope_words": one_line(
                [_("case opened %(day)s") % {"day": day_words(timezone.localdate(case.opened_at))}, case.customer.name]
            ),
            "history": customer_recent_records(customer_id=case.customer_id),
            "channels": ContactAttempt.Channel.choices,
            "outcomes": RecoveryCase.Outcome.choices,
            "topics": topics_in_order(),
        }


class RecoveryActionView(ManagerRequiredMixin, View):
    """POST contact / close through the services, then back to the case page with the outcome as a message."""

    action = "contact"

    def post(self, request, pk):
        case = get_object_or_404(RecoveryCase, pk=pk)
        try:
            if self.action == "contact":
                at = request.POST.get("at") or None
                parsed = parse_datetime(at) if at else None
                if at and parsed is None:
                    raise ValidationError({"at": _("Enter a date and time, e.g. 2026-12-01 14:30.")})
                if parsed is not None and timezone.is_naive(parsed):
                    parsed = timezone.make_aware(parsed)
                recovery_case_contact(
                    case=case,
                    user=request.user,
                    channel=request.POST.get("channel", ""),
                    note=request.POST.get("note", ""),
                    reached=request.POST.get("reached", "1") == "1",
                    at=parsed,
                )
                messages.success(request, _("Contact attempt logged."))
            else:
                closed = recovery_case_close(
                    case=case,
                    user=request.user,
                    outcome=request.POST.get("outcome", ""),
                    root_cause=request.POST.get("root_cause", ""),
                    root_cause_topic=request.POST.get("root_cause_topic") or None,
                    note=request.POST.get("note", ""),
                    resurvey=request.POST.get("resurvey") == "1",
                )
                messages.success(request, _("Case closed."))
                if closed.resurvey_id:
                    messages.info(request, _("A one-question re-survey was sent to %(contact)s.")
                                  % {"contact": closed.resurvey.contact})  # fmt: skip
                elif closed.resurvey_skipped:
                    messages.warning(request, RESURVEY_SKIPPED.get(closed.resurvey_skipped, closed.resurvey_skipped))
        except ValidationError as exc:
            messages.error(request, _first_error(exc))
        return redirect("recovery-case", pk=pk)


class RecoveryTileView(ManagerRequiredMixin, TemplateView):
    """The dashboard tile: open and overdue cases, contacted within the SLA, recovery rate (with intervals)."""

    template_name = "recovery/partials/tile_body.html"

    def get_context_data(self, **kwargs):
        figures = recovery_figures()
        sla, rec = figures.sla_interval, figures.recovery_interval
        return {
            "figures": figures,
            "sla_pct": _pct(figures.sla_rate),
            "sla_low": _pct(sla.low) if sla else None,
            "sla_high": _pct(sla.high) if sla else None,
            "recovery_pct": _pct(figures.recovery_rate),
            "recovery_low": _pct(rec.low) if rec else None,
            "recovery_high": _pct(rec.high) if rec else None,
        }
