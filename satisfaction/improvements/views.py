"""The improvement loop in the browser: suggestions (accept/dismiss), measures with inline tasks, my tasks."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from core.describe import dates_words, one_line
from core.filtersets import filters_about, filters_line
from core.htmx import is_partial
from core.redirects import redirect_back
from core.roles import ManagerRequiredMixin, StaffRequiredMixin, is_manager
from core.spreadsheets import about_rows, export_format, local_iso, table_response
from satisfaction.improvements import services as svc
from satisfaction.improvements.filtersets import ImprovementMeasureFilterSet, ImprovementSuggestionFilterSet
from satisfaction.improvements.forms import MeasureForm, TaskForm, TaskProgressForm
from satisfaction.improvements.models import ImprovementMeasure, ImprovementSuggestion, ImprovementTask
from satisfaction.improvements.selectors import (
    measure_evaluations,
    measure_list,
    measure_tasks,
    my_tasks,
    suggestion_list,
)


def _apply_errors(form, exc: ValidationError):
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _hx_redirect(request, url):
    """Full navigation after an htmx form (e.g. the accept modal) succeeded."""
    if is_partial(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


SUGGESTION_COLUMNS = ["id", "created_at", "rule_code", "priority", "category", "title", "impact_points",
                      "service_type", "segment_priority", "status"]  # fmt: skip


class SuggestionListView(ManagerRequiredMixin, TemplateView):
    template_name = "improvements/suggestions.html"

    def get_context_data(self, **kwargs):
        status = self.request.GET.get("status", "new")
        status = status if status in ImprovementSuggestion.Status.values else "new"
        suggestions = ImprovementSuggestionFilterSet({"status": status}, queryset=suggestion_list()).qs
        return {"suggestions": suggestions, "status": status, "statuses": ImprovementSuggestion.Status.choices,
                "scope_words": one_line(value for _label, value in suggestion_words(status))}  # fmt: skip

    def get(self, request, *args, **kwargs):
        if fmt := export_format(request):
            context = self.get_context_data()
            zh = request.LANGUAGE_CODE.startswith("zh")
            rows = ([s.pk, local_iso(s.created_at), s.rule_code, s.priority, s.category,
                     s.title_zh if zh else s.title_en, s.impact_points,
                     s.service_type.code if s.service_type else "", s.segment_priority, s.status]
                    for s in context["suggestions"])  # fmt: skip
            about = about_rows(request, suggestion_words(context["status"]))
            return table_response(fmt, "suggestions", SUGGESTION_COLUMNS, rows, about)
        return super().get(request, *args, **kwargs)


def suggestion_words(status: str) -> list[tuple[str, str]]:
    """The suggestions page's scope in words: which status, and that each suggestion has its own window."""
    return [
        (_("Status"), str(ImprovementSuggestion.Status(status).label)),
        (_("Period"), _("each suggestion's data and days are shown on it")),
    ]


class SuggestionAcceptView(ManagerRequiredMixin, View):
    """GET: the pre-filled measure form (a modal for htmx). POST: accept, apply the edits, open the measure."""

    template = "improvements/partials/accept_modal.html"

    def _initial(self, suggestion):
        initial = svc.suggestion_measure_defaults(suggestion=suggestion, user=self.request.user)
        return {**initial, "service_type": suggestion.service_type_id, "owner": self.request.user.pk}

    def get(self, request, pk):
        suggestion = get_object_or_404(ImprovementSuggestion, pk=pk)
        form = MeasureForm(initial=self._initial(suggestion))
        page = "improvements/measure_form.html"
        return render(request, self.template if is_partial(request) else page, {"form": form, "suggestion": suggestion})

    def post(self, request, pk):
        suggestion = get_object_or_404(ImprovementSuggestion, pk=pk)
        form = MeasureForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                # The manager may have adjusted the pre-filled fields before accepting.
                measure = svc.suggestion_accept(suggestion=suggestion, user=request.user, edits=data)
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(
                    request, _("Suggestion accepted: measure “%(title)s” created.") % {"title": measure.title}
                )
                return _hx_redirect(request, reverse("measure-detail", args=[measure.pk]))
        page = "improvements/measure_form.html"
        template = self.template if is_partial(request) else page
        return render(request, template, {"form": form, "suggestion": suggestion}, status=422)


class SuggestionDismissView(ManagerRequiredMixin, View):
    def post(self, request, pk):
        suggestion = get_object_or_404(ImprovementSuggestion, pk=pk)
        try:
            svc.suggestion_dismiss(suggestion=suggestion, user=request.user, reason=request.POST.get("reason", ""))
        except ValidationError as exc:
            messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms))
        else:
            messages.success(request, _("Suggestion dismissed."))
        return redirect("suggestion-list")


