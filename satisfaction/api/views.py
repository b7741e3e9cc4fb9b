"""API v1 views: thin; they parse, call a selector or a service, and answer."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError as DjangoValidationError
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action, api_view, authentication_classes, permission_classes
from rest_framework.exceptions import NotFound
from rest_framework.filters import OrderingFilter
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from satisfaction import filtersets, selectors
from satisfaction.api import examples
from satisfaction.api import serializers as s
from satisfaction.api.exceptions import to_drf_validation_error
from satisfaction.api.permissions import RolePermission
from satisfaction.api.schema import ApiAutoSchema, ApiPagination
from satisfaction.api.throttling import TokenRateThrottle, WriteRateThrottle
from satisfaction.roles import MANAGER, STAFF
from satisfaction.services.alerts import acknowledge_alert, resolve_alert
from satisfaction.services.contacts import contact_create, contact_update
from satisfaction.services.feedback import record_satisfaction
from satisfaction.services.imports.jobs import create_import_job
from satisfaction.services.improvements import (
    measure_create,
    measure_set_status,
    measure_update,
    suggestion_accept,
    suggestion_dismiss,
    task_create,
    task_update,
)
from satisfaction.services.watchlist import watchlist_add, watchlist_assign_owner, watchlist_remove


class ApiView(APIView):
    """Base of every API view: role permission, write throttle, documented errors."""

    schema = ApiAutoSchema()
    permission_classes = [RolePermission]
    throttle_classes = [WriteRateThrottle]
    read_role = STAFF
    write_role = MANAGER


class ApiViewSet(viewsets.GenericViewSet):
    """Base of the resource viewsets: the queryset comes from a selector, filtering from the shared FilterSet."""

    schema = ApiAutoSchema()
    permission_classes = [RolePermission]
    throttle_classes = [WriteRateThrottle]
    pagination_class = ApiPagination
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    read_role = STAFF
    write_role = MANAGER
    selector = None

    def get_queryset(self):
        return type(self).selector()


def _docs(noun: str, plural: str, example: dict, input_example: dict | None = None, **extra) -> extend_schema_view:
    """Summaries, descriptions and examples for the standard actions of a resource."""
    shown = OpenApiExample(f"A {noun}", value=example, response_only=True)
    docs = {
        "list": extend_schema(
            summary=f"List {plural}",
            description=f"Pages of {plural}, filtered by the query parameters below and sorted by `ordering`.",
            examples=[shown],
        ),
        "retrieve": extend_schema(summary=f"Get one {noun}", description=f"The {noun} with this id.", examples=[shown]),
    }
    if input_example is not None:
        sent = OpenApiExample(f"New {noun}", value=input_example, request_only=True)
        docs["create"] = extend_schema(
            summary=f"Create a {noun}",
            description=f"Creates a {noun} (managers). Bad fields come back as 400, each named with the reason.",
            examples=[sent, shown],
        )
        docs["update"] = extend_schema(
            summary=f"Replace a {noun}",
            description=f"Replaces every writable field of the {noun} (managers).",
            examples=[sent, shown],
        )
        docs["partial_update"] = extend_schema(
            summary=f"Change a {noun}",
            description="Changes the fields sent, leaves the others (managers).",
            examples=[shown],
        )
    docs.update(extra)
    return extend_schema_view(**docs)


class WritableResourceViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, ApiViewSet
):
    """List, retrieve, create and update; no delete (history of helpdesk data is kept)."""

    def perform_create(self, serializer):
        self._write(serializer, self.create_instance)

    def perform_update(self, serializer):
        self._write(serializer, self.update_instance)

    def create_instance(self, serializer):
        """Save a new object; a resource whose writes go through a service overrides this."""
        return serializer.save()

    def update_instance(self, serializer):
        return serializer.save()

    def _write(self, serializer, write) -> None:
        try:
            instance = write(serializer)
        except DjangoValidationError as exc:
            raise to_drf_validation_error(exc) from None
        # Re-read through the selector so the response carries the same annotations as the list.
        serializer.instance = self.get_queryset().get(pk=instance.pk)


class ReadOnlyResourceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """List and retrieve."""


@_docs("service type", "service types", examples.SERVICE_TYPE)
class ServiceTypeViewSet(ReadOnlyResourceViewSet):
    selector = staticmethod(selectors.service_type_list)
    serializer_class = s.ServiceTypeSerializer
    filterset_class = filtersets.ServiceTypeFilterSet
    ordering_fields = ["sort_order", "code"]


@_docs("customer", "customers", examples.CUSTOMER, examples.CUSTOMER_INPUT)
class CustomerViewSet(WritableResourceViewSet):
    selector = staticmethod(selectors.customer_list)
    serializer_class = s.CustomerSerializer
    filterset_class = filtersets.CustomerFilterSet
    ordering_fields = ["name", "created_at", "tier", "segment_priority", "record_count"]


@_docs("contact", "contacts", examples.CONTACT, examples.CONTACT_INPUT)
class ContactViewSet(WritableResourceViewSet):
    selector = staticmethod(selectors.contact_list)
    serializer_class = s.ContactSerializer
    filterset_class = filtersets.ContactFilterSet
    ordering_fields = ["name", "contact_priority", "customer"]

    # Through the contact service, so a change that can move the customer to another segment is announced.
    def create_instance(self, serializer):
        return contact_create(**serializer.validated_data)

    def update_instance(self, serializer):
        return contact_update(contact=serializer.instance, data=serializer.validated_data)


@_docs("contract", "contracts", examples.CONTRACT, examples.CONTRACT_INPUT)
class ContractViewSet(WritableResourceViewSet):
    selector = staticmethod(selectors.contract_list)
    serializer_class = s.ContractSerializer
    filterset_class = filtersets.ContractFilterSet
    ordering_fields = ["start_date", "end_date", "value", "number"]


@_docs("ticket", "service tickets", examples.TICKET, examples.TICKET_INPUT)
class ServiceTicketViewSet(WritableResourceViewSet):
    selector = staticmethod(selectors.ticket_list)
    serializer_class = s.ServiceTicketSerializer
    filterset_class = filtersets.ServiceTicketFilterSet
    ordering_fields = ["opened_at", "closed_at", "handling_hours", "satisfaction"]


@_docs("complaint", "complaints", examples.COMPLAINT, examples.COMPLAINT_INPUT)
class ComplaintViewSet(WritableResourceViewSet):
    selector = staticmethod(selectors.complaint_list)
    serializer_class = s.ComplaintSerializer
    filterset_class = filtersets.ComplaintFilterSet
    ordering_fields = ["filed_at", "response_hours", "resolution_hours", "satisfaction"]


RECORD_RESPONSES = {
    201: s.SatisfactionRecordSerializer,
    200: s.SatisfactionRecordSerializer,
}
RECORD_EXAMPLES = [
    OpenApiExample("Feedback from a CRM", value=examples.RECORD_INPUT, request_only=True),
    OpenApiExample("The saved record", value=examples.RECORD, response_only=True, status_codes=["201", "200"]),
    OpenApiExample("Bad fields", value=examples.RECORD_ERROR, response_only=True, status_codes=["400"]),
]
RECORD_DESCRIPTION = (
    "Records one piece of customer feedback through the same service the form uses (staff and managers). "
    "Give the customer by `customer` (id) or `customer_external_id`. "
    "Idempotent on `external_id`: the first call answers 201 with the new record; a retry with the same "
    "`external_id` answers 200 with the record saved first and creates nothing. "
    "Bad input answers 400 with each field and the reason."
)


def record_from_request(request) -> Response:
    """Validate the body, call `record_satisfaction`, answer 201 (created) or 200 (already recorded)."""
    incoming = s.SatisfactionRecordInputSerializer(data=request.data)
    incoming.is_valid(raise_exception=True)
    try:
        record, created = record_satisfaction(**incoming.validated_data, recorded_by=request.user)
    except DjangoValidationError as exc:
        raise to_drf_validation_error(exc) from None
    record = selectors.record_list().get(pk=record.pk)
    return Response(
        s.SatisfactionRecordSerializer(record).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
    )


@_docs(
    "satisfaction record",
    "satisfaction records",
    examples.RECORD,
    create=extend_schema(
        summary="Record feedback",
        description=RECORD_DESCRIPTION,
        request=s.SatisfactionRecordInputSerializer,
        responses=RECORD_RESPONSES,
        examples=RECORD_EXAMPLES,
    ),
)
class SatisfactionRecordViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    selector = staticmethod(selectors.record_list)
    serializer_class = s.SatisfactionRecordSerializer
    filterset_class = filtersets.SatisfactionRecordFilterSet
    ordering_fields = ["created_at", "score"]
    action_roles = {"create": STAFF}

    def create(self, request, *args, **kwargs):
        return record_from_request(request)


class RecordSatisfactionView(ApiView):
    """`POST enterprise-satisfaction/satisfaction/record`: the operation other teams already code against."""

    write_role = STAFF

    @extend_schema(
        operation_id="enterprise_satisfaction_record",
        tags=["enterprise-satisfaction"],
        summary="Record feedback (enterprise operation)",
        description=RECORD_DESCRIPTION + " Same as `POST /api/v1/records/`.",
        request=s.SatisfactionRecordInputSerializer,
        responses=RECORD_RESPONSES,
        examples=RECORD_EXAMPLES,
    )
    def post(self, request):
        return record_from_request(request)


class ManagerReadOnlyViewSet(ReadOnlyResourceViewSet):
    read_role = MANAGER


def call_service(func, /, **kwargs):
    """Call a service; its ValidationError becomes a 400 naming each field."""
    try:
        return func(**kwargs)
    except DjangoValidationError as exc:
        raise to_drf_validation_error(exc) from None


def _valid(serializer_class, request, **kwargs) -> dict:
    incoming = serializer_class(data=request.data, **kwargs)
    incoming.is_valid(raise_exception=True)
    return incoming.validated_data


def _action_docs(summary: str, description: str, request, response, example: dict, request_example=None):
    shown = [OpenApiExample("Result", value=example, response_only=True)]
    if request_example is not None:
        shown.append(OpenApiExample("Request", value=request_example, request_only=True))
    return extend_schema(
        summary=summary, description=description, request=request, responses={200: response}, examples=shown
    )


ALERT_RESOLVED = {**examples.ALERT, "status": "resolved", "resolution_note": "Called the customer; re-did the brief."}


class AlertActionsMixin:
    """Acknowledge and resolve, through the alert services."""

    @_action_docs(
        "Acknowledge an alert",
        "Open → acknowledged: someone is on it (managers). 400 when the alert is not open.",
        None,
        s.SatisfactionAlertSerializer,
        {**examples.ALERT, "status": "acknowledged"},
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        alert = call_service(acknowledge_alert, alert=self.get_object(), user=request.user)
        return Response(s.SatisfactionAlertSerializer(self.get_queryset().get(pk=alert.pk)).data)

    @_action_docs(
        "Resolve an alert",
        "Open or acknowledged → resolved, with a note saying what was done (managers). 400 without a note "
        "or when already resolved.",
        s.AlertResolveSerializer,
        s.SatisfactionAlertSerializer,
        ALERT_RESOLVED,
        {"note": ALERT_RESOLVED["resolution_note"]},
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        data = _valid(s.AlertResolveSerializer, request)
        alert = call_service(resolve_alert, alert=self.get_object(), user=request.user, note=data["note"])
        return Response(s.SatisfactionAlertSerializer(self.get_queryset().get(pk=alert.pk)).data)


@_docs("alert", "alerts", examples.ALERT)
class SatisfactionAlertViewSet(AlertActionsMixin, ManagerReadOnlyViewSet):
    selector = staticmethod(selectors.alert_list)
    serializer_class = s.SatisfactionAlertSerializer
    filterset_class = filtersets.SatisfactionAlertFilterSet
    ordering_fields = ["last_seen_at", "created_at", "severity", "status"]


@extend_schema_view(
    list=extend_schema(
        summary="Alerts (enterprise operation)",
        description="Alerts with the same filters as `GET /api/v1/alerts/` (managers); e.g. `unresolved=true`.",
        examples=[OpenApiExample("An alert", value=examples.ALERT, response_only=True)],
        tags=["enterprise-satisfaction"],
    ),
    retrieve=extend_schema(
        summary="One alert (enterprise operation)",
        description="The alert with this id.",
        examples=[OpenApiExample("An alert", value=examples.ALERT, response_only=True)],
        tags=["enterprise-satisfaction"],
    ),
    acknowledge=extend_schema(tags=["enterprise-satisfaction"]),
    resolve=extend_schema(tags=["enterprise-satisfaction"]),
)
class EnterpriseAlertViewSet(SatisfactionAlertViewSet):
    """`GET enterprise-satisfaction/satisfaction/alerts` with acknowledge and resolve."""


@_docs(
    "watch-list entry",
    "watch-list entries",
    examples.WATCH_ENTRY,
    create=extend_schema(
        summary="Put a customer on the watch list",
        description="Adds the customer by hand (managers). 400 on `customer` when already watched.",
        request=s.WatchlistAddSerializer,
        responses={201: s.WatchlistEntrySerializer},
        examples=[
            OpenApiExample("Request", value={"customer": 42, "note": "Two low scores in a week."}, request_only=True),
            OpenApiExample("Entry", value={**examples.WATCH_ENTRY, "reason": "manual"}, response_only=True),
        ],
    ),
)
class WatchlistEntryViewSet(mixins.CreateModelMixin, ManagerReadOnlyViewSet):
    selector = staticmethod(selectors.watchlist_list)
    serializer_class = s.WatchlistEntrySerializer
    filterset_class = filtersets.WatchlistEntryFilterSet
    ordering_fields = ["since", "removed_at"]

    def create(self, request, *args, **kwargs):
        data = _valid(s.WatchlistAddSerializer, request)
        entry = call_service(watchlist_add, user=request.user, **data)
        return Response(self._show(entry), status=status.HTTP_201_CREATED)

    def _show(self, entry):
        return s.WatchlistEntrySerializer(self.get_queryset().get(pk=entry.pk)).data

    @_action_docs(
        "Take a customer off the watch list",
        "Ends the entry with a note; the entry stays as history (managers).",
        s.WatchlistRemoveSerializer,
        s.WatchlistEntrySerializer,
        {**examples.WATCH_ENTRY, "removed_at": "2026-11-30T10:00:00+08:00", "is_active": False},
        {"note": "Scores back above 4 for a month."},
    )
    @action(detail=True, methods=["post"])
    def remove(self, request, pk=None):
        data = _valid(s.WatchlistRemoveSerializer, request)
        entry = call_service(watchlist_remove, entry=self.get_object(), user=request.user, note=data["note"])
        return Response(self._show(entry))

    @_action_docs(
        "Assign the follow-up owner",
        "Sets who follows the account up (managers).",
        s.WatchlistOwnerSerializer,
        s.WatchlistEntrySerializer,
        examples.WATCH_ENTRY,
        {"owner": 3},
    )
    @action(detail=True, methods=["post"], url_path="assign-owner")
    def assign_owner(self, request, pk=None):
        data = _valid(s.WatchlistOwnerSerializer, request)
        entry = call_service(watchlist_assign_owner, entry=self.get_object(), owner=data["owner"], user=request.user)
        return Response(self._show(entry))


MEASURE_FROM_SUGGESTION = {**examples.MEASURE, "status": "planned", "task_count": 0, "open_task_count": 0}
MEASURE_FROM_SUGGESTION.update(done_task_count=0, progress=0)


@_docs("improvement suggestion", "improvement suggestions", examples.SUGGESTION)
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
        data = _valid(s.SuggestionAcceptSerializer, request)
        measure = call_service(suggestion_accept, suggestion=self.get_object(), user=request.user, **data)
        shown = selectors.measure_list().get(pk=measure.pk)
        return Response(s.ImprovementMeasureSerializer(shown).data, status=status.HTTP_201_CREATED)

    @_action_docs(
        "Dismiss a suggestion",
        "Dismisses a new suggestion with a reason; it comes back only if its evidence gets clearly worse (managers).",
        s.SuggestionDismissSerializer,
        s.ImprovementSuggestionSerializer,
        {**examples.SUGGESTION, "status": "dismissed", "dismissed_reason": "Already covered by measure 6."},
        {"reason": "Already covered by measure 6."},
    )
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        data = _valid(s.SuggestionDismissSerializer, request)
        suggestion = call_service(
            suggestion_dismiss, suggestion=self.get_object(), user=request.user, reason=data["reason"]
        )
        return Response(s.ImprovementSuggestionSerializer(self.get_queryset().get(pk=suggestion.pk)).data)


MEASURE_INPUT = {
    "title": examples.MEASURE["title"],
    "category": "process",
    "priority": "high",
    "service_type": "legal_consultation",
    "owner": 3,
    "start_date": "2026-11-21",
    "target_date": "2027-01-31",
    "expected_impact": "+5 points of satisfaction rate",
}


def improve(request) -> Response:
    """A measure from a suggestion (`suggestion_accept`) or from the fields given (`measure_create`)."""
    data = dict(_valid(s.ImproveSerializer, request))
    suggestion = data.pop("suggestion", None)
    if suggestion is not None:
        kept = {k: data[k] for k in ("owner", "start_date", "target_date") if data.get(k) is not None}
        measure = call_service(suggestion_accept, suggestion=suggestion, user=request.user, **kept)
    else:
        data.setdefault("owner", request.user)
        measure = call_service(measure_create, **data)
    shown = selectors.measure_list().get(pk=measure.pk)
    return Response(s.ImprovementMeasureSerializer(shown).data, status=status.HTTP_201_CREATED)


@_docs(
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
        data = dict(_valid(s.MeasureInputSerializer, request))
        data.setdefault("owner", request.user)
        return self._show(call_service(measure_create, **data), status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        measure = self.get_object()
        data = _valid(s.MeasureInputSerializer, request, partial=True, instance=measure)
        return self._show(call_service(measure_update, measure=measure, data=dict(data)))

    @_action_docs(
        "Move a measure's status",
        "planned → in progress → done, or cancelled (managers); a disallowed step is a 400 on `status`.",
        s.MeasureStatusSerializer,
        s.ImprovementMeasureSerializer,
        examples.MEASURE,
        {"status": "in_progress"},
    )
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, pk=None):
        data = _valid(s.MeasureStatusSerializer, request)
        return self._show(call_service(measure_set_status, measure=self.get_object(), status=data["status"]))


TASK_INPUT = {"measure": 6, "title": "Draft the checklist", "assignee": 8, "due_date": "2026-12-05"}


@_docs(
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
        data = _valid(s.TaskInputSerializer, request)
        return self._show(call_service(task_create, **data), status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        task = self.get_object()
        data = _valid(s.TaskUpdateSerializer, request, partial=True)
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


IMPORT_JOB = {
    "id": 31,
    "kind": "feedback",
    "status": "succeeded",
    "dry_run": False,
    "original_name": "feedback-2026-11.csv",
    "mapping": None,
    "rows_total": 1200,
    "rows_done": 1200,
    "created_count": 1180,
    "skipped_count": 20,
    "error_count": 0,
    "errors_preview": [],
    "unknown_columns": [],
    "message": "",
    "error_report_url": "/imports/31/errors.csv",
    "files_removed": False,
    "files_purged_at": None,
    "created_by": {"id": 5, "username": "crm-sync"},
    "created_at": "2026-11-23T09:00:00+08:00",
    "started_at": "2026-11-23T09:00:01+08:00",
    "finished_at": "2026-11-23T09:00:04+08:00",
}


@_docs(
    "import job",
    "import jobs",
    IMPORT_JOB,
    create=extend_schema(
        summary="Import a file",
        description=(
            "Uploads a CSV or XLSX file of customers, contacts, contracts, tickets, complaints or feedback "
            "(multipart: `kind`, `file`, optional `dry_run` and `mapping`) and starts the same import the import "
            "page runs (staff and managers). Answers 202 with the job; poll `GET /api/v1/imports/{id}/` for "
            "`rows_done` / `rows_total` and the outcome. A file imports all-or-nothing: any row error rejects it, "
            "and `error_report_url` lists every error (row, column, value, reason). Re-importing the same file "
            "creates no duplicates (`external_id`)."
        ),
        request={"multipart/form-data": s.ImportUploadSerializer},
        responses={202: s.ImportJobSerializer},
        examples=[
            OpenApiExample(
                "Job",
                value={**IMPORT_JOB, "status": "pending", "rows_done": 0},
                response_only=True,
                status_codes=["202"],
            ),
        ],
    ),
)
class ImportJobViewSet(mixins.CreateModelMixin, ReadOnlyResourceViewSet):
    selector = staticmethod(selectors.import_job_list)
    serializer_class = s.ImportJobSerializer
    filterset_fields = ["kind", "status", "dry_run"]
    ordering_fields = ["created_at", "finished_at"]
    parser_classes = [MultiPartParser, FormParser]
    action_roles = {"create": STAFF}

    def create(self, request, *args, **kwargs):
        data = _valid(s.ImportUploadSerializer, request)
        job = call_service(create_import_job, created_by=request.user, **data)
        # With tasks run eagerly the job has already finished when the transaction committed; re-read it.
        shown = self.get_queryset().get(pk=job.pk)
        return Response(s.ImportJobSerializer(shown).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([AllowAny])
def not_found(request, *args, **kwargs):
    """Any other path under the API: a JSON 404 like the rest of the API, not the HTML page of the site."""
    raise NotFound("No such API endpoint.")


class ObtainTokenView(APIView):
    """Exchange a username and password for the user's API token."""

    schema = ApiAutoSchema()
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenRateThrottle]

    @extend_schema(
        tags=["auth"],
        summary="Get an API token",
        description=(
            "Answers the token of the user with these credentials (created on first use). Send it as "
            "`Authorization: Token <token>`; the token carries the user's role. Wrong credentials answer 400."
        ),
        request=s.TokenRequestSerializer,
        responses={200: s.TokenResponseSerializer},
        examples=[
            OpenApiExample("Credentials", value=examples.TOKEN_REQUEST, request_only=True),
            OpenApiExample("Token", value=examples.TOKEN_RESPONSE, response_only=True),
        ],
        auth=[],
    )
    def post(self, request):
        incoming = s.TokenRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        user = authenticate(request=request._request, **incoming.validated_data)
        if user is None or not user.is_active:
            raise serializers.ValidationError({"non_field_errors": ["Unable to log in with these credentials."]})
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
