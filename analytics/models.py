"""Pre-aggregated analytics tables, rebuildable for any bucket at any time; report subscriptions and deliveries."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, validate_email
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# Customers without contacts have no segment priority; their bucket is stored as 0 so the bucket key has no NULL.
NO_SEGMENT = 0
MAX_RECIPIENTS = 50


def parse_recipients(text: str) -> list[str]:
    """E-mail addresses from text separated by commas, semicolons or whitespace; blanks and repeats dropped."""
    seen: dict[str, None] = {}
    for part in re.split(r"[\s,;]+", text or ""):
        if part and part.lower() not in {s.lower() for s in seen}:
            seen[part] = None
    return list(seen)


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


class DailySubMetricStat(models.Model):
    """Sub-metric sums of one snapshot bucket (local day, service type, segment, self-rated): how many records
    carry each sub-metric and their sum, so the drivers' means and n never read the records table."""

    date = models.DateField(_("date"))
    service_type = models.ForeignKey(
        "satisfaction.ServiceType", on_delete=models.CASCADE, related_name="+", verbose_name=_("service type")
    )
    segment_priority = models.PositiveSmallIntegerField(_("segment priority"))
    self_rated = models.BooleanField(_("self-rated"), default=False)
    records = models.PositiveIntegerField(_("records"))
    response_n = models.PositiveIntegerField(_("records with a response time"))
    response_sum = models.FloatField(_("sum of response times (hours)"))
    accuracy_n = models.PositiveIntegerField(_("records with an accuracy score"))
    accuracy_sum = models.PositiveIntegerField(_("sum of accuracy scores"))
    completeness_n = models.PositiveIntegerField(_("records with a completeness score"))
    completeness_sum = models.PositiveIntegerField(_("sum of completeness scores"))
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    class Meta:
        ordering = ["date", "service_type_id", "segment_priority", "self_rated"]
        verbose_name = _("daily sub-metric statistic")
        verbose_name_plural = _("daily sub-metric statistics")
        constraints = [
            models.UniqueConstraint(
                fields=["date", "service_type", "segment_priority", "self_rated"], name="daily_submetric_bucket_unique"
            ),
        ]

    def __str__(self):
        return f"{self.date} · {self.service_type_id} · P{self.segment_priority} · {self.records}"


class SubMetricSample(models.Model):
    """One record of the fixed 1-in-16 sample the drivers' Spearman correlations are estimated from on large
    scopes: the record's bucket, its score and sub-metrics (a copy, kept with the record by every recompute)."""

    record = models.OneToOneField(
        "satisfaction.SatisfactionRecord",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        verbose_name=_("record"),
    )
    date = models.DateField(_("date"))
    service_type = models.ForeignKey(
        "satisfaction.ServiceType", on_delete=models.CASCADE, related_name="+", verbose_name=_("service type")
    )
    segment_priority = models.PositiveSmallIntegerField(_("segment priority"))
    self_rated = models.BooleanField(_("self-rated"), default=False)
    score = models.FloatField(_("score"))
    response_time_hours = models.FloatField(_("response time (hours)"), null=True)
    accuracy_score = models.PositiveSmallIntegerField(_("accuracy"), null=True)
    completeness_score = models.PositiveSmallIntegerField(_("completeness"), null=True)

    class Meta:
        ordering = ["record_id"]
        verbose_name = _("sub-metric sample record")
        verbose_name_plural = _("sub-metric sample records")
        indexes = [models.Index(fields=["date"], name="submetric_sample_date_idx")]

    def __str__(self):
        return f"{self.record_id} · {self.date}"


class _HelpdeskBucket(models.Model):
    """A (local day, service type, segment priority) bucket of tickets or complaints: the segment comparison's
    key, so any day range, service-type filter and segment read these rows instead of the raw cases."""

    date = models.DateField(_("date"))
    # No index of its own: the unique key starts with the date, and a service-type index would lure SQLite's
    # planner away from the covering indexes the comparison's scans use.
    service_type = models.ForeignKey(
        "satisfaction.ServiceType",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        verbose_name=_("service type"),
    )
    segment_priority = models.PositiveSmallIntegerField(
        _("segment priority"), help_text=_("Lowest contact priority of the customer; 0 = no contacts.")
    )
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.date} · {self.service_type_id} · P{self.segment_priority}"


