"""API representations of alerts and watch-list entries, and their action inputs."""

from __future__ import annotations

from rest_framework import serializers

from core.api.fields import IdField, StringField
from core.api.serializers import EvidenceField, UserSummarySerializer, active_users
from satisfaction.alerts.models import SatisfactionAlert, WatchlistEntry
from satisfaction.crm.api.serializers import ServiceTypeField
from satisfaction.crm.models import Customer


class SatisfactionAlertSerializer(serializers.ModelSerializer):
    service_type = ServiceTypeField(read_only=True, allow_null=True)
    evidence = EvidenceField(read_only=True)
    customer_name = StringField(source="customer.name", read_only=True, default=None, allow_null=True)
    acknowledged_by = UserSummarySerializer(read_only=True, allow_null=True)
    resolved_by = UserSummarySerializer(read_only=True, allow_null=True)
    # The recovery case of the alert's response, if one was opened (read through the relation).
    recovery_case = serializers.IntegerField(
        source="record.recovery_case.pk", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = SatisfactionAlert
        fields = [
            "id",
            "kind",
            "severity",
            "status",
            "customer",
            "customer_name",
            "service_type",
            "record",
            "complaint",
            "value",
            "threshold",
            "evidence",
            "message_en",
            "message_zh",
            "occurrences",
            "created_at",
            "last_seen_at",
            "acknowledged_at",
            "acknowledged_by",
            "resolved_at",
            "resolved_by",
            "resolution_note",
            "recovery_case",
        ]
        read_only_fields = fields


class AlertResolveSerializer(serializers.Serializer):
    note = StringField(max_length=5000, help_text="What was done about it (required).")


class WatchlistAddSerializer(serializers.Serializer):
    customer = IdField(queryset=Customer.objects.all())
    note = StringField(required=False, allow_blank=True, default="", max_length=5000)
    owner = IdField(queryset=active_users(), required=False, allow_null=True, help_text="Who follows up; default: you.")


class WatchlistRemoveSerializer(serializers.Serializer):
    note = StringField(max_length=5000, help_text="Why the customer leaves the watch list (required).")


class WatchlistOwnerSerializer(serializers.Serializer):
    owner = IdField(queryset=active_users(), allow_null=True)


class WatchlistEntrySerializer(serializers.ModelSerializer):
    customer_name = StringField(source="customer.name", read_only=True)
    segment_priority = serializers.IntegerField(read_only=True, allow_null=True)
    added_by = UserSummarySerializer(read_only=True, allow_null=True)
    owner = UserSummarySerializer(read_only=True, allow_null=True)
    is_active = serializers.BooleanField(read_only=True)
    reason_text = serializers.CharField(
        read_only=True, help_text="Why the customer is watched, in the request's language (Accept-Language)."
    )

    class Meta:
        model = WatchlistEntry
        fields = [
            "id",
            "customer",
            "customer_name",
            "segment_priority",
            "reason",
            "reason_text",
            "note",
            "alert",
            "added_by",
            "owner",
            "since",
            "removed_at",
            "removal_note",
            "is_active",
        ]
        read_only_fields = fields
