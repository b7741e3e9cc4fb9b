"""The generic half of a write path: set the allowed fields, validate through the model, save.

Each entity's service (crm, helpdesk, …) names its writable fields and adds its side effects around these,
so the page, the API, the admin and the import all validate and save a row the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _


def _check_fields(data: Mapping[str, Any], fields: Iterable[str]) -> None:
    unknown = set(data) - set(fields)
    if unknown:
        raise ValidationError({field: _("This field cannot be edited here.") for field in sorted(unknown)})


def _clean_external_id(data: Mapping[str, Any]) -> dict[str, Any]:
    data = dict(data)
    if "external_id" in data:
        data["external_id"] = (data["external_id"] or "").strip() or None
    return data


def model_create(*, model: type[models.Model], data: Mapping[str, Any], fields: Iterable[str]) -> models.Model:
    """A new `model` row from `data` (only `fields` allowed), validated by `full_clean()` and saved."""
    _check_fields(data, fields)
    instance = model(**_clean_external_id(data))
    instance.full_clean()
    instance.save()
    return instance


def model_update(
    *, instance: models.Model, data: Mapping[str, Any], fields: Iterable[str]
) -> tuple[models.Model, dict[str, Any]]:
    """Apply `data` (only `fields` allowed) to `instance`, validate and save; returns it and the stored values
    of the fields that changed (so a service can act on a transition, e.g. a ticket that just closed)."""
    _check_fields(data, fields)
    stored = type(instance).objects.select_for_update().filter(pk=instance.pk).values(*data).first()
    if stored is None:
        raise ValidationError(_("That row does not exist any more."))
    for field, value in _clean_external_id(data).items():
        setattr(instance, field, value)
    changed = {field: old for field, old in stored.items() if old != getattr(instance, models_attname(instance, field))}
    instance.full_clean()
    instance.save()
    return instance, changed


def models_attname(instance: models.Model, field: str) -> str:
    """The attribute holding a field's stored value (`customer_id` for the foreign key `customer`)."""
    return instance._meta.get_field(field).attname
