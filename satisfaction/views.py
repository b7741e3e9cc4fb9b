"""Pages of the satisfaction app."""

from django.db.models import Count
from django.views.generic import TemplateView

from .models import Complaint, Customer, SatisfactionAlert, SatisfactionRecord, ServiceTicket
from .roles import StaffRequiredMixin


class HomeView(StaffRequiredMixin, TemplateView):
    """Landing page: what is in the system, and where to go next."""

    template_name = "satisfaction/home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["counts"] = {
            "customers": Customer.objects.count(),
            "records": SatisfactionRecord.objects.count(),
            "tickets": ServiceTicket.objects.count(),
            "complaints": Complaint.objects.count(),
            "open_alerts": SatisfactionAlert.objects.exclude(status=SatisfactionAlert.Status.RESOLVED).count(),
        }
        ctx["recent_records"] = SatisfactionRecord.objects.select_related("customer", "service_type")[:10]
        ctx["by_channel"] = SatisfactionRecord.objects.values("channel").annotate(n=Count("id")).order_by("channel")
        return ctx
