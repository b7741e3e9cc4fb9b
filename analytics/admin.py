"""Admin of analytics' own tables: report subscriptions (written through their service) and their deliveries."""

from django.contrib import admin

from analytics.models import ReportDelivery, ReportSubscription
from analytics.subscriptions import SUBSCRIPTION_FIELDS, subscription_create, subscription_delete, subscription_update
from core.admin import ServiceAdmin


class ReportDeliveryInline(admin.TabularInline):
    """The periods already sent (read-only: only the schedule writes them)."""

    model = ReportDelivery
    fields = ("period_start", "period_end", "recipients", "sent_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ReportSubscription)
class ReportSubscriptionAdmin(ServiceAdmin):
    """Subscriptions; a new one is owned by the admin who adds it."""

    service_fields = SUBSCRIPTION_FIELDS
    list_display = ("pk", "kind", "frequency", "language", "service_type", "segment_priority", "owner", "is_active")
    list_filter = ("kind", "frequency", "language", "is_active")
    search_fields = ("recipients", "owner__username")
    fields = (*SUBSCRIPTION_FIELDS, "owner", "created_at")
    readonly_fields = ("owner", "created_at")
    inlines = [ReportDeliveryInline]

    def create_through(self, request, data):
        return subscription_create(owner=request.user, data=data)

    def update_through(self, request, obj, data):
        return subscription_update(subscription=obj, data=data)

    def delete_model(self, request, obj):
        subscription_delete(subscription=obj)

    def delete_queryset(self, request, queryset):
        for subscription in queryset:
            subscription_delete(subscription=subscription)


@admin.register(ReportDelivery)
class ReportDeliveryAdmin(admin.ModelAdmin):
    """Sent periods, for support ("did the March report go out?"); the schedule is the only writer."""

    list_display = ("subscription", "period_start", "period_end", "sent_at")
    list_filter = ("period_start",)
    readonly_fields = ("subscription", "period_start", "period_end", "recipients", "sent_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
