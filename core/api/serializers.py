"""Serializer bases shared by every resource: validation through the model, user summaries, tokens."""

from __future__ import annotations

import copy

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import DateTimeField
from rest_framework import serializers

from core.api.exceptions import to_drf_validation_error
from core.api.fields import EventDateTimeField

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
    }

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
        raise serializers.ValidationError({later: [f"Must not be before {earlier}."]})


def active_users():
    return User.objects.filter(is_active=True)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, style={"input_type": "password"}, trim_whitespace=False)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)
