"""Serializer bases shared by every resource: validation through the model, user summaries, tokens."""

from __future__ import annotations

import copy

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import DateTimeField
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.exceptions import to_drf_validation_error
from core.api.fields import EventDateTimeField, IdField, NumberField, StringField

User = get_user_model()


# Bounds the database enforces with check constraints, declared here so a bad value is a 400 on its field.
SCORE_1_5 = {"min_value": 1, "max_value": 5}


NON_NEGATIVE = {"min_value": 0}


class UserSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username"]
        read_only_fields = fields


class CleanModelSerializer(serializers.ModelSerializer):
    """Runs the model's `full_clean()` (validators, `clean()`, constraints, uniqueness) before any save,
    so input the database would refuse is a 400 naming the field rather than a 500."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        DateTimeField: EventDateTimeField,
        models.CharField: StringField,
        models.TextField: StringField,
        models.EmailField: serializers.EmailField,
        models.FloatField: NumberField,
    }
    serializer_related_field = IdField

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


def require_order(attrs: dict, instance, earlier: str, later: str) -> None:
    """400 on `later` when it falls before `earlier` (the database constraint would refuse it)."""
    start = attrs.get(earlier, getattr(instance, earlier, None))
    end = attrs.get(later, getattr(instance, later, None))
    if start is not None and end is not None and end < start:
        raise serializers.ValidationError({later: [_("Must not be before %(field)s.") % {"field": earlier}]})


def active_users():
    return User.objects.filter(is_active=True)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, style={"input_type": "password"}, trim_whitespace=False)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)


# The numbers a rule saw: each value a number, a text, a flag, a list of numbers (an interval, recent scores) or null.
EVIDENCE_VALUE = {
    "oneOf": [
        {"type": "number"},
        {"type": "string"},
        {"type": "boolean"},
        {"type": "array", "items": {"type": "number", "nullable": True}},
    ],
    "nullable": True,
}


@extend_schema_field(
    {
        "type": "object",
        "description": "The numbers behind the finding, by name (which names depends on the rule or alert kind).",
        "additionalProperties": EVIDENCE_VALUE,
    }
)
class EvidenceField(serializers.JSONField):
    """A rule's evidence: a flat map of names to numbers, texts or lists of numbers."""


@extend_schema_field(
    {
        "type": "object",
        "description": "KPIs of the measure's scope over the baseline window, captured when it was created "
        "(empty when none could be captured).",
        "properties": {
            "count": {"type": "integer"},
            "avg_score": {"type": "number", "nullable": True},
            "score_sd": {"type": "number", "nullable": True},
            "satisfaction_rate": {"type": "number", "nullable": True},
            "satisfaction_rate_ci": {"type": "array", "items": {"type": "number"}, "description": "[low, high]"},
            "high_satisfaction_rate": {"type": "number", "nullable": True},
            "dissatisfaction_rate": {"type": "number", "nullable": True},
            "window_start": {"type": "string", "format": "date"},
            "window_end": {"type": "string", "format": "date"},
            "captured_at": {"type": "string", "format": "date-time"},
        },
    }
)
class BaselineField(serializers.JSONField):
    """A measure's baseline KPIs."""


@extend_schema_field(
    {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "row": {"type": "integer"},
                "column": {"type": "string"},
                "value": {"type": "string"},
                "reason": {"type": "string"},
            },
            "required": ["row", "column", "value", "reason"],
        },
    }
)
class RowErrorsField(serializers.JSONField):
    """The first row errors of an import: spreadsheet row (header = 1), column, value and why."""


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class StringListField(serializers.JSONField):
    """A list of texts stored in a JSON column."""
