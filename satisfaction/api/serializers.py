"""Serializers of API v1: shapes of the resources, and input validation before a service is called."""

from __future__ import annotations

import copy
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from rest_framework import serializers

from satisfaction.api.exceptions import to_drf_validation_error
from satisfaction.models import (
    Complaint,
    Contact,
    Contract,
    Customer,
    ImportJob,
    ImportKind,
    ImportMapping,
    ImprovementMeasure,
    ImprovementSuggestion,
    ImprovementTask,
    SatisfactionAlert,
    SatisfactionRecord,
    ServiceTicket,
    ServiceType,
    WatchlistEntry,
)

User = get_user_model()
# Bounds the database enforces with check constraints, declared here so a bad value is a 400 on its field.
SCORE_1_5 = {"min_value": 1, "max_value": 5}
NON_NEGATIVE = {"min_value": 0}


class ServiceTypeField(serializers.SlugRelatedField):
    """A service type given and shown by its code (`data_analysis`, `legal_consultation`, …)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "code")
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", ServiceType.objects.all())
        super().__init__(**kwargs)


class UserSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username"]
        read_only_fields = fields


class CleanModelSerializer(serializers.ModelSerializer):
    """Runs the model's `full_clean()` (validators, `clean()`, constraints, uniqueness) before any save,
    so input the database would refuse is a 400 naming the field rather than a 500."""

    def validate(self, attrs):
        attrs = super().validate(attrs)
        instance = copy.copy(self.instance) if self.instance is not None else self.Meta.model()
        for field, value in attrs.items():
            setattr(instance, field, value)
        try:
            instance.full_clean()
        except DjangoValidationError as exc:
            raise to_drf_validation_error(exc) from None
        return attrs


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


def _require_order(attrs: dict, instance, earlier: str, later: str) -> None:
    """400 on `later` when it falls before `earlier` (the database constraint would refuse it)."""
    start = attrs.get(earlier, getattr(instance, earlier, None))
    end = attrs.get(later, getattr(instance, later, None))
    if start is not None and end is not None and end < start:
        raise serializers.ValidationError({later: [f"Must not be before {earlier}."]})


class ContractSerializer(CleanModelSerializer):
    service_type = ServiceTypeField()

    class Meta:
        model = Contract
        fields = ["id", "external_id", "customer", "number", "service_type", "start_date", "end_date", "value"]
        validators: list = []
        extra_kwargs = {"value": {"min_value": 0}}

    def validate(self, attrs):
        _require_order(attrs, self.instance, "start_date", "end_date")
        return super().validate(attrs)


class _HelpdeskSerializer(CleanModelSerializer):
    customer = serializers.IntegerField(source="contract.customer_id", read_only=True)
    service_type = serializers.SlugRelatedField(source="contract.service_type", slug_field="code", read_only=True)
    segment_priority = serializers.IntegerField(read_only=True, allow_null=True)


class ServiceTicketSerializer(_HelpdeskSerializer):
    def validate(self, attrs):
        _require_order(attrs, self.instance, "opened_at", "closed_at")
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


class ComplaintSerializer(_HelpdeskSerializer):
    def validate(self, attrs):
        _require_order(attrs, self.instance, "filed_at", "responded_at")
        _require_order(attrs, self.instance, "filed_at", "resolved_at")
        _require_order(attrs, self.instance, "responded_at", "resolved_at")
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

    customer = serializers.PrimaryKeyRelatedField(
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
    feedback = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)
    response_time_hours = serializers.FloatField(required=False, allow_null=True, min_value=0, max_value=1e6)
    accuracy_score = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=5)
    completeness_score = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=5)
    channel = serializers.ChoiceField(
        choices=SatisfactionRecord.Channel.choices, default=SatisfactionRecord.Channel.API, required=False
    )
    ticket = serializers.PrimaryKeyRelatedField(queryset=ServiceTicket.objects.all(), required=False, allow_null=True)
    complaint = serializers.PrimaryKeyRelatedField(queryset=Complaint.objects.all(), required=False, allow_null=True)
    external_id = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=64,
        help_text="Your id for this feedback: sending it again returns the first record (200), no duplicate.",
    )
    created_at = serializers.DateTimeField(required=False, allow_null=True, help_text="When given; default now.")

    def validate(self, attrs):
        by_id = attrs.pop("customer", None)
        by_external = attrs.pop("customer_by_external_id", None)
        if by_id is None and by_external is None:
            raise serializers.ValidationError({"customer": ["Give customer (id) or customer_external_id."]})
        if by_id is not None and by_external is not None and by_id.pk != by_external.pk:
            raise serializers.ValidationError({"customer_external_id": ["Names a different customer than customer."]})
        attrs["customer"] = by_id or by_external
        return attrs


class SatisfactionAlertSerializer(serializers.ModelSerializer):
    service_type = ServiceTypeField(read_only=True, allow_null=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True, default=None, allow_null=True)
    acknowledged_by = UserSummarySerializer(read_only=True, allow_null=True)
    resolved_by = UserSummarySerializer(read_only=True, allow_null=True)

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
        ]
        read_only_fields = fields


class AlertResolveSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=5000, help_text="What was done about it (required).")


def active_users():
    return User.objects.filter(is_active=True)


class WatchlistAddSerializer(serializers.Serializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    owner = serializers.PrimaryKeyRelatedField(
        queryset=active_users(), required=False, allow_null=True, help_text="Who follows up; default: you."
    )


class WatchlistRemoveSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=5000, help_text="Why the customer leaves the watch list (required).")


class WatchlistOwnerSerializer(serializers.Serializer):
    owner = serializers.PrimaryKeyRelatedField(queryset=active_users(), allow_null=True)


class SuggestionAcceptSerializer(serializers.Serializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=active_users(), required=False, allow_null=True, help_text="Owner of the new measure; default: you."
    )
    start_date = serializers.DateField(required=False, allow_null=True)
    target_date = serializers.DateField(required=False, allow_null=True)

    def validate(self, attrs):
        _require_order(attrs, None, "start_date", "target_date")
        return attrs


class SuggestionDismissSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000, help_text="Why the suggestion is dismissed (required).")


class MeasureInputSerializer(serializers.Serializer):
    """The editable fields of a measure; `measure_create` / `measure_update` validate the rest."""

    title = serializers.CharField(max_length=250)
    description = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    category = serializers.ChoiceField(choices=ImprovementMeasure._meta.get_field("category").choices)
    priority = serializers.ChoiceField(choices=ImprovementMeasure._meta.get_field("priority").choices, required=False)
    service_type = ServiceTypeField(required=False, allow_null=True)
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all(), required=False, allow_null=True)
    segment_priority = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=5)
    owner = serializers.PrimaryKeyRelatedField(queryset=active_users(), required=False, allow_null=True)
    start_date = serializers.DateField(required=False, allow_null=True)
    target_date = serializers.DateField(required=False, allow_null=True)
    expected_impact = serializers.CharField(required=False, allow_blank=True, max_length=5000)

    def validate(self, attrs):
        _require_order(attrs, self.instance, "start_date", "target_date")
        return attrs


class ImproveSerializer(MeasureInputSerializer):
    """`POST satisfaction/improve`: a new measure, from a suggestion or from scratch."""

    suggestion = serializers.PrimaryKeyRelatedField(
        queryset=ImprovementSuggestion.objects.all(),
        required=False,
        allow_null=True,
        help_text="Accept this suggestion: title, category, scope and impact come from it.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        data = kwargs.get("data")
        if isinstance(data, dict) and data.get("suggestion") not in (None, ""):
            self.fields["title"].required = False
            self.fields["category"].required = False


class MeasureStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ImprovementMeasure.Status.choices)


class TaskInputSerializer(serializers.Serializer):
    measure = serializers.PrimaryKeyRelatedField(queryset=ImprovementMeasure.objects.all())
    title = serializers.CharField(max_length=250)
    assignee = serializers.PrimaryKeyRelatedField(queryset=active_users(), required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=ImprovementTask.Status.choices, required=False)
    progress = serializers.IntegerField(required=False, min_value=0, max_value=100)


class TaskUpdateSerializer(TaskInputSerializer):
    measure = None  # a task stays with its measure


class WatchlistEntrySerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    segment_priority = serializers.IntegerField(read_only=True, allow_null=True)
    added_by = UserSummarySerializer(read_only=True, allow_null=True)
    owner = UserSummarySerializer(read_only=True, allow_null=True)
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = WatchlistEntry
        fields = [
            "id",
            "customer",
            "customer_name",
            "segment_priority",
            "reason",
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


class ImprovementSuggestionSerializer(serializers.ModelSerializer):
    service_type = ServiceTypeField(read_only=True, allow_null=True)
    decided_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = ImprovementSuggestion
        fields = [
            "id",
            "rule_code",
            "priority",
            "category",
            "title_en",
            "title_zh",
            "rationale_en",
            "rationale_zh",
            "actions_en",
            "actions_zh",
            "expected_impact_en",
            "expected_impact_zh",
            "impact_points",
            "evidence",
            "service_type",
            "customer",
            "segment_priority",
            "status",
            "decided_by",
            "decided_at",
            "dismissed_reason",
            "created_at",
        ]
        read_only_fields = fields


class ImprovementMeasureSerializer(serializers.ModelSerializer):
    service_type = ServiceTypeField(read_only=True, allow_null=True)
    owner = UserSummarySerializer(read_only=True, allow_null=True)
    task_count = serializers.IntegerField(read_only=True)
    open_task_count = serializers.IntegerField(read_only=True)
    done_task_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = ImprovementMeasure
        fields = [
            "id",
            "title",
            "description",
            "category",
            "priority",
            "service_type",
            "customer",
            "segment_priority",
            "owner",
            "status",
            "progress",
            "start_date",
            "target_date",
            "completed_at",
            "expected_impact",
            "baseline",
            "suggestion",
            "task_count",
            "open_task_count",
            "done_task_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ImprovementTaskSerializer(serializers.ModelSerializer):
    assignee = UserSummarySerializer(read_only=True, allow_null=True)
    measure_title = serializers.CharField(source="measure.title", read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = ImprovementTask
        fields = [
            "id",
            "measure",
            "measure_title",
            "title",
            "assignee",
            "due_date",
            "status",
            "progress",
            "completed_at",
            "is_overdue",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, style={"input_type": "password"}, trim_whitespace=False)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)


class ImportJobSerializer(serializers.ModelSerializer):
    created_by = UserSummarySerializer(read_only=True, allow_null=True)
    mapping = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)
    error_report_url = serializers.SerializerMethodField(
        help_text="Row errors as CSV (row, column, value, reason); null once the files were removed."
    )
    files_removed = serializers.SerializerMethodField(
        help_text="True once the uploaded file and its error report were deleted under the retention policy."
    )

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "status",
            "dry_run",
            "original_name",
            "mapping",
            "rows_total",
            "rows_done",
            "created_count",
            "skipped_count",
            "error_count",
            "errors_preview",
            "unknown_columns",
            "message",
            "error_report_url",
            "files_removed",
            "files_purged_at",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_error_report_url(self, job) -> str | None:
        if job.files_purged_at is not None:
            return None
        return reverse("import-job-errors", kwargs={"job_id": job.pk})

    def get_files_removed(self, job) -> bool:
        return job.files_purged_at is not None


class ImportUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ImportKind.choices)
    file = serializers.FileField(help_text="CSV (UTF-8 with or without BOM, or GB18030) or XLSX.")
    dry_run = serializers.BooleanField(required=False, default=False, help_text="Validate only; write nothing.")
    mapping = serializers.SlugRelatedField(
        slug_field="name",
        queryset=ImportMapping.objects.all(),
        required=False,
        allow_null=True,
        help_text="Name of a saved header mapping for other file layouts.",
    )

    def validate(self, attrs):
        mapping = attrs.get("mapping")
        if mapping is not None and mapping.kind != attrs["kind"]:
            raise serializers.ValidationError(
                {"mapping": [f"This mapping is for {mapping.kind}, not {attrs['kind']}."]}
            )
        return attrs
