"""Alerts raised on bad experiences, and the watch list of at-risk customers."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from .customers import Customer, ServiceType
from .feedback import SatisfactionRecord
from .service import Complaint


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
