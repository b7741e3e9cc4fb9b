"""Recovery cases: one per dissatisfied response, followed up by an owner until it is closed with an outcome."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from satisfaction.crm.models import Customer
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.surveys.models import SurveyInvitation
from satisfaction.text.models import Topic


class RecoveryCase(models.Model):
    """The call-back owed to a customer who gave a score below 3: open → contacted → closed with an outcome."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CONTACTED = "contacted", _("Contacted")
        CLOSED = "closed", _("Closed")

    class Outcome(models.TextChoices):
        RECOVERED = "recovered", _("Recovered")
        NOT_RECOVERED = "not_recovered", _("Not recovered")
        UNREACHABLE = "unreachable", _("Unreachable")

    record = models.OneToOneField(
        SatisfactionRecord, on_delete=models.CASCADE, related_name="recovery_case", verbose_name=_("response")
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="recovery_cases", verbose_name=_("customer")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recovery_cases",
        verbose_name=_("owner"),
        help_text=_("Empty: the case waits in the managers' queue."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    due_at = models.DateTimeField(_("due at"))
    first_contact_at = models.DateTimeField(_("first contact at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    outcome = models.CharField(_("outcome"), max_length=15, choices=Outcome.choices, blank=True)
    root_cause_topic = models.ForeignKey(
        Topic,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recovery_cases",
        verbose_name=_("root-cause topic"),
        help_text=_("The theme behind the bad experience, from the topic list (the same list the text analysis uses)."),
    )
    root_cause = models.CharField(_("root cause"), max_length=100, blank=True)
    resurvey = models.OneToOneField(
        SurveyInvitation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recovery_case",
        verbose_name=_("re-survey"),
        help_text=_("The one-question survey sent on closing as recovered; its answer is the recovery score."),
    )
    closing_note = models.TextField(_("closing note"), blank=True)
    # Idempotence of the reminders: each is sent once per case.
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True, editable=False)
    overdue_notified_at = models.DateTimeField(_("overdue notice sent at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["due_at"]
        verbose_name = _("recovery case")
        verbose_name_plural = _("recovery cases")
        constraints = [
            models.CheckConstraint(
                condition=(Q(status="closed") & ~Q(outcome="") & Q(closed_at__isnull=False))
                | (~Q(status="closed") & Q(outcome="") & Q(closed_at__isnull=True)),
                name="recovery_outcome_iff_closed",
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(first_contact_at__isnull=False) | Q(outcome="unreachable"),
                name="recovery_contacted_has_contact",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="recovery_status_due_idx"),
            models.Index(fields=["customer", "opened_at"], name="recovery_customer_idx"),
        ]

    def __str__(self):
        return f"{self.customer} · {self.record.score} · {self.get_status_display()}"

    @property
    def recovery_score(self) -> int | None:
        """The customer's 1–5 rating of the handling after the call-back, once they answered the re-survey."""
        return self.resurvey.recovery_score if self.resurvey_id else None

    @property
    def is_overdue(self) -> bool:
        """Not closed and past due: nobody has closed the loop in time."""
        return self.status != self.Status.CLOSED and self.due_at < timezone.now()


class ContactAttempt(models.Model):
    """One try to reach the customer about a recovery case: when, how, and what came of it."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("E-mail")
        MEETING = "meeting", _("Meeting")
        MESSAGE = "message", _("Message")

    case = models.ForeignKey(RecoveryCase, on_delete=models.CASCADE, related_name="attempts", verbose_name=_("case"))
    at = models.DateTimeField(_("when"), default=timezone.now)
    channel = models.CharField(_("how"), max_length=10, choices=Channel.choices)
    reached = models.BooleanField(_("reached the customer"), default=True)
    note = models.TextField(_("note"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("contact attempt")
        verbose_name_plural = _("contact attempts")

    def __str__(self):
        return f"{self.case_id} · {self.get_channel_display()} · {self.at:%Y-%m-%d %H:%M}"
