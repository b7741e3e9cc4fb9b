"""Pre-aggregated analytics tables, rebuildable for any bucket at any time."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# Customers without contacts have no segment priority; their bucket is stored as 0 so the bucket key has no NULL.
NO_SEGMENT = 0


class DailySatisfactionStat(models.Model):
    """Satisfaction records of one local day, service type, segment priority and self-rated flag, summed up.

    Count, score sum and sum of squares give the mean and variance (so Welch tests) for any date range;
    the three threshold counts give every rate without touching raw rows.
    """

    date = models.DateField(_("date"))
    service_type = models.ForeignKey(
        "satisfaction.ServiceType", on_delete=models.CASCADE, related_name="+", verbose_name=_("service type")
    )
    segment_priority = models.PositiveSmallIntegerField(
        _("segment priority"), help_text=_("Lowest contact priority of the customer; 0 = no contacts.")
    )
    self_rated = models.BooleanField(_("self-rated"), default=False)
    count = models.PositiveIntegerField(_("count"))
    score_sum = models.DecimalField(_("score sum"), max_digits=12, decimal_places=1)
    score_sq_sum = models.DecimalField(_("sum of squared scores"), max_digits=14, decimal_places=2)
    satisfied = models.PositiveIntegerField(_("satisfied"))
    high_satisfied = models.PositiveIntegerField(_("highly satisfied"))
    dissatisfied = models.PositiveIntegerField(_("dissatisfied"))
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    class Meta:
        ordering = ["date", "service_type_id", "segment_priority", "self_rated"]
        verbose_name = _("daily satisfaction statistic")
        verbose_name_plural = _("daily satisfaction statistics")
        constraints = [
            models.UniqueConstraint(
                fields=["date", "service_type", "segment_priority", "self_rated"], name="daily_stat_bucket_unique"
            ),
            models.CheckConstraint(
                condition=Q(satisfied__lte=models.F("count"))
                & Q(high_satisfied__lte=models.F("satisfied"))
                & Q(dissatisfied__lte=models.F("count")),
                name="daily_stat_counts_consistent",
            ),
        ]
        indexes = [models.Index(fields=["service_type", "date"], name="daily_stat_service_date_idx")]

    def __str__(self):
        return f"{self.date} · {self.service_type_id} · P{self.segment_priority} · {self.count}"
