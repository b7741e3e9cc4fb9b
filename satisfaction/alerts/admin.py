"""Admin of alerts, the watch list, risk scores, alert settings, webhooks and notification preferences."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from satisfaction.alerts import models as m
from satisfaction.alerts.services import alert_acknowledge, alert_resolve


@admin.register(m.SatisfactionAlert)
class SatisfactionAlertAdmin(admin.ModelAdmin):
    """Alerts are raised by the rules and move through their lifecycle by the actions below (the alert
    services), never by editing fields: so e-mails, webhooks and the watch list follow as on the page."""

    list_display = ["created_at", "kind", "severity", "status", "customer", "service_type", "value", "occurrences"]
    list_filter = ["status", "kind", "severity", "service_type"]
    search_fields = ["dedupe_key", "customer__name", "message_en", "message_zh"]
    date_hierarchy = "created_at"
    list_select_related = ["customer", "service_type"]
    raw_id_fields = ["customer", "record", "complaint", "acknowledged_by", "resolved_by"]
    actions = ["acknowledge", "resolve"]

    def has_add_permission(self, request):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    @admin.action(description=_("Acknowledge the selected alerts"))
    def acknowledge(self, request, queryset):
        done = 0
        for alert in queryset.exclude(status=m.SatisfactionAlert.Status.RESOLVED):
            alert_acknowledge(alert=alert, user=request.user)
            done += 1
        self.message_user(request, _("%(n)d alerts acknowledged.") % {"n": done})

    @admin.action(description=_("Resolve the selected alerts"))
    def resolve(self, request, queryset):
        done = 0
        for alert in queryset.exclude(status=m.SatisfactionAlert.Status.RESOLVED):
            alert_resolve(alert=alert, user=request.user, note=str(_("Resolved in the admin.")))
            done += 1
        self.message_user(request, _("%(n)d alerts resolved.") % {"n": done})


@admin.register(m.WatchlistEntry)
class WatchlistEntryAdmin(admin.ModelAdmin):
    """Read-only: customers are added to and removed from the watch list on its page or by the rules."""

    def has_add_permission(self, request):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

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
        "error", "created_at", "last_attempt_at", "next_attempt_at", "delivered_at",
    ]  # fmt: skip


@admin.register(m.AlertEmail)
class AlertEmailAdmin(admin.ModelAdmin):
    """The outbox of alert e-mails: what was sent, what waits (and why), what failed; rows are written by the
    alert services and sent by a task, so nothing here is edited by hand."""

    list_display = ["created_at", "to_email", "event", "alert", "status", "attempts", "last_error", "sent_at"]
    list_filter = ["status", "event"]
    search_fields = ["to_email", "subject", "last_error"]
    date_hierarchy = "created_at"
    list_select_related = ["alert"]
    actions = ["send_again"]

    def has_add_permission(self, request):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    @admin.action(description=_("Send the selected failed or skipped e-mails again"))
    def send_again(self, request, queryset):
        from satisfaction.alerts.outbox import alert_emails_retry

        queued = alert_emails_retry(email_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, _("%(count)d e-mail(s) queued again.") % {"count": queued})


@admin.register(m.NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "alert_emails", "weekly_digest", "monthly_review"]
    list_filter = ["alert_emails", "weekly_digest", "monthly_review"]
    search_fields = ["user__username", "user__email"]
    raw_id_fields = ["user"]
