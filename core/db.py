"""Shared model pieces: the external-id field and its uniqueness constraint."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


def external_id_field():
    """The id an entity has in the system that sent it (客户ID, 工单ID, …); NULL when created here."""
    return models.CharField(
        _("external id"),
        max_length=64,
        null=True,
        blank=True,
        help_text=_("Id in the source system; makes imports and API retries idempotent."),
    )


def unique_external_id(model_name: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(
        fields=["external_id"],
        condition=Q(external_id__isnull=False),
        name=f"{model_name}_unique_external_id",
    )


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True
