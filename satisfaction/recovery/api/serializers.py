"""API representations of recovery cases and their contact attempts, and the action inputs."""

from __future__ import annotations

from rest_framework import serializers

from core.api.fields import StringField
from core.api.serializers import UserSummarySerializer
from satisfaction.recovery.models import ContactAttempt, RecoveryCase
from satisfaction.text.models import Topic


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
    root_cause_topic = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    resurvey_sent_at = serializers.DateTimeField(source="resurvey.created_at", read_only=True, allow_null=True)
    recovery_score = serializers.IntegerField(read_only=True, allow_null=True, min_value=1, max_value=5)

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
            "root_cause_topic",
            "root_cause",
            "closing_note",
            "resurvey_sent_at",
            "recovery_score",
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
    root_cause_topic = serializers.SlugRelatedField(
        slug_field="code", queryset=Topic.objects.all(), required=False, allow_null=True, default=None,
        help_text="Code of a topic of the topic list (admin: Topics), e.g. `response_speed`.",
    )  # fmt: skip
    root_cause = StringField(
        required=False, allow_blank=True, default="", max_length=100,
        help_text="A few words; a topic, this, or both are required unless unreachable.",
    )  # fmt: skip
    note = StringField(required=False, allow_blank=True, default="", max_length=5000)
    resurvey = serializers.BooleanField(
        required=False, default=False,
        help_text="Only with `recovered`: send a one-question re-survey; its answer is the recovery score.",
    )  # fmt: skip
