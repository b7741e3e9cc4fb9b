"""Django admin for every domain model: the admin's home for data, thresholds and targets."""

from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from . import models as m
from .services.contacts import CONTACT_FIELDS, contact_bulk_delete, contact_create, contact_delete, contact_update

# Contacts are written through the contact service, here and in the customer's inline, because it announces
# on commit a change that can move the customer to another segment.


def _save_contact(obj: m.Contact, form, change: bool) -> m.Contact:
    """Save a contact from an admin form through the service; `obj` is the form's instance."""
    values = {name: form.cleaned_data[name] for name in CONTACT_FIELDS if name in form.cleaned_data}
    if change:
        return contact_update(contact=obj, data=values)
    contact = contact_create(**values)
    # The admin goes on with `obj` (history entry, redirect): give it the saved row's identity.
    obj.pk, obj._state = contact.pk, contact._state
    return obj


class ContactInlineFormSet(BaseInlineFormSet):
    def save_new(self, form, commit=True):
        if not commit:
            return super().save_new(form, commit=commit)
        setattr(form.instance, self.fk.name, self.instance)
        form.cleaned_data[self.fk.name] = self.instance
        return _save_contact(form.instance, form, change=False)

    def save_existing(self, form, obj, commit=True):
        if not commit:
            return super().save_existing(form, obj, commit=commit)
        return _save_contact(obj, form, change=True)

    def delete_existing(self, obj, commit=True):
        if commit:
            contact_delete(contact=obj)


class ContactInline(admin.TabularInline):
    model = m.Contact
    formset = ContactInlineFormSet
    extra = 0
    fields = ["name", "contact_priority", "email", "phone", "language", "external_id"]


class ContractInline(admin.TabularInline):
    model = m.Contract
    extra = 0
    fields = ["number", "service_type", "start_date", "end_date", "value", "external_id"]


