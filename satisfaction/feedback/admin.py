"""Admin of satisfaction records and targets."""

from django.contrib import admin

from satisfaction.feedback import models as m


@admin.register(m.SatisfactionRecord)
class SatisfactionRecordAdmin(admin.ModelAdmin):
    list_display = ["created_at", "customer", "service_type", "score", "channel", "self_rated", "recorded_by"]
    list_filter = ["service_type", "channel", "self_rated", "score"]
    search_fields = ["external_id", "feedback", "customer__name"]
    date_hierarchy = "created_at"
    list_select_related = ["customer", "service_type", "recorded_by"]
    raw_id_fields = ["customer", "ticket", "complaint", "recorded_by"]
    readonly_fields = ["alerts_evaluated_at", "self_rated"]
    show_full_result_count = False  # counting a million rows on every page view is wasteful


@admin.register(m.SatisfactionTarget)
class SatisfactionTargetAdmin(admin.ModelAdmin):
    list_display = ["__str__", "metric", "target_value", "service_type", "period", "is_active"]
    list_filter = ["metric", "period", "is_active"]
    list_editable = ["target_value", "is_active"]
