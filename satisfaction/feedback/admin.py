"""Admin of satisfaction records (through the feedback services) and targets."""

from django.contrib import admin

from core.admin import ServiceAdmin
from satisfaction.feedback import models as m
from satisfaction.feedback.services import RECORD_EDITABLE_FIELDS, record_satisfaction, record_update

RECORD_NEW_FIELDS = (
    "customer", "service_type", "score", "feedback", "response_time_hours", "accuracy_score", "completeness_score",
    "channel", "ticket", "complaint", "external_id", "created_at",
)  # fmt: skip


@admin.register(m.SatisfactionRecord)
class SatisfactionRecordAdmin(ServiceAdmin):
    """Records are created through `record_satisfaction` and changed through `record_update`, so alert
    evaluation and snapshots follow an admin edit as they follow the form and the API."""

    list_display = ["created_at", "customer", "service_type", "score", "channel", "self_rated", "recorded_by"]
    list_filter = ["service_type", "channel", "self_rated", "score"]
    search_fields = ["external_id", "feedback", "customer__name"]
    date_hierarchy = "created_at"
    list_select_related = ["customer", "service_type", "recorded_by"]
    raw_id_fields = ["customer", "ticket", "complaint", "recorded_by"]
    readonly_fields = ["alerts_evaluated_at", "self_rated"]
    show_full_result_count = False  # counting a million rows on every page view is wasteful

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        editable = set(RECORD_EDITABLE_FIELDS)
        return [f.name for f in self.model._meta.fields if f.name not in editable]

    def get_fields(self, request, obj=None):
        return list(RECORD_NEW_FIELDS) if obj is None else super().get_fields(request, obj)

    def create_through(self, request, data):
        record, _created = record_satisfaction(**data, recorded_by=request.user)
        return record

    def update_through(self, request, obj, data):
        return record_update(record=obj, data=data)

    @property
    def service_fields(self):
        return (*RECORD_NEW_FIELDS, *RECORD_EDITABLE_FIELDS)


@admin.register(m.SatisfactionTarget)
class SatisfactionTargetAdmin(admin.ModelAdmin):
    list_display = ["__str__", "metric", "target_value", "service_type", "period", "is_active"]
    list_filter = ["metric", "period", "is_active"]
    list_editable = ["target_value", "is_active"]
