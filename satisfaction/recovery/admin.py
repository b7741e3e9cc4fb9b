"""Admin of recovery cases: read-only, since cases move through their services (page, API)."""

from django.contrib import admin

from satisfaction.recovery import models as m


class ContactAttemptInline(admin.TabularInline):
    model = m.ContactAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["at", "channel", "reached", "note", "by"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(m.RecoveryCase)
class RecoveryCaseAdmin(admin.ModelAdmin):
    """Cases are opened by responses and closed on their page or through the API, never by editing fields."""

    list_display = ["opened_at", "customer", "owner", "status", "due_at", "outcome", "root_cause_topic"]
    list_filter = ["status", "outcome", "root_cause_topic"]
    search_fields = ["customer__name", "root_cause"]
    date_hierarchy = "opened_at"
    list_select_related = ["customer", "owner", "record"]
    inlines = [ContactAttemptInline]

    def has_add_permission(self, request):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(m.ContactAttempt)
class ContactAttemptAdmin(admin.ModelAdmin):
    """Read-only: attempts are logged on the case page or through the API."""

    list_display = ["at", "case", "channel", "reached", "by"]
    list_filter = ["channel", "reached"]
    list_select_related = ["case__customer", "case__record", "by"]
    search_fields = ["case__customer__name", "note"]

    def has_add_permission(self, request):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]
