"""Customer list: search, filters, sorting and pagination."""

from django.core.paginator import Paginator
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from core.filtersets import filters_about, filters_line
from core.htmx import render_page_or_partial
from core.roles import StaffRequiredMixin
from core.spreadsheets import about_rows, export_format, local_iso, table_response
from satisfaction.crm import selectors
from satisfaction.crm.filtersets import CustomerFilterSet

PAGE_SIZE = 25


SORTS = {
    "name": ("name", _("Name")),
    "-records": ("-record_count", _("Most feedback")),
    "segment": ("segment_priority", _("Segment priority")),
    "-created": ("-created_at", _("Newest")),
}


CUSTOMER_COLUMNS = ["name", "external_id", "industry", "tier", "segment_priority", "contacts", "records",
                    "on_watchlist", "created_at"]  # fmt: skip


def _customer_rows(qs):
    for c in qs.iterator(chunk_size=2000):
        yield [c.name, c.external_id, c.industry, c.tier, c.segment_priority, c.contact_count, c.record_count,
               c.on_watchlist, local_iso(c.created_at)]  # fmt: skip


class CustomerListView(StaffRequiredMixin, TemplateView):
    """Customers with search, filters (segment, service type, watch list), sorting and pagination."""

    template_name = "crm/customer_list.html"
    partial_name = "crm/partials/customer_table.html"

    def get(self, request, *args, **kwargs):
        filterset = CustomerFilterSet(request.GET, queryset=selectors.customer_list(), request=request)
        sort = request.GET.get("sort", "name")
        order = SORTS.get(sort, SORTS["name"])[0]
        qs = filterset.qs.order_by(order, "pk") if filterset.is_valid() else selectors.customer_list().none()
        if fmt := export_format(request):
            about = about_rows(request, filters_about(filterset))
            return table_response(fmt, "customers", CUSTOMER_COLUMNS, _customer_rows(qs), about)
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "filter": filterset,
            "page": page,
            "sort": sort,
            "sorts": [(key, label) for key, (_order, label) in SORTS.items()],
            "query": query.urlencode(),
            "scope_words": filters_line(filterset),
        }
        return render_page_or_partial(request, self.template_name, self.partial_name, context)
