"""Admin of the periodic job runs, with every job's last and next run above the list."""

from django.contrib import admin

from satisfaction.schedules.models import JobRun
from satisfaction.schedules.selectors import job_statuses, schedules_run_here


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    change_list_template = "admin/schedules/jobrun/change_list.html"
    list_display = ["job", "due_at", "started_at", "finished_at", "ok", "short_result", "host"]
    list_filter = ["job", "ok"]
    search_fields = ["job", "error", "result"]
    date_hierarchy = "due_at"
    # Runs are written by the scheduler; the admin reads them (and may delete old ones).
    readonly_fields = [f.name for f in JobRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="result / error")
    def short_result(self, obj: JobRun) -> str:
        text = obj.error or obj.result
        return text if len(text) <= 80 else text[:77] + "…"

    def changelist_view(self, request, extra_context=None):
        extra = {"statuses": job_statuses(), "embedded": schedules_run_here(), **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra)
