"""Admin of suggestions, measures, tasks and evaluations."""

from django.contrib import admin

from satisfaction.improvements import models as m


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
