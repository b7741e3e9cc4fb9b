"""API v1 views: thin; they parse, call a selector or a service, and answer."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError as DjangoValidationError
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.filters import OrderingFilter
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
from satisfaction.services.feedback import record_satisfaction


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
        # Re-read through the selector so the response carries the same annotations as the list.
        instance = serializer.save()
        serializer.instance = self.get_queryset().get(pk=instance.pk)

    def perform_update(self, serializer):
        instance = serializer.save()
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


@_docs("alert", "alerts", examples.ALERT)
class SatisfactionAlertViewSet(ManagerReadOnlyViewSet):
    selector = staticmethod(selectors.alert_list)
    serializer_class = s.SatisfactionAlertSerializer
    filterset_class = filtersets.SatisfactionAlertFilterSet
    ordering_fields = ["last_seen_at", "created_at", "severity", "status"]


@_docs("watch-list entry", "watch-list entries", examples.WATCH_ENTRY)
class WatchlistEntryViewSet(ManagerReadOnlyViewSet):
    selector = staticmethod(selectors.watchlist_list)
    serializer_class = s.WatchlistEntrySerializer
    filterset_class = filtersets.WatchlistEntryFilterSet
    ordering_fields = ["since", "removed_at"]


@_docs("improvement suggestion", "improvement suggestions", examples.SUGGESTION)
class ImprovementSuggestionViewSet(ManagerReadOnlyViewSet):
    selector = staticmethod(selectors.suggestion_list)
    serializer_class = s.ImprovementSuggestionSerializer
    filterset_class = filtersets.ImprovementSuggestionFilterSet
    ordering_fields = ["created_at", "priority", "impact_points"]


@_docs("improvement measure", "improvement measures", examples.MEASURE)
class ImprovementMeasureViewSet(ManagerReadOnlyViewSet):
    selector = staticmethod(selectors.measure_list)
    serializer_class = s.ImprovementMeasureSerializer
    filterset_class = filtersets.ImprovementMeasureFilterSet
    ordering_fields = ["created_at", "target_date", "priority", "status"]


@_docs("improvement task", "improvement tasks", examples.TASK)
class ImprovementTaskViewSet(ManagerReadOnlyViewSet):
    selector = staticmethod(selectors.task_list)
    serializer_class = s.ImprovementTaskSerializer
    filterset_class = filtersets.ImprovementTaskFilterSet
    ordering_fields = ["due_date", "progress", "status"]


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
