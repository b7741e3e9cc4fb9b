"""Serializer fields shared by every resource."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.localtime import plausible_event


class EventDateTimeField(serializers.DateTimeField):
    """An instant of something that happened: between 1 January 1990 and tomorrow (probe finding 1).

    Out-of-range values, year 1 or 9999 included, are a 400 naming the field, never a 500.
    """

    default_error_messages = {"implausible": _("Dates must fall between 1 Jan 1990 and tomorrow.")}

    def to_internal_value(self, value):
        try:
            moment = super().to_internal_value(value)
        except OverflowError:  # a naive year-1 value overflows while the time zone is attached
            self.fail("overflow")
        if not plausible_event(moment):
            self.fail("implausible")
        return moment


class StringField(serializers.CharField):
    """Text only: a number sent for a text field is refused, not stored as "123" (probe finding 12)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class NumberField(serializers.FloatField):
    """A number, never `true` or `false` (DRF's FloatField reads `true` as 1.0; probe finding 12)."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


class IdField(serializers.PrimaryKeyRelatedField):
    """An id: a whole number. `4.55` or `true` is refused, not read as row 4 or row 1 (probe finding 12)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or (isinstance(data, float) and not data.is_integer()):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if isinstance(data, float):
            data = int(data)
        return super().to_internal_value(data)