class DailyTicketStat(_HelpdeskBucket):
    """External tickets opened on one local day, per service type and segment: counts and sums of the report's
    ticket metrics, and the counts per urgency, ticket priority and satisfaction score."""

    count = models.PositiveIntegerField(_("tickets"))
    hours_n = models.PositiveIntegerField(_("tickets with handling hours"))
    hours_sum = models.FloatField(_("sum of handling hours"))
    rated = models.PositiveIntegerField(_("rated tickets"))
    sat_sum = models.PositiveIntegerField(_("sum of satisfaction scores"))
    sat_sq_sum = models.PositiveIntegerField(_("sum of squared satisfaction scores"))
    follow_ups = models.PositiveIntegerField(_("follow-ups"))
    follow_up_known = models.PositiveIntegerField(_("tickets with a known follow-up"))
    urgency_high = models.PositiveIntegerField(_("high urgency"))
    urgency_medium = models.PositiveIntegerField(_("medium urgency"))
    urgency_low = models.PositiveIntegerField(_("low urgency"))
    priority_high = models.PositiveIntegerField(_("high priority"))
    priority_medium = models.PositiveIntegerField(_("medium priority"))
    priority_low = models.PositiveIntegerField(_("low priority"))
    sat_1 = models.PositiveIntegerField(_("rated 1"))
    sat_2 = models.PositiveIntegerField(_("rated 2"))
    sat_3 = models.PositiveIntegerField(_("rated 3"))
    sat_4 = models.PositiveIntegerField(_("rated 4"))
    sat_5 = models.PositiveIntegerField(_("rated 5"))

    class Meta:
        ordering = ["date", "service_type_id", "segment_priority"]
        verbose_name = _("daily ticket statistic")
        verbose_name_plural = _("daily ticket statistics")
        constraints = [
            models.UniqueConstraint(fields=["date", "service_type", "segment_priority"], name="daily_ticket_unique")
        ]


class DailyComplaintStat(_HelpdeskBucket):
    """Complaints filed on one local day, per service type and segment: counts and sums of the report's
    complaint metrics, and the counts per handling speed and satisfaction score."""

    count = models.PositiveIntegerField(_("complaints"))
    rated = models.PositiveIntegerField(_("rated complaints"))
    sat_sum = models.PositiveIntegerField(_("sum of satisfaction scores"))
    sat_sq_sum = models.PositiveIntegerField(_("sum of squared satisfaction scores"))
    escalations = models.PositiveIntegerField(_("escalations"))
    escalation_known = models.PositiveIntegerField(_("complaints with a known escalation"))
    speed_fast = models.PositiveIntegerField(_("handled fast"))
    speed_normal = models.PositiveIntegerField(_("handled normally"))
    speed_slow = models.PositiveIntegerField(_("handled slowly"))
    sat_1 = models.PositiveIntegerField(_("rated 1"))
    sat_2 = models.PositiveIntegerField(_("rated 2"))
    sat_3 = models.PositiveIntegerField(_("rated 3"))
    sat_4 = models.PositiveIntegerField(_("rated 4"))
    sat_5 = models.PositiveIntegerField(_("rated 5"))

    class Meta:
        ordering = ["date", "service_type_id", "segment_priority"]
        verbose_name = _("daily complaint statistic")
        verbose_name_plural = _("daily complaint statistics")
        constraints = [
            models.UniqueConstraint(fields=["date", "service_type", "segment_priority"], name="daily_complaint_unique")
        ]


