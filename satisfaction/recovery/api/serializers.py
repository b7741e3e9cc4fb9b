"""API representations of recovery cases and their contact attempts, and the action inputs."""

from __future__ import annotations

from rest_framework import serializers

from core.api.fields import StringField
from core.api.serializers import UserSummarySerializer
from satisfaction.recovery.models import ContactAttempt, RecoveryCase


class ContactAttemptSerializer(serializers.ModelSerializer):
    by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = ContactAttempt
        fields = ["id", "at", "channel", "reached", "note", "by"]
        read_only_fields = fields


class RecoveryCaseSerializer(serializers.ModelSerializer):
    score = serializers.DecimalField(source="record.score", max_digits=2, decimal_places=1, read_only=True)
    customer_name = StringField(source="customer.name", read_only=True)
    service_type = StringField(source="record.service_type.code", read_only=True)
    owner = UserSummarySerializer(read_only=True, allow_null=True)
    closed_by = UserSummarySerializer(read_only=True, allow_null=True)
    overdue = serializers.BooleanField(read_only=True)
    alerts = serializers.PrimaryKeyRelatedField(source="record.alerts", many=True, read_only=True)
    attempts = ContactAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = RecoveryCase
        fields = [
            "id",
            "record",
            "score",
            "customer",
            "customer_name",
            "service_type",
            "owner",
            "status",
            "opened_at",
            "due_at",
            "overdue",
            "first_contact_at",
            "closed_at",
            "closed_by",
            "outcome",
            "root_cause",
            "closing_note",
            "alerts",
            "attempts",
        ]
        read_only_fields = fields


class RecoveryContactSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=ContactAttempt.Channel.choices)
    reached = serializers.BooleanField(default=True, help_text="Whether the customer was reached (default true).")
    note = StringField(required=False, allow_blank=True, default="", max_length=5000)
    at = serializers.DateTimeField(required=False, allow_null=True, default=None, help_text="Default: now.")


class RecoveryCloseSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=RecoveryCase.Outcome.choices)
    root_cause = StringField(
        required=False, allow_blank=True, default="", max_length=100, help_text="Required unless unreachable."
    )
    note = StringField(required=False, allow_blank=True, default="", max_length=5000)
