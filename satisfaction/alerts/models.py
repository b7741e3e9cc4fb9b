"""Alerts raised on bad experiences, and the watch list of at-risk customers."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from satisfaction.alerts.evidence import evidence_rows
from satisfaction.alerts.reasons import risk_summary
from satisfaction.crm.models import Customer, ServiceType
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.helpdesk.models import Complaint


class SatisfactionAlert(models.Model):
    """A rule firing for a scope. A `dedupe_key` is unique among unresolved alerts, so a rule that fires
    again for the same scope updates the open alert instead of opening a second one."""

    class Kind(models.TextChoices):
        LOW_SCORE = "low_score", _("Low score")
        CUSTOMER_DECLINE = "customer_decline", _("Customer decline")
        SIGNIFICANT_DROP = "significant_drop", _("Significant drop")
        COMPLAINT_SLA = "complaint_sla", _("Complaint SLA breach")
        TARGET_AT_RISK = "target_at_risk", _("Target at risk")

    class Severity(models.TextChoices):
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")
        CRITICAL = "critical", _("Critical")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        RESOLVED = "resolved", _("Resolved")

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    status = models.CharField(_("status"), max_length=15, choices=Status.choices, default=Status.OPEN)
    dedupe_key = models.CharField(_("dedupe key"), max_length=200)
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, null=True, blank=True, related_name="alerts", verbose_name=_("customer")
    )
    service_type = models.ForeignKey(
        ServiceType,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("service type"),
    )
    record = models.ForeignKey(
        SatisfactionRecord,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("record"),
    )
    complaint = models.ForeignKey(
        Complaint, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts", verbose_name=_("complaint")
    )
    value = models.FloatField(_("value"), null=True, blank=True)
    threshold = models.FloatField(_("threshold"), null=True, blank=True)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    message_en = models.TextField(_("message (English)"), blank=True)
    message_zh = models.TextField(_("message (Chinese)"), blank=True)
    occurrences = models.PositiveIntegerField(_("occurrences"), default=1)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen at"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolution_note = models.TextField(_("resolution note"), blank=True)

    class Meta:
        ordering = ["-last_seen_at"]
        verbose_name = _("satisfaction alert")
        verbose_name_plural = _("satisfaction alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"], condition=~Q(status="resolved"), name="alert_unique_unresolved_dedupe_key"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-last_seen_at"], name="alert_status_seen_idx"),
            models.Index(fields=["customer", "status"], name="alert_customer_status_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.get_severity_display()} · {self.get_status_display()}"

    # How each kind's value and threshold read: a score, a mean score, a rate, or hours.
    RATE_KINDS = ("significant_drop", "target_at_risk")

    def _shown(self, number: float | None) -> str:
        if number is None:
            return "—"
        if self.kind in self.RATE_KINDS:
            return f"{number * 100:.1f}%"
        if self.kind == self.Kind.COMPLAINT_SLA:
            return _("%(hours)s h") % {"hours": f"{number:g}"}
        return f"{number:.2f}".rstrip("0").rstrip(".")

    @property
    def value_shown(self) -> str:
        """The value that fired, in the kind's unit."""
        return self._shown(self.value)

    @property
    def threshold_shown(self) -> str:
        """The threshold it was held against, in the kind's unit."""
        return self._shown(self.threshold)

    @property
    def evidence_rows(self) -> list[tuple[str, str]]:
        """The evidence under human labels, in the active language."""
        return evidence_rows(self.evidence)

    @property
    def evidence_record_ids(self) -> list[int]:
        """Ids of the records the evidence names (a customer decline names the scores it averaged)."""
        ids = self.evidence.get("record_ids") or []
        return [int(i) for i in ids if isinstance(i, int) or str(i).isdigit()]

    @property
    def message(self) -> str:
        """The message in the active language."""
        zh = (translation.get_language() or "").startswith("zh")
        return (self.message_zh if zh else self.message_en) or self.message_en


class WatchlistEntry(models.Model):
    """A customer under watch. Removing sets `removed_at`, so the history stays."""

    class Reason(models.TextChoices):
        MANUAL = "manual", _("Added by a manager")
        ALERT = "alert", _("Alert")
        RISK = "risk", _("Risk score")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="watchlist_entries", verbose_name=_("customer")
    )
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices, default=Reason.MANUAL)
    note = models.TextField(_("note"), blank=True)
    # Why a rule added the customer, as a code and its numbers ({"score", "threshold", "reasons": [{factor,
    # params}]}), so the reason is worded in the reader's language; entries from before it keep their `note`.
    details = models.JSONField(_("reason details"), default=dict, blank=True)
    alert = models.ForeignKey(
        SatisfactionAlert,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="watchlist_entries",
        verbose_name=_("alert"),
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
        help_text=_("Empty when a rule added the customer."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="watched_customers",
        verbose_name=_("owner"),
    )
    since = models.DateTimeField(_("since"), default=timezone.now)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("removed by"),
    )
    removal_note = models.TextField(_("removal note"), blank=True)

    class Meta:
        ordering = ["-since"]
        verbose_name = _("watch list entry")
        verbose_name_plural = _("watch list entries")
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=Q(removed_at__isnull=True), name="watchlist_one_active_per_customer"
            ),
        ]

    def __str__(self):
        return f"{self.customer} ({self.get_reason_display()})"

    @property
    def is_active(self) -> bool:
        return self.removed_at is None

    @property
    def reason_text(self) -> str:
        """Why the customer is watched, in the active language: the rule's details, else the stored note."""
        if self.details.get("reasons") is not None:
            return risk_summary(self.details)
        return self.note


