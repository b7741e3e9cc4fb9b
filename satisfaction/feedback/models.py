"""Satisfaction records and the targets they are measured against."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.db import PlausibleEventTime, external_id_field, import_job_field, unique_external_id
from satisfaction.crm.models import Customer, ServiceType
from satisfaction.helpdesk.models import Complaint, ServiceTicket

# Metric thresholds (DESIGN §3): one meaning everywhere.
SATISFIED_MIN = Decimal("4.0")
HIGH_SATISFIED_MIN = Decimal("4.5")
DISSATISFIED_BELOW = Decimal("3.0")


class SatisfactionRecord(models.Model):
    """One piece of customer feedback: a 1.0–5.0 score for a service, with optional sub-metrics."""

    class Channel(models.TextChoices):
        FORM = "form", _("Form")
        API = "api", _("API")
        IMPORT = "import", _("Import")
        SURVEY = "survey", _("Survey")

    external_id = external_id_field()
    import_job = import_job_field()
    # Foreign keys without their own index where a composite or partial index in Meta covers the lookups:
    # every index is maintained on each insert, and imports write hundreds of thousands of rows.
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="satisfaction_records",
        verbose_name=_("customer"),
        db_index=False,
    )
    service_type = models.ForeignKey(
        ServiceType,
        on_delete=models.PROTECT,
        related_name="satisfaction_records",
        verbose_name=_("service type"),
        db_index=False,
    )
    score = models.DecimalField(
        _("score"),
        max_digits=2,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("1.0")), MaxValueValidator(Decimal("5.0"))],
    )
    feedback = models.TextField(_("feedback"), blank=True)
    response_time_hours = models.FloatField(
        _("response time (hours)"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    accuracy_score = models.PositiveSmallIntegerField(
        _("accuracy"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    completeness_score = models.PositiveSmallIntegerField(
        _("completeness"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.FORM)
    ticket = models.ForeignKey(
        ServiceTicket,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="satisfaction_records",
        verbose_name=_("ticket"),
        db_index=False,
    )
    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="satisfaction_records",
        verbose_name=_("complaint"),
        db_index=False,
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recorded_satisfaction",
        verbose_name=_("recorded by"),
        db_index=False,
    )
    self_rated = models.BooleanField(
        _("self-rated"), default=False, help_text=_("Entered by the person who handled the linked ticket/complaint.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, validators=[PlausibleEventTime()])
    alerts_evaluated_at = models.DateTimeField(_("alerts evaluated at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("satisfaction record")
        verbose_name_plural = _("satisfaction records")
        constraints = [
            unique_external_id("satisfactionrecord"),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="record_score_1_5"),
            models.CheckConstraint(
                condition=Q(accuracy_score__isnull=True) | Q(accuracy_score__gte=1, accuracy_score__lte=5),
                name="record_accuracy_1_5",
            ),
            models.CheckConstraint(
                condition=Q(completeness_score__isnull=True) | Q(completeness_score__gte=1, completeness_score__lte=5),
                name="record_completeness_1_5",
            ),
            models.CheckConstraint(
                condition=Q(response_time_hours__isnull=True) | Q(response_time_hours__gte=0),
                name="record_response_time_gte_0",
            ),
        ]
        indexes = [
            models.Index(fields=["created_at"], name="record_created_idx"),
            models.Index(fields=["service_type", "created_at"], name="record_service_created_idx"),
            models.Index(fields=["customer", "created_at"], name="record_customer_created_idx"),
            # The alert sweep looks for records never evaluated, in arrival order. Partial, so it stays small, and on
            # the id, so new rows append to it instead of landing all over a date index.
            models.Index(fields=["id"], name="record_unevaluated_idx", condition=Q(alerts_evaluated_at__isnull=True)),
            # Most records link no ticket or complaint and imported ones have no recorder: index only the links.
            models.Index(fields=["ticket"], name="record_ticket_idx", condition=Q(ticket__isnull=False)),
            models.Index(fields=["complaint"], name="record_complaint_idx", condition=Q(complaint__isnull=False)),
            models.Index(fields=["recorded_by"], name="record_recorded_by_idx", condition=Q(recorded_by__isnull=False)),
        ]

    def __str__(self):
        return f"{self.customer} · {self.service_type} · {self.score}"

    @property
    def is_satisfied(self) -> bool:
        return self.score >= SATISFIED_MIN


class SatisfactionTarget(models.Model):
    """A goal for a metric, overall or for one service type (default: satisfaction rate ≥ 95%)."""

    class Metric(models.TextChoices):
        SATISFACTION_RATE = "satisfaction_rate", _("Satisfaction rate")
        HIGH_SATISFACTION_RATE = "high_satisfaction_rate", _("High satisfaction rate")
        AVG_SCORE = "avg_score", _("Average score")

    class Period(models.TextChoices):
        MONTH = "month", _("Month")
        QUARTER = "quarter", _("Quarter")
        YEAR = "year", _("Year")

    name = models.CharField(_("name"), max_length=200, blank=True)
    metric = models.CharField(_("metric"), max_length=30, choices=Metric.choices, default=Metric.SATISFACTION_RATE)
    target_value = models.FloatField(_("target value"), help_text=_("A fraction 0–1 for rates, 1–5 for scores."))
    service_type = models.ForeignKey(
        ServiceType,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="targets",
        verbose_name=_("service type"),
        help_text=_("Empty means the overall target."),
    )
    period = models.CharField(_("period"), max_length=10, choices=Period.choices, default=Period.MONTH)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["metric", "service_type__sort_order"]
        verbose_name = _("satisfaction target")
        verbose_name_plural = _("satisfaction targets")
        constraints = [
            models.CheckConstraint(condition=Q(target_value__gte=0, target_value__lte=5), name="target_value_0_5"),
            models.CheckConstraint(
                condition=~Q(metric__in=["satisfaction_rate", "high_satisfaction_rate"]) | Q(target_value__lte=1),
                name="target_rate_lte_1",
            ),
        ]

    def __str__(self):
        scope = self.service_type or _("overall")
        return f"{self.get_metric_display()} ≥ {self.target_value} ({scope})"
