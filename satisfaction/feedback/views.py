"""Recording feedback: the form page, its customer search and the staff member's recent entries."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from core.htmx import render_page_or_partial
from core.roles import StaffRequiredMixin
from satisfaction.crm.models import Customer
from satisfaction.feedback.forms import FeedbackForm
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.feedback.services import record_satisfaction

RECENT_ENTRIES = 10


class RecordFeedbackView(StaffRequiredMixin, View):
    """Staff record a customer's feedback; errors show inline, a success keeps the form ready for the next one."""

    page = "feedback/record_feedback.html"
    partial = "feedback/partials/feedback_form.html"

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

    template_name = "feedback/partials/customer_search_results.html"

    def get_context_data(self, **kwargs):
        q = self.request.GET.get("q", "").strip()
        matches = Customer.objects.none()
        if q:
            matches = (Customer.objects.filter(name__icontains=q) | Customer.objects.filter(external_id__iexact=q))[:10]
        return {"q": q, "customers": matches}
