"""Admin of suggestions, measures, tasks and evaluations."""

from django.contrib import admin

from core.admin import ServiceAdmin, ServiceInlineFormSet
from satisfaction.improvements import models as m
from satisfaction.improvements.services import (
    MEASURE_EDITABLE_FIELDS,
    TASK_EDITABLE_FIELDS,
    measure_create,
    measure_set_status,
    measure_update,
    task_create,
    task_update,
)


@admin.register(m.ImprovementSuggestion)
class ImprovementSuggestionAdmin(admin.ModelAdmin):
    list_display = ["title_en", "rule_code", "priority", "category", "status", "impact_points", "created_at"]
    list_filter = ["status", "priority", "category", "rule_code"]
    search_fields = ["title_en", "title_zh", "rationale_en"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at", "updated_at", "evidence"]
    raw_id_fields = ["customer", "decided_by"]


class TaskFormSet(ServiceInlineFormSet):
    service_fields = TASK_EDITABLE_FIELDS

    def create_through(self, data):
        return task_create(**data)

    def update_through(self, obj, data):
        return task_update(task=obj, data=data)


class ImprovementTaskInline(admin.TabularInline):
    model = m.ImprovementTask
    formset = TaskFormSet
    readonly_fields = ["completed_at"]
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
class ImprovementMeasureAdmin(ServiceAdmin):
    """Fields through `measure_update`, the status through `measure_set_status` (its allowed transitions);
    progress is derived from the tasks."""

    list_display = ["title", "category", "priority", "status", "owner", "start_date", "target_date"]
    list_filter = ["status", "category", "priority", "service_type"]
    search_fields = ["title", "description"]
    date_hierarchy = "start_date"
    inlines = [ImprovementTaskInline, MeasureEvaluationInline]
    readonly_fields = ["created_at", "updated_at", "baseline", "progress"]
    raw_id_fields = ["customer", "owner", "agent", "suggestion"]
    service_fields = (*MEASURE_EDITABLE_FIELDS, "status")

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "suggestion", "completed_at"]

    def create_through(self, request, data):
        status = data.pop("status", m.ImprovementMeasure.Status.PLANNED)
        measure = measure_create(**data)
        return measure_set_status(measure=measure, status=status)

    def update_through(self, request, obj, data):
        status = data.pop("status", None)
        measure = measure_update(measure=obj, data=data) if data else obj
        return measure_set_status(measure=measure, status=status) if status else measure


@admin.register(m.ImprovementTask)
class ImprovementTaskAdmin(ServiceAdmin):
    """Through `task_create` / `task_update`, so the measure's progress follows every change."""

    list_display = ["title", "measure", "assignee", "due_date", "status", "progress"]
    list_filter = ["status"]
    search_fields = ["title", "measure__title"]
    date_hierarchy = "due_date"
    list_select_related = ["measure", "assignee"]
    readonly_fields = ["created_at", "updated_at", "completed_at"]
    service_fields = (*TASK_EDITABLE_FIELDS, "measure")

    def create_through(self, request, data):
        return task_create(**data)

    def update_through(self, request, obj, data):
        data.pop("measure", None)  # a task stays with its measure
        return task_update(task=obj, data=data)


@admin.register(m.MeasureEvaluation)
class MeasureEvaluationAdmin(admin.ModelAdmin):
    list_display = ["measure", "evaluated_at", "verdict", "n_before", "n_after", "rate_before", "rate_after"]
    list_filter = ["verdict"]
    search_fields = ["measure__title"]
    date_hierarchy = "evaluated_at"
    list_select_related = ["measure"]
    readonly_fields = ["evaluated_at", "details"]