class AlertSettings(models.Model):
    """Admin-editable thresholds of the alert rules and the watch list (one row; defaults when absent)."""

    low_score_below = models.DecimalField(
        _("low score below"),
        max_digits=2,
        decimal_places=1,
        default=Decimal("3.5"),
        help_text=_("low_score fires below this."),
    )
    critical_below = models.DecimalField(_("critical below"), max_digits=2, decimal_places=1, default=Decimal("2.0"))
    high_below = models.DecimalField(_("high below"), max_digits=2, decimal_places=1, default=Decimal("3.0"))
    decline_window = models.PositiveSmallIntegerField(_("decline window (records)"), default=5)
    decline_mean_below = models.FloatField(_("decline: mean below"), default=3.5)
    decline_drop = models.FloatField(_("decline: drop of at least"), default=0.5)
    decline_lookback_days = models.PositiveSmallIntegerField(_("decline: customers active within (days)"), default=90)
    # Two weeks against the half-year before: the backtested defaults (bench/drift.py, docs/alerts.md).
    drop_recent_days = models.PositiveSmallIntegerField(_("drop: recent window (days)"), default=14)
    drop_baseline_days = models.PositiveSmallIntegerField(_("drop: baseline window (days)"), default=182)
    drop_alpha = models.FloatField(
        _("drop: false-discovery rate"),
        default=0.05,
        help_text=_("A cell is flagged when its Benjamini–Hochberg q-value over all cells of the run is below this."),
    )
    response_sla_high_hours = models.FloatField(_("response SLA, high urgency (hours)"), default=4)
    response_sla_medium_hours = models.FloatField(_("response SLA, medium urgency (hours)"), default=8)
    response_sla_low_hours = models.FloatField(_("response SLA, low urgency (hours)"), default=24)
    resolution_sla_high_hours = models.FloatField(_("resolution SLA, high urgency (hours)"), default=24)
    resolution_sla_medium_hours = models.FloatField(_("resolution SLA, medium urgency (hours)"), default=72)
    resolution_sla_low_hours = models.FloatField(_("resolution SLA, low urgency (hours)"), default=120)
    sla_lookback_days = models.PositiveSmallIntegerField(_("SLA: complaints filed within (days)"), default=30)
    risk_threshold = models.FloatField(
        _("risk threshold"), default=50, help_text=_("A customer whose risk score reaches this joins the watch list.")
    )
    risk_lookback_days = models.PositiveSmallIntegerField(_("risk: look back (days)"), default=90)
    snooze_hours = models.PositiveSmallIntegerField(
        _("snooze after resolution (hours)"),
        default=24,
        help_text=_("A window rule does not reopen an alert resolved less than this long ago."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("alert settings")
        verbose_name_plural = _("alert settings")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="alertsettings_single_row"),
            models.CheckConstraint(condition=Q(drop_alpha__gt=0, drop_alpha__lt=1), name="alertsettings_alpha_0_1"),
        ]

    def __str__(self):
        return str(_("Alert settings"))

    def save(self, *args, **kwargs):
        self.pk = 1  # a single row: the admin edits it in place
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> "AlertSettings":
        """The saved settings, or the defaults when an admin never saved any."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)

    def response_sla_hours(self, urgency: str) -> float:
        return getattr(self, f"response_sla_{urgency}_hours", self.response_sla_medium_hours)

    def resolution_sla_hours(self, urgency: str) -> float:
        return getattr(self, f"resolution_sla_{urgency}_hours", self.resolution_sla_medium_hours)


class RiskFactor(models.TextChoices):
    LOW_SCORES = "low_scores", _("Repeated low scores")
    SCORE_TREND = "score_trend", _("Falling score trend")
    OPEN_COMPLAINTS = "open_complaints", _("Open complaints")
    ESCALATIONS = "escalations", _("Escalated complaints")
    SLA_BREACHES = "sla_breaches", _("Complaint SLA breaches")
    UNANSWERED_FOLLOW_UPS = "unanswered_follow_ups", _("Unanswered follow-ups")


class RiskWeight(models.Model):
    """Points a risk factor adds per unit (a low score, a complaint, a point of score drop), up to a cap of units."""

    factor = models.CharField(_("factor"), max_length=30, choices=RiskFactor.choices, unique=True)
    weight = models.FloatField(_("points per unit"))
    cap = models.FloatField(_("counted units at most"), help_text=_("Units beyond this add nothing."))
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["factor"]
        verbose_name = _("risk weight")
        verbose_name_plural = _("risk weights")
        constraints = [
            models.CheckConstraint(condition=Q(weight__gte=0), name="riskweight_weight_gte_0"),
            models.CheckConstraint(condition=Q(cap__gte=0), name="riskweight_cap_gte_0"),
        ]

    def __str__(self):
        return f"{self.get_factor_display()}: {self.weight} × ≤{self.cap}"


class CustomerRiskScore(models.Model):
    """A customer's current risk score 0–100 and the reasons that contributed to it."""

    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, related_name="risk_score", verbose_name=_("customer")
    )
    score = models.FloatField(_("risk score"), default=0)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    class Meta:
        ordering = ["-score"]
        verbose_name = _("customer risk score")
        verbose_name_plural = _("customer risk scores")
        constraints = [models.CheckConstraint(condition=Q(score__gte=0, score__lte=100), name="risk_score_0_100")]
        indexes = [models.Index(fields=["-score"], name="risk_score_idx")]

    def __str__(self):
        return f"{self.customer}: {self.score:.0f}"


