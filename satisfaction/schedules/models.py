"""One row per run of a periodic job at one due time: the lock that keeps two processes from running it twice."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobRun(models.Model):
    """A periodic job (a beat-schedule entry) claimed for one due time, and how its run ended."""

    job = models.CharField(_("job"), max_length=100)
    due_at = models.DateTimeField(_("due at"))
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    ok = models.BooleanField(_("succeeded"), null=True, blank=True)
    result = models.TextField(_("result"), blank=True)
    error = models.TextField(_("error"), blank=True)
    host = models.CharField(_("process"), max_length=200, blank=True)

    class Meta:
        ordering = ["-due_at", "job"]
        verbose_name = _("periodic job run")
        verbose_name_plural = _("periodic job runs")
        constraints = [
            # Claiming a due time is inserting this row: the second process to try gets an IntegrityError.
            models.UniqueConstraint(fields=["job", "due_at"], name="jobrun_one_per_due_time"),
        ]
        indexes = [models.Index(fields=["job", "-due_at"], name="jobrun_job_latest")]

    def __str__(self) -> str:
        return f"{self.job} @ {self.due_at:%Y-%m-%d %H:%M}"