class DailyComplaintHours(_HelpdeskBucket):
    """How many complaints of a bucket took exactly `hours` to be answered (measure 0) or resolved (measure 1):
    exact medians and percentiles of any scope from a few thousand rows (the times repeat), never the raw table."""

    RESPONSE, RESOLUTION = 0, 1

    measure = models.PositiveSmallIntegerField(_("measure"), choices=[(0, _("response")), (1, _("resolution"))])
    hours = models.FloatField(_("hours"))
    n = models.PositiveIntegerField(_("complaints"))

    class Meta:
        ordering = ["date", "service_type_id", "segment_priority", "measure", "hours"]
        verbose_name = _("daily complaint hours")
        verbose_name_plural = _("daily complaint hours")
        constraints = [
            models.UniqueConstraint(
                fields=["date", "service_type", "segment_priority", "measure", "hours"], name="daily_hours_unique"
            )
        ]
        # Covering: the percentiles' grouped read scans this index in its order, never the table.
        indexes = [
            models.Index(
                fields=["measure", "segment_priority", "hours", "n", "date", "service_type"],
                name="daily_hours_covering_idx",
            )
        ]


class DailyCustomerCases(_HelpdeskBucket):
    """A customer's tickets and complaints of one local day and service type: the distinct customers with cases
    in any scope (a count of distinct customers cannot be summed from bucket totals)."""

    customer = models.ForeignKey(
        "satisfaction.Customer", on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("customer")
    )
    tickets = models.PositiveIntegerField(_("tickets"))
    complaints = models.PositiveIntegerField(_("complaints"))

    class Meta:
        ordering = ["date", "service_type_id", "customer_id"]
        verbose_name = _("daily customer cases")
        verbose_name_plural = _("daily customer cases")
        constraints = [
            models.UniqueConstraint(fields=["date", "service_type", "customer"], name="daily_customer_cases_unique")
        ]
        indexes = [
            # Covering: distinct customers per group come from one ordered scan of this index.
            models.Index(
                fields=["segment_priority", "customer", "tickets", "complaints", "date", "service_type"],
                name="daily_customer_cases_cover_idx",
            ),
            models.Index(fields=["customer"], name="daily_customer_cases_cust_idx"),  # a customer deleted
        ]


class _TextBucket(models.Model):
    """The bucket key the text pre-aggregates share with `DailySatisfactionStat`."""

    date = models.DateField(_("date"))
    service_type = models.ForeignKey(
        "satisfaction.ServiceType", on_delete=models.CASCADE, related_name="+", verbose_name=_("service type")
    )
    segment_priority = models.PositiveSmallIntegerField(
        _("segment priority"), help_text=_("Lowest contact priority of the customer; 0 = no contacts.")
    )
    self_rated = models.BooleanField(_("self-rated"), default=False)
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    class Meta:
        abstract = True


class DailyTextStat(_TextBucket):
    """How many records of one bucket have an analysed text (the denominator of every topic share)."""

    texts = models.PositiveIntegerField(_("analysed texts"))

    class Meta:
        ordering = ["date", "service_type_id", "segment_priority", "self_rated"]
        verbose_name = _("daily text statistic")
        verbose_name_plural = _("daily text statistics")
        constraints = [
            models.UniqueConstraint(
                fields=["date", "service_type", "segment_priority", "self_rated"], name="daily_text_bucket_unique"
            )
        ]

    def __str__(self):
        return f"{self.date} · {self.service_type_id} · P{self.segment_priority} · {self.texts}"


