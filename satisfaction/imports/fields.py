"""The link from an imported row to the import that created it: the row end of the import's audit trail."""

from django.db import models
from django.utils.translation import gettext_lazy as _


def import_job_field():
    """The import job that created the row (who ran it, when, from which file, with what outcome); NULL for a row
    created any other way.

    Rows an import creates are written in bulk, past the model signals the audit log listens to, so this link is
    their audit entry: one entry for the job (`imports.audit`), and from each row to it. No database constraint and
    no index, on purpose: each would cost every imported row a check or an index insert (a per-row audit entry cost
    as much as the row itself), and the job end is read only to audit one import (admin: filter by the job)."""
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
