"""Admin of import mappings and jobs."""

from django.contrib import admin

from satisfaction.imports import models as m


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
