"""Admin of alerts, the watch list, risk scores, alert settings, webhooks and notification preferences."""

from django.contrib import admin

from satisfaction.alerts import models as m


@admin.register(m.SatisfactionAlert)
class SatisfactionAlertAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "severity", "status", "customer", "service_type", "value", "occurrences"]
    list_filter = ["status", "kind", "severity", "service_type"]
    search_fields = ["dedupe_key", "customer__name", "message_en", "message_zh"]
    date_hierarchy = "created_at"
    list_select_related = ["customer", "service_type"]
    raw_id_fields = ["customer", "record", "complaint", "acknowledged_by", "resolved_by"]
    readonly_fields = ["created_at", "last_seen_at", "occurrences", "dedupe_key", "evidence"]


@admin.register(m.WatchlistEntry)
class WatchlistEntryAdmin(admin.ModelAdmin):
    list_display = ["customer", "reason", "owner", "added_by", "since", "removed_at"]
    list_filter = ["reason", ("removed_at", admin.EmptyFieldListFilter)]
    search_fields = ["customer__name", "note"]
    date_hierarchy = "since"
    list_select_related = ["customer", "owner", "added_by"]
    raw_id_fields = ["customer", "alert", "added_by", "owner", "removed_by"]


@admin.register(m.AlertSettings)
class AlertSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "low_score_below", "decline_mean_below", "drop_alpha", "risk_threshold", "updated_at"]
    readonly_fields = ["updated_at"]

    def has_add_permission(self, request):
        # One row: add it once, then edit it.
        return super().has_add_permission(request) and not m.AlertSettings.objects.exists()


@admin.register(m.RiskWeight)
class RiskWeightAdmin(admin.ModelAdmin):
    list_display = ["factor", "weight", "cap", "description"]
    list_editable = ["weight", "cap"]


@admin.register(m.CustomerRiskScore)
class CustomerRiskScoreAdmin(admin.ModelAdmin):
    list_display = ["customer", "score", "computed_at"]
    search_fields = ["customer__name"]
    list_select_related = ["customer"]
    readonly_fields = ["customer", "score", "reasons", "computed_at"]


class WebhookDeliveryInline(admin.TabularInline):
    model = m.WebhookDelivery
    extra = 0
    can_delete = False
    fields = ["created_at", "event", "alert", "status", "attempts", "response_status", "error", "delivered_at"]
    readonly_fields = fields
    ordering = ["-created_at"]
    max_num = 0
    show_change_link = True


@admin.register(m.WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "is_active", "on_opened", "on_escalated", "on_resolved", "min_severity"]
    list_filter = ["is_active"]
    search_fields = ["name", "url"]
    inlines = [WebhookDeliveryInline]


@admin.register(m.WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "endpoint", "event", "alert", "status", "attempts", "response_status", "delivered_at"]
    list_filter = ["status", "event", "endpoint"]
    date_hierarchy = "created_at"
    list_select_related = ["endpoint", "alert"]
    readonly_fields = [
        "endpoint", "alert", "event", "payload", "status", "attempts", "response_status", "response_body",
        "error", "created_at", "last_attempt_at", "delivered_at",
    ]  # fmt: skip


@admin.register(m.NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "alert_emails", "weekly_digest", "monthly_review"]
    list_filter = ["alert_emails", "weekly_digest", "monthly_review"]
    search_fields = ["user__username", "user__email"]
    raw_id_fields = ["user"]
