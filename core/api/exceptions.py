"""Error responses: a service's Django ValidationError becomes a 400 naming each field, never a 500."""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from rest_framework import exceptions, status
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The write conflicts with existing data (for example a duplicate external_id)."
    default_code = "conflict"


def to_drf_validation_error(exc: DjangoValidationError) -> exceptions.ValidationError:
    """A DRF ValidationError with the same per-field messages (`non_field_errors` for the rest)."""
    if hasattr(exc, "error_dict"):
        detail = {
            (api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field): messages
            for field, messages in exc.message_dict.items()
        }
    else:
        detail = {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}
    return exceptions.ValidationError(detail)


def api_exception_handler(exc, context):
    """DRF's handler, plus Django validation errors as 400 and integrity errors as 409."""
    if isinstance(exc, DjangoValidationError):
        exc = to_drf_validation_error(exc)
    elif isinstance(exc, IntegrityError):
        exc = Conflict()
    return exception_handler(exc, context)