class MeasureListView(ManagerRequiredMixin, TemplateView):
    template_name = "improvements/measures.html"

    def get_context_data(self, **kwargs):
        status = self.request.GET.get("status") or None
        status = status if status in ImprovementMeasure.Status.values else None
        filterset = ImprovementMeasureFilterSet({"status": status or ""}, queryset=measure_list())
        return {"measures": filterset.qs.order_by("status", "target_date", "-pk"), "status": status,
                "statuses": ImprovementMeasure.Status.choices, "scope_words": filters_line(filterset),
                "about": filters_about(filterset)}  # fmt: skip

    def get(self, request, *args, **kwargs):
        if fmt := export_format(request):
            context = self.get_context_data()
            rows = ([m.pk, m.title, m.category, m.priority, m.status, m.progress, m.owner or "",
                     m.service_type.code if m.service_type else "", m.segment_priority,
                     m.start_date and m.start_date.isoformat(), m.target_date and m.target_date.isoformat()]
                    for m in context["measures"])  # fmt: skip
            return table_response(fmt, "measures", MEASURE_COLUMNS, rows, about_rows(request, context["about"]))
        return super().get(request, *args, **kwargs)


MEASURE_COLUMNS = ["id", "title", "category", "priority", "status", "progress", "owner", "service_type",
                   "segment_priority", "start_date", "target_date"]  # fmt: skip


class MeasureCreateView(ManagerRequiredMixin, View):
    template = "improvements/measure_form.html"

    def get(self, request):
        return render(request, self.template, {"form": MeasureForm(initial={"owner": request.user.pk})})

    def post(self, request):
        form = MeasureForm(request.POST)
        if form.is_valid():
            try:
                measure = svc.measure_create(**form.cleaned_data)
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                return redirect("measure-detail", pk=measure.pk)
        return render(request, self.template, {"form": form}, status=422)


class MeasureDetailView(ManagerRequiredMixin, View):
    """A measure: edit, change status, its tasks edited inline, and the effect evaluation with its history."""

    template = "improvements/measure_detail.html"

    def context(self, measure, form=None, task_form=None):
        measure = measure_list().get(pk=measure.pk)
        service = measure.service_type.name if measure.service_type_id else _("all service types")
        return {
            "scope_words": one_line([dates_words(measure.start_date, measure.target_date), str(service)]),
            "measure": measure, "form": form or MeasureForm.from_measure(measure),
            "task_form": task_form or TaskForm(), "tasks": measure_tasks(measure=measure),
            "evaluations": measure_evaluations(measure=measure), "statuses": ImprovementMeasure.Status.choices,
            "task_statuses": ImprovementTask.Status.choices,
        }  # fmt: skip

    def get(self, request, pk):
        measure = get_object_or_404(ImprovementMeasure, pk=pk)
        return render(request, self.template, self.context(measure))

    def post(self, request, pk):
        measure = get_object_or_404(ImprovementMeasure, pk=pk)
        action = request.POST.get("action")
        try:
            if action == "status":
                svc.measure_set_status(measure=measure, status=request.POST.get("status", ""))
            elif action == "add_task":
                task_form = TaskForm(request.POST)
                if not task_form.is_valid():
                    return render(request, self.template, self.context(measure, task_form=task_form), status=422)
                svc.task_create(measure=measure, **task_form.cleaned_data)
            else:
                form = MeasureForm(request.POST)
                if not form.is_valid():
                    return render(request, self.template, self.context(measure, form=form), status=422)
                svc.measure_update(measure=measure, data=form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms))
        else:
            messages.success(request, _("Saved."))
        return redirect("measure-detail", pk=pk)


class TaskUpdateView(StaffRequiredMixin, View):
    """Inline task edits (status / progress) by a manager, the assignee or the measure's owner; htmx gets the row."""

    def post(self, request, pk):
        task = get_object_or_404(ImprovementTask.objects.select_related("measure"), pk=pk)
        if not (is_manager(request.user) or request.user.pk in (task.assignee_id, task.measure.owner_id)):
            raise PermissionDenied
        form = TaskProgressForm(request.POST)
        error = ""
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
            try:
                svc.task_update(task=task, data=data)
            except ValidationError as exc:
                error = " ".join(m for ms in exc.message_dict.values() for m in ms)
        else:
            error = " ".join(m for ms in form.errors.values() for m in ms)
        if is_partial(request):
            task = measure_tasks(measure=task.measure).get(pk=pk)
            show_measure = request.POST.get("show_measure") == "1"
            context = {"task": task, "error": error, "task_statuses": ImprovementTask.Status.choices,
                       "show_measure": show_measure}  # fmt: skip
            row = render_to_string("improvements/partials/task_row.html", context, request=request)
            if not show_measure:  # on the measure's page: its progress bar changes with the task, out of band
                measure = measure_list().get(pk=task.measure_id)  # with the `overdue` flag the page shows
                row += render_to_string(
                    "improvements/partials/measure_progress.html", {"measure": measure, "oob": True}, request=request
                )
            return HttpResponse(row, status=422 if error else 200)
        if error:
            messages.error(request, error)
        return redirect_back(request, "measure-detail", task.measure_id)


class MyTasksView(StaffRequiredMixin, TemplateView):
    """Tasks assigned to me, and the open tasks of measures I own."""

    template_name = "improvements/my_tasks.html"

    def get_context_data(self, **kwargs):
        return {"tasks": my_tasks(user=self.request.user), "task_statuses": ImprovementTask.Status.choices}
