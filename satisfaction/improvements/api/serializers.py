"""API representations of suggestions, measures and tasks, and their action inputs."""

from __future__ import annotations

from django.contrib.auth.models import Group
from rest_framework import serializers

from core.api.fields import IdField, StringField
from core.api.serializers import BaselineField, EvidenceField, UserSummarySerializer, active_users, require_order
from core.db import Level
from satisfaction.crm.api.serializers import ServiceTypeField
from satisfaction.crm.models import Customer
from satisfaction.improvements.models import Category, ImprovementMeasure, ImprovementSuggestion, ImprovementTask


class SuggestionAcceptSerializer(serializers.Serializer):
    """The page's accept form: every field optional, the suggestion's proposal fills the rest."""

    title = StringField(max_length=250, required=False)
    description = StringField(required=False, allow_blank=True)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    priority = serializers.ChoiceField(choices=Level.choices, required=False)
    expected_impact = StringField(required=False, allow_blank=True)
    owner = IdField(
        queryset=active_users(), required=False, allow_null=True, help_text="Owner of the new measure; default: you."
    )
    start_date = serializers.DateField(required=False, allow_null=True)
    target_date = serializers.DateField(required=False, allow_null=True)

    def validate(self, attrs):
        require_order(attrs, None, "start_date", "target_date")
        return attrs


class SuggestionDismissSerializer(serializers.Serializer):
    reason = StringField(max_length=5000, help_text="Why the suggestion is dismissed (required).")


class MeasureInputSerializer(serializers.Serializer):
    """The editable fields of a measure; `measure_create` / `measure_update` validate the rest."""

    title = StringField(max_length=250)
    description = StringField(required=False, allow_blank=True, max_length=20_000)
    category = serializers.ChoiceField(choices=ImprovementMeasure._meta.get_field("category").choices)
    priority = serializers.ChoiceField(choices=ImprovementMeasure._meta.get_field("priority").choices, required=False)
    service_type = ServiceTypeField(required=False, allow_null=True)
    customer = IdField(queryset=Customer.objects.all(), required=False, allow_null=True)
    segment_priority = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=5)
    agent = IdField(
        queryset=active_users(), required=False, allow_null=True,
        help_text="Target one agent (a user): the evaluation compares the records of their tickets and complaints.",
    )  # fmt: skip
    agent_name = StringField(
        required=False, allow_blank=True, max_length=150, help_text="Or a handler named in the source system."
    )
    team = IdField(
        queryset=Group.objects.all(), required=False, allow_null=True, help_text="Or a team (a group of users)."
    )
    owner = IdField(queryset=active_users(), required=False, allow_null=True)
    start_date = serializers.DateField(required=False, allow_null=True)
    target_date = serializers.DateField(required=False, allow_null=True)
    expected_impact = StringField(required=False, allow_blank=True, max_length=5000)

    def validate(self, attrs):
        require_order(attrs, self.instance, "start_date", "target_date")
        return attrs


class ImproveSerializer(MeasureInputSerializer):
    """`POST satisfaction/improve`: a new measure, from a suggestion or from scratch."""

    suggestion = IdField(
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
    measure = IdField(queryset=ImprovementMeasure.objects.all())
    title = StringField(max_length=250)
    assignee = IdField(queryset=active_users(), required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=ImprovementTask.Status.choices, required=False)
    progress = serializers.IntegerField(required=False, min_value=0, max_value=100)


class TaskUpdateSerializer(TaskInputSerializer):
    measure = None  # a task stays with its measure


class ImprovementSuggestionSerializer(serializers.ModelSerializer):
    service_type = ServiceTypeField(read_only=True, allow_null=True)
    evidence = EvidenceField(read_only=True)
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
    baseline = BaselineField(read_only=True)
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
            "agent",
            "agent_name",
            "team",
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
    measure_title = StringField(source="measure.title", read_only=True)
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
