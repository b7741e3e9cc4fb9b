"""API representations of tickets and complaints."""

from __future__ import annotations

from rest_framework import serializers

from core.api.serializers import NON_NEGATIVE, SCORE_1_5, CleanModelSerializer, require_order
from satisfaction.helpdesk.models import Complaint, ServiceTicket


class HelpdeskSerializer(CleanModelSerializer):
    customer = serializers.IntegerField(source="contract.customer_id", read_only=True)
    service_type = serializers.SlugRelatedField(source="contract.service_type", slug_field="code", read_only=True)
    segment_priority = serializers.IntegerField(read_only=True, allow_null=True)


class ServiceTicketSerializer(HelpdeskSerializer):
    def validate(self, attrs):
        require_order(attrs, self.instance, "opened_at", "closed_at")
        return super().validate(attrs)

    class Meta:
        model = ServiceTicket
        fields = [
            "id",
            "external_id",
            "contract",
            "customer",
            "service_type",
            "segment_priority",
            "opened_at",
            "closed_at",
            "handling_hours",
            "urgency",
            "ticket_priority",
            "satisfaction",
            "follow_up",
            "is_internal",
            "agent",
            "agent_name",
        ]
        validators: list = []
        extra_kwargs = {"satisfaction": SCORE_1_5, "handling_hours": NON_NEGATIVE}


class ComplaintSerializer(HelpdeskSerializer):
    def validate(self, attrs):
        require_order(attrs, self.instance, "filed_at", "responded_at")
        require_order(attrs, self.instance, "filed_at", "resolved_at")
        require_order(attrs, self.instance, "responded_at", "resolved_at")
        return super().validate(attrs)

    class Meta:
        model = Complaint
        fields = [
            "id",
            "external_id",
            "contract",
            "customer",
            "service_type",
            "segment_priority",
            "filed_at",
            "responded_at",
            "resolved_at",
            "response_hours",
            "resolution_hours",
            "satisfaction",
            "escalated",
            "urgency",
            "handling_speed",
            "agent",
            "agent_name",
        ]
        validators: list = []
        extra_kwargs = {"satisfaction": SCORE_1_5, "response_hours": NON_NEGATIVE, "resolution_hours": NON_NEGATIVE}
