"""API of satisfaction records: the list and the enterprise `satisfaction/record` operation."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core.api.exceptions import to_drf_validation_error
from core.api.schema import FIELD_ERRORS
from core.api.views import ApiView, ApiViewSet, resource_docs
from core.roles import STAFF
from satisfaction.feedback import filtersets, selectors
from satisfaction.feedback.api import schema as examples
from satisfaction.feedback.api import serializers as s
from satisfaction.feedback.api.schema import RECORD_DESCRIPTION, RECORD_EXAMPLES, RECORD_RESPONSES
from satisfaction.feedback.services import record_satisfaction, record_satisfaction_many


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


@resource_docs(
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


BULK_ERRORS = OpenApiResponse(
    {
        "type": "object",
        "description": "`records`: what is wrong with the list itself, or each refused item's errors by its index.",
        "properties": {
            "records": {
                "oneOf": [
                    {"type": "array", "items": {"type": "string"}},
                    {
                        "type": "object",
                        "description": "Item index (from 0) → its field errors; `non_field_errors` for the list.",
                        "additionalProperties": {
                            "oneOf": [FIELD_ERRORS, {"type": "array", "items": {"type": "string"}}]
                        },
                    },
                ]
            }
        },
        "additionalProperties": {"oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]},
    },
    description="Bad input: nothing was saved; the body names each refused item and field.",
)


class BulkRecordView(ApiView):
    """`POST enterprise-satisfaction/satisfaction/records/bulk`: helpdesks that push feedback in batches."""

    write_role = STAFF

    @extend_schema(
        operation_id="enterprise_satisfaction_records_bulk",
        tags=["enterprise-satisfaction"],
        summary="Record up to 1,000 pieces of feedback at once (enterprise operation)",
        description=(
            "Each item as for `satisfaction/record`, through the same service and rules (staff and managers). All "
            "or nothing: when any item is refused, none is saved and the 400 names each refused item by its index "
            '(from 0) and its fields: `{"records": {"3": {"score": [...]}}}`. Idempotent per `external_id`: '
            "items already saved come back unchanged and count as `existing`. 201 when something was created, "
            "200 when every item already existed."
        ),
        request=s.BulkRecordsInputSerializer,
        responses={201: s.BulkRecordsSerializer, 200: s.BulkRecordsSerializer, 400: BULK_ERRORS},
        examples=[
            OpenApiExample("A batch", value={"records": [examples.RECORD_INPUT]}, request_only=True),
            OpenApiExample(
                "Saved",
                value={"created": 1, "existing": 0, "records": [examples.RECORD]},
                response_only=True,
                status_codes=["201", "200"],
            ),
            OpenApiExample(
                "A refused item",
                value={"records": {"3": {"ticket": ["This ticket belongs to another customer."]}}},
                response_only=True,
                status_codes=["400"],
            ),
        ],
    )
    def post(self, request):
        incoming = s.BulkRecordsInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            saved = record_satisfaction_many(items=incoming.validated_data["records"], recorded_by=request.user)
        except DjangoValidationError as exc:
            # The same shape as the serializer's own errors of an item: {"records": {"<index>": {field: [...]}}}.
            raise ValidationError({"records": {str(i): errors for i, errors in exc.by_index.items()}}) from None
        by_pk = selectors.record_list().in_bulk([record.pk for record, _ in saved])
        created = sum(1 for _, was_created in saved if was_created)
        body = {
            "created": created,
            "existing": len(saved) - created,
            "records": s.SatisfactionRecordSerializer([by_pk[record.pk] for record, _ in saved], many=True).data,
        }
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
