"""API representations of customers, contacts, contracts and service types."""

from __future__ import annotations

from rest_framework import serializers

from core.api.serializers import CleanModelSerializer, require_order
from satisfaction.crm.models import Contact, Contract, Customer, ServiceType


class ServiceTypeField(serializers.SlugRelatedField):
    """A service type given and shown by its code (`data_analysis`, `legal_consultation`, …)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "code")
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", ServiceType.objects.all())
        super().__init__(**kwargs)


class ServiceTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceType
        fields = ["id", "code", "name_en", "name_zh", "is_active", "sort_order"]
        read_only_fields = fields


class CustomerSerializer(CleanModelSerializer):
    segment_priority = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Lowest contact priority of the customer's contacts (1 = top)."
    )
    on_watchlist = serializers.BooleanField(read_only=True, help_text="On the watch list right now.")
    contact_count = serializers.IntegerField(read_only=True)
    record_count = serializers.IntegerField(read_only=True, help_text="Satisfaction records of this customer.")

    class Meta:
        model = Customer
        fields = [
            "id",
            "external_id",
            "name",
            "industry",
            "tier",
            "created_at",
            "segment_priority",
            "on_watchlist",
            "contact_count",
            "record_count",
        ]
        read_only_fields = ["created_at"]
        # Uniqueness of external_id is checked by full_clean (the constraint is conditional).
        validators: list = []


class ContactSerializer(CleanModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", "external_id", "customer", "name", "contact_priority", "email", "phone", "language"]
        validators: list = []
        extra_kwargs = {"contact_priority": {"min_value": 1, "max_value": 5}}


class ContractSerializer(CleanModelSerializer):
    service_type = ServiceTypeField()

    class Meta:
        model = Contract
        fields = ["id", "external_id", "customer", "number", "service_type", "start_date", "end_date", "value"]
        validators: list = []
        extra_kwargs = {"value": {"min_value": 0}}

    def validate(self, attrs):
        require_order(attrs, self.instance, "start_date", "end_date")
        return super().validate(attrs)