class WebhookEndpoint(models.Model):
    """A URL that receives alert events as signed JSON (HMAC-SHA256 of the body with `secret`)."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=200)
    on_opened = models.BooleanField(_("alert opened"), default=True)
    on_escalated = models.BooleanField(_("alert escalated"), default=True)
    on_resolved = models.BooleanField(_("alert resolved"), default=True)
    min_severity = models.CharField(
        _("minimum severity"),
        max_length=10,
        choices=SatisfactionAlert.Severity.choices,
        default=SatisfactionAlert.Severity.MEDIUM,
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self):
        return self.name

    def wants(self, event: str) -> bool:
        return bool(getattr(self, f"on_{event}", False))


class WebhookDelivery(models.Model):
    """One alert event sent (or being sent) to one endpoint: the delivery log."""

    class Event(models.TextChoices):
        OPENED = "opened", _("Opened")
        ESCALATED = "escalated", _("Escalated")
        RESOLVED = "resolved", _("Resolved")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("endpoint")
    )
    alert = models.ForeignKey(
        SatisfactionAlert,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="webhook_deliveries",
        verbose_name=_("alert"),
    )
    event = models.CharField(_("event"), max_length=15, choices=Event.choices)
    payload = models.JSONField(_("payload"), default=dict)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    response_body = models.TextField(_("response body"), blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    # The task holding the delivery while it posts (its id survives a retry and a redelivery): one sender at a time.
    claimed_by = models.CharField(_("claimed by"), max_length=64, blank=True, editable=False)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_endpoint_idx"),
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due_idx"),
        ]

    def __str__(self):
        return f"{self.endpoint} · {self.get_event_display()} · {self.get_status_display()}"


class AlertEmail(models.Model):
    """One alert e-mail to one recipient (the outbox): written in the transaction that opened or escalated the
    alert, sent by a task, retried until sent; the sweep re-enqueues what is pending."""

    class Event(models.TextChoices):
        OPENED = "opened", _("Opened")
        ESCALATED = "escalated", _("Escalated")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Not sent (alert resolved first)")
        FAILED = "failed", _("Failed")

    alert = models.ForeignKey(
        SatisfactionAlert, on_delete=models.CASCADE, related_name="emails", verbose_name=_("alert")
    )
    event = models.CharField(_("event"), max_length=15, choices=Event.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recipient"),
    )
    to_email = models.EmailField(_("to"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("body"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # The task holding the message while it sends (its id survives a redelivery): one sender at a time.
    claimed_by = models.CharField(_("claimed by"), max_length=64, blank=True, editable=False)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("alert e-mail")
        verbose_name_plural = _("alert e-mails")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="alert_email_due_idx")]

    def __str__(self):
        return f"{self.to_email} · {self.get_event_display()} · {self.get_status_display()}"


class NotificationPreference(models.Model):
    """What a user wants to receive by email; every kind is on until the user turns it off."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        verbose_name=_("user"),
    )
    alert_emails = models.BooleanField(_("alert emails"), default=True, help_text=_("High and critical alerts."))
    weekly_digest = models.BooleanField(_("weekly digest"), default=True)
    monthly_review = models.BooleanField(_("monthly review"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return str(self.user)
