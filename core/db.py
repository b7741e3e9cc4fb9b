"""Shared model pieces: the external-id field and its uniqueness constraint, the link to the importing job."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from core.localtime import PLANNED_YEARS_AHEAD, plausible_day, plausible_event


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


def import_job_field():
    """The import job that created the row (who ran it, when, from which file, with what outcome); NULL for a row
    created any other way.

    Rows an import creates are written in bulk, past the model signals the audit log listens to, so this link is
    their audit entry: one entry for the job (`imports.audit`), and from each row to it. No database constraint and
    no index, on purpose: each would cost every imported row a check or an index insert (a per-row audit entry cost
    as much as the row itself), and the job end is read only to audit one import."""
    return models.ForeignKey(
        "satisfaction.ImportJob",
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        db_constraint=False,
        db_index=False,
        related_name="+",
        help_text=_("The import job that created this row."),
    )


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


@deconstructible
class PlausibleEventTime:
    """Validator: the instant lies between 1 January 1990 and tomorrow (probe finding 1)."""

    def __call__(self, value):
        if value is not None and not plausible_event(value):
            raise ValidationError(
                _("Dates must fall between 1 Jan 1990 and tomorrow; got %(value)s."),
                code="implausible_date",
                params={"value": value},
            )

    def __eq__(self, other):
        return isinstance(other, PlausibleEventTime)


@deconstructible
class PlausibleDay:
    """Validator: the day lies between 1 January 1990 and `years_ahead` years from now."""

    def __init__(self, years_ahead: int = PLANNED_YEARS_AHEAD):
        self.years_ahead = years_ahead

    def __call__(self, value):
        if value is not None and not plausible_day(value, years_ahead=self.years_ahead):
            raise ValidationError(
                _("Dates must fall between 1 Jan 1990 and %(years)s years from now; got %(value)s."),
                code="implausible_date",
                params={"value": value, "years": self.years_ahead},
            )

    def __eq__(self, other):
        return isinstance(other, PlausibleDay) and other.years_ahead == self.years_ahead
