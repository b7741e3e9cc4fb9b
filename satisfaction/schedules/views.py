"""The jobs page: what the schedule runs, when it last ran and how, and when it runs next."""

from django.views.generic import TemplateView

from core.roles import ManagerRequiredMixin
from satisfaction.schedules.selectors import job_statuses, schedules_run_here


class JobsView(ManagerRequiredMixin, TemplateView):
    template_name = "schedules/jobs.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(statuses=job_statuses(), embedded=schedules_run_here(), **kwargs)
