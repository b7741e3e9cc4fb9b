"""Pages of the satisfaction app: thin views that parse, call a service or selector, and render."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from .forms import FeedbackForm
from .htmx import render_page_or_partial
from .models import Customer, SatisfactionRecord
from .roles import StaffRequiredMixin, is_manager
from .services.feedback import record_satisfaction

RECENT_ENTRIES = 10


class HomeView(StaffRequiredMixin, View):
    """`/`: managers land on the dashboard, staff on the feedback form."""

    def get(self, request):
        if is_manager(request.user):
            return redirect("analytics:dashboard") if _has_dashboard() else redirect("record-feedback")
        return redirect("record-feedback")


def _has_dashboard() -> bool:
    try:
        reverse("analytics:dashboard")
    except Exception:  # noqa: BLE001 - the dashboard URL is optional until the analytics pages exist
        return False
    return True


class RecordFeedbackView(StaffRequiredMixin, View):
    """Staff record a customer's feedback; errors show inline, a success keeps the form ready for the next one."""

    page = "satisfaction/record_feedback.html"
    partial = "satisfaction/partials/feedback_form.html"

    def get(self, request):
        return self._render(request, FeedbackForm())

    def post(self, request):
        form = FeedbackForm(request.POST)
        if form.is_valid():
            try:
                record, _created = record_satisfaction(
                    **form.service_kwargs(), channel=SatisfactionRecord.Channel.FORM, recorded_by=request.user
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(
                    request,
                    _("Saved: %(customer)s rated %(service)s %(score)s.")
                    % {"customer": record.customer, "service": record.service_type, "score": record.score},
                )
                if request.htmx:
                    return self._render(request, FeedbackForm(initial={"service_type": record.service_type_id}))
                return redirect("record-feedback")
        return self._render(request, form, status=422 if request.htmx else 200)

    def _render(self, request, form, status=200):
        recent = (
            SatisfactionRecord.objects.filter(recorded_by=request.user)
            .select_related("customer", "service_type")
            .order_by("-created_at")[:RECENT_ENTRIES]
        )
        selected = form["customer"].value()
        customer = Customer.objects.filter(pk=selected).first() if str(selected or "").isdigit() else None
        context = {"form": form, "recent": recent, "selected_customer": customer}
        return render_page_or_partial(request, self.page, self.partial, context, status=status)


class CustomerSearchView(StaffRequiredMixin, TemplateView):
    """Search-as-you-type for the feedback form: up to 10 customers by name or external id."""

    template_name = "satisfaction/partials/customer_search_results.html"

    def get_context_data(self, **kwargs):
        q = self.request.GET.get("q", "").strip()
        matches = Customer.objects.none()
        if q:
            matches = (Customer.objects.filter(name__icontains=q) | Customer.objects.filter(external_id__iexact=q))[:10]
        return {"q": q, "customers": matches}
