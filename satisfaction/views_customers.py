"""Customer pages: a filterable, sortable list and a detail page with the customer's whole history."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from . import selectors
from .chartjs import chart, dataset, score_and_rate_scales
from .filtersets import CustomerFilterSet
from .htmx import render_page_or_partial
from .roles import StaffRequiredMixin, is_manager
from .selectors_customers import customer_monthly_trend, customer_summary

PAGE_SIZE = 25
SORTS = {
    "name": ("name", _("Name")),
    "-records": ("-record_count", _("Most feedback")),
    "segment": ("segment_priority", _("Segment priority")),
    "-created": ("-created_at", _("Newest")),
}


class CustomerListView(StaffRequiredMixin, TemplateView):
    """Customers with search, filters (segment, service type, watch list), sorting and pagination."""

    template_name = "satisfaction/customers/list.html"
    partial_name = "satisfaction/customers/partials/table.html"

    def get(self, request, *args, **kwargs):
        filterset = CustomerFilterSet(request.GET, queryset=selectors.customer_list(), request=request)
        sort = request.GET.get("sort", "name")
        order = SORTS.get(sort, SORTS["name"])[0]
        qs = filterset.qs.order_by(order, "pk") if filterset.is_valid() else selectors.customer_list().none()
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "filter": filterset,
            "page": page,
            "sort": sort,
            "sorts": [(key, label) for key, (_order, label) in SORTS.items()],
            "query": query.urlencode(),
        }
        return render_page_or_partial(request, self.template_name, self.partial_name, context)


class CustomerDetailView(StaffRequiredMixin, TemplateView):
    """One customer: trend chart, records, tickets, complaints, alerts and watch-list status."""

    template_name = "satisfaction/customers/detail.html"

    def get_context_data(self, pk, **kwargs):
        customer = get_object_or_404(selectors.customer_list(), pk=pk)
        summary = customer_summary(customer_id=pk)
        trend = customer_monthly_trend(customer_id=pk)
        trend_chart = chart(
            "line",
            [row["month"] for row in trend],
            [
                dataset(_("Satisfied %"), [round(row["satisfaction_rate"] * 100, 1) for row in trend]),
                dataset(_("Average score"), [row["avg_score"] for row in trend], color_index=1, axis="y2"),
            ],
            scales=score_and_rate_scales(_("Satisfied %"), _("Average score")),
        )
        return {
            "customer": customer,
            "summary": summary,
            "trend": trend,
            "trend_chart": trend_chart,
            "contacts": customer.contacts.all(),
            "records": selectors.record_list().filter(customer_id=pk)[:20],
            "tickets": selectors.ticket_list().filter(contract__customer_id=pk)[:20],
            "complaints": selectors.complaint_list().filter(contract__customer_id=pk)[:20],
            "alerts": selectors.alert_list().filter(customer_id=pk)[:20],
            "watch_entries": selectors.watchlist_list().filter(customer_id=pk),
            "can_manage": is_manager(self.request.user),
        }
