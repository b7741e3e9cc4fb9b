"""API of the improvement loop: suggestions, measures, tasks and `satisfaction/improve`."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.views import ApiView, ManagerReadOnlyViewSet, action_docs, call_service, resource_docs, valid_input
from satisfaction.improvements import filtersets, selectors
from satisfaction.improvements.api import schema as examples
from satisfaction.improvements.api import serializers as s
from satisfaction.improvements.api.schema import MEASURE_FROM_SUGGESTION, MEASURE_INPUT, TASK_INPUT
from satisfaction.improvements.services import (
    measure_create,
    measure_set_status,
    measure_update,
    suggestion_accept,
    suggestion_dismiss,
    task_create,
    task_update,
)


@resource_docs("improvement suggestion", "improvement suggestions", examples.SUGGESTION)
class ImprovementSuggestionViewSet(ManagerReadOnlyViewSet):
    selector = staticmethod(selectors.suggestion_list)
    serializer_class = s.ImprovementSuggestionSerializer
    filterset_class = filtersets.ImprovementSuggestionFilterSet
    ordering_fields = ["created_at", "priority", "impact_points"]

    @extend_schema(
        summary="Accept a suggestion",
        description="Creates a planned measure pre-filled from the suggestion, with the scope's baseline captured "
        "now (managers). 400 when the suggestion is not new.",
        request=s.SuggestionAcceptSerializer,
        responses={201: s.ImprovementMeasureSerializer},
        examples=[
            OpenApiExample("Request", value={"target_date": "2027-01-31"}, request_only=True),
            OpenApiExample("New measure", value=MEASURE_FROM_SUGGESTION, response_only=True),
        ],
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        data = valid_input(s.SuggestionAcceptSerializer, request)
        measure = call_service(suggestion_accept, suggestion=self.get_object(), user=request.user, edits=data)
        shown = selectors.measure_list().get(pk=measure.pk)
        return Response(s.ImprovementMeasureSerializer(shown).data, status=status.HTTP_201_CREATED)

    @action_docs(
        "Dismiss a suggestion",
        "Dismisses a new suggestion with a reason; it comes back only if its evidence gets clearly worse (managers).",
        s.SuggestionDismissSerializer,
        s.ImprovementSuggestionSerializer,
        {**examples.SUGGESTION, "status": "dismissed", "dismissed_reason": "Already covered by measure 6."},
        {"reason": "Already covered by measure 6."},
    )
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        data = valid_input(s.SuggestionDismissSerializer, request)
        suggestion = call_service(
            suggestion_dismiss, suggestion=self.get_object(), user=request.user, reason=data["reason"]
        )
        return Response(s.ImprovementSuggestionSerializer(self.get_queryset().get(pk=suggestion.pk)).data)


def improve(request) -> Response:
    """A measure from a suggestion (`suggestion_accept`) or from the fields given (`measure_create`)."""
    data = dict(valid_input(s.ImproveSerializer, request))
    suggestion = data.pop("suggestion", None)
    if suggestion is not None:
        kept = {k: data[k] for k in ("owner", "start_date", "target_date") if data.get(k) is not None}
        measure = call_service(suggestion_accept, suggestion=suggestion, user=request.user, edits=kept)
    else:
        data.setdefault("owner", request.user)
        measure = call_service(measure_create, **data)
    shown = selectors.measure_list().get(pk=measure.pk)
    return Response(s.ImprovementMeasureSerializer(shown).data, status=status.HTTP_201_CREATED)


@resource_docs(
    "improvement measure",
    "improvement measures",
    examples.MEASURE,
    create=extend_schema(
        summary="Create a measure",
        description="A planned measure for a scope (service type, customer or segment); its baseline KPIs are "
        "captured now (managers).",
        request=s.MeasureInputSerializer,
        responses={201: s.ImprovementMeasureSerializer},
        examples=[
            OpenApiExample("Request", value=MEASURE_INPUT, request_only=True),
            OpenApiExample("New measure", value=MEASURE_FROM_SUGGESTION, response_only=True),
        ],
    ),
    partial_update=extend_schema(
        summary="Change a measure",
        description="Changes the fields sent (managers); the status moves with the `status` action.",
        request=s.MeasureInputSerializer,
        responses={200: s.ImprovementMeasureSerializer},
        examples=[
            OpenApiExample("Request", value={"target_date": "2027-02-28"}, request_only=True),
            OpenApiExample("Measure", value=examples.MEASURE, response_only=True),
        ],
    ),
)
class ImprovementMeasureViewSet(mixins.CreateModelMixin, ManagerReadOnlyViewSet):
    selector = staticmethod(selectors.measure_list)
    serializer_class = s.ImprovementMeasureSerializer
    filterset_class = filtersets.ImprovementMeasureFilterSet
    ordering_fields = ["created_at", "target_date", "priority", "status", "progress"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def _show(self, measure, code=status.HTTP_200_OK):
        return Response(s.ImprovementMeasureSerializer(self.get_queryset().get(pk=measure.pk)).data, status=code)

    def create(self, request, *args, **kwargs):
        data = dict(valid_input(s.MeasureInputSerializer, request))
        data.setdefault("owner", request.user)
        return self._show(call_service(measure_create, **data), status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        measure = self.get_object()
        data = valid_input(s.MeasureInputSerializer, request, partial=True, instance=measure)
        return self._show(call_service(measure_update, measure=measure, data=dict(data)))

    @action_docs(
        "Move a measure's status",
        "planned → in progress → done, or cancelled (managers); a disallowed step is a 400 on `status`.",
        s.MeasureStatusSerializer,
        s.ImprovementMeasureSerializer,
        examples.MEASURE,
        {"status": "in_progress"},
    )
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, pk=None):
        data = valid_input(s.MeasureStatusSerializer, request)
        return self._show(call_service(measure_set_status, measure=self.get_object(), status=data["status"]))


@resource_docs(
    "improvement task",
    "improvement tasks",
    examples.TASK,
    create=extend_schema(
        summary="Add a task to a measure",
        description="Adds a task; the measure's progress follows its tasks (managers).",
        request=s.TaskInputSerializer,
        responses={201: s.ImprovementTaskSerializer},
        examples=[
            OpenApiExample("Request", value=TASK_INPUT, request_only=True),
            OpenApiExample("New task", value={**examples.TASK, "status": "todo", "progress": 0}, response_only=True),
        ],
    ),
    partial_update=extend_schema(
        summary="Change a task",
        description="Title, assignee, due date, status or progress (100 marks it done); the measure's progress "
        "follows (managers).",
        request=s.TaskUpdateSerializer,
        responses={200: s.ImprovementTaskSerializer},
        examples=[
            OpenApiExample("Request", value={"progress": 100}, request_only=True),
            OpenApiExample("Task", value={**examples.TASK, "status": "done", "progress": 100}, response_only=True),
        ],
    ),
)
class ImprovementTaskViewSet(mixins.CreateModelMixin, ManagerReadOnlyViewSet):
    selector = staticmethod(selectors.task_list)
    serializer_class = s.ImprovementTaskSerializer
    filterset_class = filtersets.ImprovementTaskFilterSet
    ordering_fields = ["due_date", "progress", "status"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def _show(self, task, code=status.HTTP_200_OK):
        return Response(s.ImprovementTaskSerializer(self.get_queryset().get(pk=task.pk)).data, status=code)

    def create(self, request, *args, **kwargs):
        data = valid_input(s.TaskInputSerializer, request)
        return self._show(call_service(task_create, **data), status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        task = self.get_object()
        data = valid_input(s.TaskUpdateSerializer, request, partial=True)
        return self._show(call_service(task_update, task=task, data=dict(data)))


class ImproveView(ApiView):
    """`POST enterprise-satisfaction/satisfaction/improve`."""

    @extend_schema(
        operation_id="enterprise_satisfaction_improve",
        tags=["enterprise-satisfaction"],
        summary="Create an improvement measure (enterprise operation)",
        description="Creates a planned measure (managers). With `suggestion`, the suggestion is accepted and the "
        "measure takes its title, category, scope and expected impact (only `owner`, `start_date` and "
        "`target_date` are taken from the body); without it, `title` and `category` are required.",
        request=s.ImproveSerializer,
        responses={201: s.ImprovementMeasureSerializer},
        examples=[
            OpenApiExample(
                "From a suggestion", value={"suggestion": 9, "target_date": "2027-01-31"}, request_only=True
            ),
            OpenApiExample("From scratch", value=MEASURE_INPUT, request_only=True),
            OpenApiExample("New measure", value=MEASURE_FROM_SUGGESTION, response_only=True),
        ],
    )
    def post(self, request):
        return improve(request)
