"""API representations of satisfaction records and the record input."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from rest_framework import serializers

from core.api.fields import EventDateTimeField, IdField, NumberField, StringField
from core.api.serializers import UserSummarySerializer
from satisfaction.crm.api.serializers import ServiceTypeField
from satisfaction.crm.models import Customer
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.feedback.services import FEEDBACK_MAX_CHARS, MAX_BULK_RECORDS, RESPONSE_HOURS_MAX
from satisfaction.helpdesk.models import Complaint, ServiceTicket


class SatisfactionRecordSerializer(serializers.ModelSerializer):
    service_type = ServiceTypeField(read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    recorded_by = UserSummarySerializer(read_only=True, allow_null=True)
    score = serializers.DecimalField(max_digits=2, decimal_places=1, coerce_to_string=False, read_only=True)

    class Meta:
        model = SatisfactionRecord
        fields = [
            "id",
            "external_id",
            "customer",
            "customer_name",
            "service_type",
            "score",
            "feedback",
            "response_time_hours",
            "accuracy_score",
            "completeness_score",
            "channel",
            "ticket",
            "complaint",
            "self_rated",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = fields


class SatisfactionRecordInputSerializer(serializers.Serializer):
    """What a client sends to record feedback; `record_satisfaction` does the rest of the validation."""

    customer = IdField(
        queryset=Customer.objects.all(), required=False, help_text="Customer id. Give this or customer_external_id."
    )
    customer_external_id = serializers.SlugRelatedField(
        source="customer_by_external_id",
        slug_field="external_id",
        queryset=Customer.objects.all(),
        required=False,
        help_text="The customer's id in your system (客户ID), instead of `customer`.",
    )
    service_type = ServiceTypeField(help_text="Service type code: data_analysis, legal_consultation, …")
    score = serializers.DecimalField(
        max_digits=2,
        decimal_places=1,
        min_value=Decimal("1.0"),
        max_value=Decimal("5.0"),
        coerce_to_string=False,
        help_text="1.0–5.0, one decimal.",
    )
    feedback = StringField(required=False, allow_blank=True, default="", max_length=FEEDBACK_MAX_CHARS)
    response_time_hours = NumberField(required=False, allow_null=True, min_value=0, max_value=RESPONSE_HOURS_MAX)
    accuracy_score = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=5)
    completeness_score = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=5)
    channel = serializers.ChoiceField(
        choices=SatisfactionRecord.Channel.choices, default=SatisfactionRecord.Channel.API, required=False
    )
    ticket = IdField(queryset=ServiceTicket.objects.all(), required=False, allow_null=True)
    complaint = IdField(queryset=Complaint.objects.all(), required=False, allow_null=True)
    external_id = StringField(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=64,
        help_text="Your id for this feedback: sending it again returns the first record (200), no duplicate.",
    )
    created_at = EventDateTimeField(required=False, allow_null=True, help_text="When given; default now.")

    def validate(self, attrs):
        by_id = attrs.pop("customer", None)
        by_external = attrs.pop("customer_by_external_id", None)
        if by_id is None and by_external is None:
            raise serializers.ValidationError({"customer": [_("Give customer (id) or customer_external_id.")]})
        if by_id is not None and by_external is not None and by_id.pk != by_external.pk:
            raise serializers.ValidationError(
                {"customer_external_id": [_("Names a different customer than customer.")]}
            )
        attrs["customer"] = by_id or by_external
        return attrs


class BulkRecordsInputSerializer(serializers.Serializer):
    """Up to 1,000 records in one request, each as for `satisfaction/record`."""

    records = SatisfactionRecordInputSerializer(many=True, min_length=1, max_length=MAX_BULK_RECORDS)


class BulkRecordsSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Records saved by this request.")
    existing = serializers.IntegerField(help_text="Records whose external_id was already saved (nothing changed).")
    records = SatisfactionRecordSerializer(many=True, help_text="Every record, in the order sent.")