class DailyTopicStat(_TextBucket):
    """Records of one bucket whose text mentions one topic: count, negative ones, score sum and sum of squares.

    With the bucket's totals (`DailySatisfactionStat`, `DailyTextStat`) they give every figure of a topic row —
    share, negative share, mean score with and without the topic, the Welch test — for any date range.
    """

    topic = models.ForeignKey("satisfaction.Topic", on_delete=models.CASCADE, related_name="+", verbose_name=_("topic"))
    count = models.PositiveIntegerField(_("count"))
    negative = models.PositiveIntegerField(_("negative"))
    score_sum = models.DecimalField(_("score sum"), max_digits=12, decimal_places=1)
    score_sq_sum = models.DecimalField(_("sum of squared scores"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["date", "service_type_id", "segment_priority", "self_rated", "topic_id"]
        verbose_name = _("daily topic statistic")
        verbose_name_plural = _("daily topic statistics")
        constraints = [
            models.UniqueConstraint(
                fields=["date", "service_type", "segment_priority", "self_rated", "topic"],
                name="daily_topic_bucket_unique",
            ),
            models.CheckConstraint(condition=Q(negative__lte=models.F("count")), name="daily_topic_negative_le_count"),
        ]
        # The topics widget sums a date range per topic: with the sums in the index the read never visits the
        # table (3× faster on SQLite at a million records; `include` would be PostgreSQL only).
        indexes = [
            models.Index(
                fields=[
                    "date", "self_rated", "service_type", "segment_priority", "topic",
                    "count", "negative", "score_sum", "score_sq_sum",
                ],
                name="daily_topic_sums_covering",
            )
        ]  # fmt: skip

    def __str__(self):
        return f"{self.date} · {self.service_type_id} · P{self.segment_priority} · {self.topic_id} · {self.count}"


class ReportSubscription(models.Model):
    """A report e-mailed as a PDF every week or month to a list of addresses, for one scope and language.

    Owned by analytics (not the domain) because what it sends is built from analytics' reports; it only
    reads the domain (the service type it is scoped to).
    """

    class Kind(models.TextChoices):
        SERVICE_QUALITY = "service_quality", _("Service-quality report")
        REVIEW = "review", _("Satisfaction review")

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("Weekly (the last full Monday–Sunday week)")
        MONTHLY = "monthly", _("Monthly (the last full calendar month)")

    class Language(models.TextChoices):
        EN = "en", "English"
        ZH = "zh-hans", "简体中文"

    kind = models.CharField(_("report"), max_length=20, choices=Kind.choices, default=Kind.SERVICE_QUALITY)
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY)
    language = models.CharField(_("language"), max_length=10, choices=Language.choices, default=Language.EN)
    service_type = models.ForeignKey(
        "satisfaction.ServiceType",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service type"),
        help_text=_("Empty: every service type."),
    )
    segment_priority = models.PositiveSmallIntegerField(
        _("segment"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("Contact priority 1–5: the segment the service-quality report compares with the rest."),
    )
    recipients = models.TextField(_("recipients"), help_text=_("E-mail addresses, one per line or comma-separated."))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_subscriptions", verbose_name=_("owner")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("report subscription")
        verbose_name_plural = _("report subscriptions")
        constraints = [
            models.CheckConstraint(
                condition=Q(segment_priority__gte=1, segment_priority__lte=5), name="report_subscription_segment_1_5"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.get_frequency_display()} · {self.language}"

    @property
    def recipient_list(self) -> list[str]:
        """The recipients as a list, in the order given, without blanks or repeats."""
        return parse_recipients(self.recipients)

    def clean(self):
        addresses = self.recipient_list
        if not addresses:
            raise ValidationError({"recipients": _("Give at least one e-mail address.")})
        if len(addresses) > MAX_RECIPIENTS:
            raise ValidationError(
                {"recipients": _("At most %(max)d recipients per subscription.") % {"max": MAX_RECIPIENTS}}
            )
        for address in addresses:
            try:
                validate_email(address)
            except ValidationError:
                raise ValidationError(
                    {"recipients": _("“%(address)s” is not an e-mail address.") % {"address": address}}
                ) from None
        self.recipients = "\n".join(addresses)


class ReportDelivery(models.Model):
    """One period's report sent for a subscription: the unique pair makes two runs of the schedule send once."""

    subscription = models.ForeignKey(
        ReportSubscription, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("subscription")
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    recipients = models.TextField(_("recipients"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        ordering = ["-period_start", "pk"]
        verbose_name = _("report delivery")
        verbose_name_plural = _("report deliveries")
        constraints = [
            models.UniqueConstraint(fields=["subscription", "period_start"], name="report_delivery_once_per_period"),
        ]

    def __str__(self):
        return f"{self.subscription_id} · {self.period_start} – {self.period_end}"