@admin.register(m.ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_zh", "is_active", "sort_order"]
    list_editable = ["is_active", "sort_order"]
    search_fields = ["code", "name_en", "name_zh"]


class SegmentFilter(admin.SimpleListFilter):
    title = _("segment priority")
    parameter_name = "segment"

    def lookups(self, request, model_admin):
        return [(str(p), _("Priority %(p)s") % {"p": p}) for p in range(1, 6)]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(segment_priority=int(self.value()))
        return queryset


@admin.register(m.Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "external_id", "industry", "tier", "segment_priority", "created_at"]
    list_filter = [SegmentFilter, "tier", "industry"]
    search_fields = ["name", "external_id"]
    date_hierarchy = "created_at"
    inlines = [ContactInline, ContractInline]

    def get_queryset(self, request):
        return super().get_queryset(request).with_segment_priority()

    @admin.display(description=_("segment priority"), ordering="segment_priority")
    def segment_priority(self, obj):
        return obj.segment_priority


@admin.register(m.Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "customer", "contact_priority", "email", "phone", "language", "external_id"]
    list_filter = ["contact_priority", "language"]
    search_fields = ["name", "email", "external_id", "customer__name"]
    list_select_related = ["customer"]
    autocomplete_fields = ["customer"]

    def save_model(self, request, obj, form, change):
        _save_contact(obj, form, change)

    def delete_model(self, request, obj):
        contact_delete(contact=obj)

    def delete_queryset(self, request, queryset):
        contact_bulk_delete(contacts=queryset)


@admin.register(m.Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ["__str__", "customer", "service_type", "start_date", "end_date", "value", "external_id"]
    list_filter = ["service_type"]
    search_fields = ["number", "external_id", "customer__name"]
    date_hierarchy = "start_date"
    list_select_related = ["customer", "service_type"]
    autocomplete_fields = ["customer"]


@admin.register(m.ServiceTicket)
class ServiceTicketAdmin(admin.ModelAdmin):
    list_display = [
        "__str__", "contract", "opened_at", "closed_at", "handling_hours", "urgency",
        "ticket_priority", "satisfaction", "follow_up", "agent_name",
    ]  # fmt: skip
    list_filter = ["urgency", "ticket_priority", "follow_up", "satisfaction", "is_internal", "contract__service_type"]
    search_fields = ["external_id", "agent_name", "contract__customer__name", "contract__number"]
    date_hierarchy = "opened_at"
    list_select_related = ["contract__customer", "contract__service_type"]
    raw_id_fields = ["contract", "agent"]


@admin.register(m.Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    list_display = [
        "__str__", "contract", "filed_at", "response_hours", "resolution_hours", "satisfaction",
        "escalated", "handling_speed", "agent_name",
    ]  # fmt: skip
    list_filter = ["escalated", "handling_speed", "urgency", "satisfaction", "contract__service_type"]
    search_fields = ["external_id", "agent_name", "contract__customer__name", "contract__number"]
    date_hierarchy = "filed_at"
    list_select_related = ["contract__customer", "contract__service_type"]
    raw_id_fields = ["contract", "agent"]


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


@admin.register(m.ImprovementSuggestion)
class ImprovementSuggestionAdmin(admin.ModelAdmin):
    list_display = ["title_en", "rule_code", "priority", "category", "status", "impact_points", "created_at"]
    list_filter = ["status", "priority", "category", "rule_code"]
    search_fields = ["title_en", "title_zh", "rationale_en"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at", "updated_at", "evidence"]
    raw_id_fields = ["customer", "decided_by"]


class ImprovementTaskInline(admin.TabularInline):
    model = m.ImprovementTask
    extra = 0
    fields = ["title", "assignee", "due_date", "status", "progress", "completed_at"]
    raw_id_fields = ["assignee"]


class MeasureEvaluationInline(admin.TabularInline):
    model = m.MeasureEvaluation
    extra = 0
    can_delete = False
    fields = ["evaluated_at", "verdict", "n_before", "n_after", "rate_before", "rate_after", "did_rate", "n_needed"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(m.ImprovementMeasure)
class ImprovementMeasureAdmin(admin.ModelAdmin):
    list_display = ["title", "category", "priority", "status", "owner", "start_date", "target_date"]
    list_filter = ["status", "category", "priority", "service_type"]
    search_fields = ["title", "description"]
    date_hierarchy = "start_date"
    inlines = [ImprovementTaskInline, MeasureEvaluationInline]
    readonly_fields = ["created_at", "updated_at", "baseline", "progress"]
    raw_id_fields = ["customer", "owner", "suggestion"]


@admin.register(m.ImprovementTask)
class ImprovementTaskAdmin(admin.ModelAdmin):
    list_display = ["title", "measure", "assignee", "due_date", "status", "progress"]
    list_filter = ["status"]
    search_fields = ["title", "measure__title"]
    date_hierarchy = "due_date"
    list_select_related = ["measure", "assignee"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(m.MeasureEvaluation)
class MeasureEvaluationAdmin(admin.ModelAdmin):
    list_display = ["measure", "evaluated_at", "verdict", "n_before", "n_after", "rate_before", "rate_after"]
    list_filter = ["verdict"]
    search_fields = ["measure__title"]
    date_hierarchy = "evaluated_at"
    list_select_related = ["measure"]
    readonly_fields = ["evaluated_at", "details"]


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


@admin.register(m.ImportMapping)
class ImportMappingAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "created_by", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["name"]


@admin.register(m.ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = [
        "created_at", "kind", "original_name", "status", "dry_run", "rows_total",
        "created_count", "skipped_count", "error_count", "created_by",
    ]  # fmt: skip
    list_filter = ["kind", "status", "dry_run"]
    search_fields = ["original_name", "message"]
    date_hierarchy = "created_at"
    list_select_related = ["created_by", "mapping"]
    # Jobs are written by the import service; the admin only reads them (and may delete old ones).
    readonly_fields = [f.name for f in m.ImportJob._meta.fields]

    def has_add_permission(self, request):
        return False


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
