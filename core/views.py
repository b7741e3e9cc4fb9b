"""The home page: each role lands where its work is."""

from django.shortcuts import redirect
from django.urls import reverse
from django.views import View

from core.roles import StaffRequiredMixin, is_manager


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
