"""Admin of survey settings, campaigns, invitations and opt-outs."""

from django.contrib import admin

from satisfaction.surveys import models as m


@admin.register(m.SurveySettings)
class SurveySettingsAdmin(admin.ModelAdmin):
    list_display = [
        "service_type", "enabled", "sample_every", "delay_hours", "cooldown_days", "reminder_after_days", "valid_days",
    ]  # fmt: skip
    list_editable = ["enabled", "sample_every", "delay_hours", "cooldown_days", "reminder_after_days", "valid_days"]
    filter_horizontal = ["excluded_customers", "excluded_contacts"]
    readonly_fields = ["cases_seen"]


@admin.register(m.SurveyCampaign)
class SurveyCampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "service_type", "contact_priority", "next_run_at", "repeat_every_days", "is_active"]
    list_filter = ["is_active", "service_type"]
    search_fields = ["name"]
    raw_id_fields = ["created_by"]


@admin.register(m.SurveyInvitation)
class SurveyInvitationAdmin(admin.ModelAdmin):
    list_display = [
        "created_at", "contact", "customer", "service_type", "source", "sent_at", "opened_at", "answered_at",
    ]  # fmt: skip
    list_filter = ["source", "service_type"]
    search_fields = ["contact__name", "contact__email", "customer__name"]
    date_hierarchy = "created_at"
    list_select_related = ["contact", "customer", "service_type"]
    # Invitations are written by the survey services (the token id must never change); the admin only reads them.
    readonly_fields = [f.name for f in m.SurveyInvitation._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(m.SurveyOptOut)
class SurveyOptOutAdmin(admin.ModelAdmin):
    list_display = ["contact", "created_at"]
    search_fields = ["contact__name", "contact__email"]
    raw_id_fields = ["contact", "via"]
