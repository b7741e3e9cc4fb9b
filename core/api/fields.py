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
