"""Customer surveys: per-service survey settings, campaigns, invitations with signed links, and unsubscribes."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from satisfaction.crm.models import Contact, Customer, ServiceType
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.helpdesk.models import Complaint, ServiceTicket


class SurveySettings(models.Model):
    """Who gets asked after a service of one type, and when (the manager's to set)."""

    service_type = models.OneToOneField(
        ServiceType, on_delete=models.CASCADE, related_name="survey_settings", verbose_name=_("service type")
    )
    enabled = models.BooleanField(_("send surveys"), default=True)
    sample_every = models.PositiveSmallIntegerField(
        _("ask 1 in N"), default=1, validators=[MinValueValidator(1)], help_text=_("1 asks after every closed case.")
    )
    delay_hours = models.PositiveSmallIntegerField(_("delay after closing (hours)"), default=0)
    cooldown_days = models.PositiveSmallIntegerField(
        _("cool-down (days)"), default=30, help_text=_("Never more than one invitation to a contact in this window.")
    )
    reminder_after_days = models.PositiveSmallIntegerField(
        _("reminder after (days)"), default=3, help_text=_("0 sends no reminder.")
    )
    valid_days = models.PositiveSmallIntegerField(
        _("link valid for (days)"), default=14, validators=[MinValueValidator(1)]
    )
    exclude_internal = models.BooleanField(_("skip internal tickets"), default=True)
    excluded_customers = models.ManyToManyField(
        Customer, blank=True, related_name="+", verbose_name=_("excluded customers")
    )
    excluded_contacts = models.ManyToManyField(
        Contact, blank=True, related_name="+", verbose_name=_("excluded contacts")
    )
    # Counts closed cases seen, so "1 in N" is exact and reproducible rather than random.
    cases_seen = models.PositiveIntegerField(_("closed cases seen"), default=0, editable=False)

    class Meta:
        verbose_name = _("survey settings")
        verbose_name_plural = _("survey settings")
        constraints = [models.CheckConstraint(condition=Q(sample_every__gte=1), name="survey_sample_every_gte_1")]

    def __str__(self):
        return str(self.service_type)


class SurveyCampaign(models.Model):
    """A periodic survey a manager schedules, e.g. quarterly to every customer's priority-1 contacts."""

    name = models.CharField(_("name"), max_length=200)
    service_type = models.ForeignKey(
        ServiceType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="survey_campaigns",
        verbose_name=_("service type"),
        help_text=_("Empty: each customer's most recent contract decides."),
    )
    contact_priority = models.PositiveSmallIntegerField(
        _("contacts of priority"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("Contacts of this priority or more important are asked."),
    )
    next_run_at = models.DateTimeField(_("next run"), default=timezone.now)
    repeat_every_days = models.PositiveSmallIntegerField(
        _("repeat every (days)"), null=True, blank=True, help_text=_("Empty runs once; 91 is quarterly.")
    )
    ask_nps = models.BooleanField(_("ask NPS (0–10)"), default=False)
    ask_ces = models.BooleanField(_("ask CES (1–7)"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["next_run_at"]
        verbose_name = _("survey campaign")
        verbose_name_plural = _("survey campaigns")
        constraints = [
            models.CheckConstraint(
                condition=Q(contact_priority__gte=1, contact_priority__lte=5), name="campaign_priority_1_5"
            ),
            models.CheckConstraint(
                condition=Q(repeat_every_days__isnull=True) | Q(repeat_every_days__gte=1), name="campaign_repeat_gte_1"
            ),
        ]

    def __str__(self):
        return self.name


class SurveyInvitation(models.Model):
    """A contact asked for feedback about a ticket, complaint or campaign; answered once through a signed link."""

    class Source(models.TextChoices):
        TICKET = "ticket", _("Ticket closed")
        COMPLAINT = "complaint", _("Complaint resolved")
        CAMPAIGN = "campaign", _("Campaign")
        RECOVERY = "recovery", _("Recovery follow-up")

    nonce = models.CharField(_("token id"), max_length=32, unique=True, editable=False)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="survey_invitations", verbose_name=_("contact")
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="survey_invitations", verbose_name=_("customer")
    )
    service_type = models.ForeignKey(
        ServiceType, on_delete=models.PROTECT, related_name="survey_invitations", verbose_name=_("service type")
    )
    ticket = models.ForeignKey(
        ServiceTicket,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_invitations",
        verbose_name=_("ticket"),
    )
    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_invitations",
        verbose_name=_("complaint"),
    )
    campaign = models.ForeignKey(
        SurveyCampaign,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name=_("campaign"),
    )
    ask_nps = models.BooleanField(_("asks NPS"), default=False)
    ask_ces = models.BooleanField(_("asks CES"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    send_after = models.DateTimeField(_("send after"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_sent_at = models.DateTimeField(_("last sent at"), null=True, blank=True)
    send_count = models.PositiveSmallIntegerField(_("times sent"), default=0)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    record = models.OneToOneField(
        SatisfactionRecord,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_invitation",
        verbose_name=_("satisfaction record"),
    )
    # Answers that have no column on the satisfaction record.
    response_time_score = models.PositiveSmallIntegerField(
        _("response time rating"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    nps_score = models.PositiveSmallIntegerField(
        _("likelihood to recommend (0–10)"), null=True, blank=True, validators=[MaxValueValidator(10)]
    )
    ces_score = models.PositiveSmallIntegerField(
        _("effort (1–7)"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    # A recovery follow-up's answer: how the customer rates the handling now. It is not a satisfaction record
    # (the experience was rated already; counting it again would double it in every KPI).
    recovery_score = models.PositiveSmallIntegerField(
        _("score after recovery"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        constraints = [
            # One invitation per closed case and contact: closing twice or re-importing never asks twice.
            models.UniqueConstraint(
                fields=["ticket", "contact"], condition=Q(ticket__isnull=False), name="survey_one_per_ticket_contact"
            ),
            models.UniqueConstraint(
                fields=["complaint", "contact"],
                condition=Q(complaint__isnull=False),
                name="survey_one_per_complaint_contact",
            ),
            models.CheckConstraint(condition=Q(nps_score__isnull=True) | Q(nps_score__lte=10), name="survey_nps_0_10"),
            models.CheckConstraint(
                condition=Q(ces_score__isnull=True) | Q(ces_score__gte=1, ces_score__lte=7), name="survey_ces_1_7"
            ),
            models.CheckConstraint(
                condition=Q(response_time_score__isnull=True)
                | Q(response_time_score__gte=1, response_time_score__lte=5),
                name="survey_response_time_1_5",
            ),
        ]
        indexes = [
            models.Index(fields=["contact", "created_at"], name="survey_contact_created_idx"),
            models.Index(fields=["customer", "created_at"], name="survey_customer_created_idx"),
            models.Index(fields=["sent_at"], name="survey_sent_idx"),
            # The send sweep looks for invitations not yet sent; keep that index small.
            models.Index(fields=["send_after"], name="survey_unsent_idx", condition=Q(sent_at__isnull=True)),
        ]

    def __str__(self):
        return f"{self.contact} · {self.get_source_display()} · {self.created_at:%Y-%m-%d}"

    @property
    def external_id(self) -> str:
        """The satisfaction record's external id: a double submit or replayed link finds the same record."""
        return f"survey-{self.nonce}"

    @property
    def status(self) -> str:
        if self.answered_at:
            return "answered"
        if self.expires_at and self.expires_at <= timezone.now():
            return "expired"
        if self.opened_at:
            return "opened"
        if self.sent_at:
            return "sent"
        return "pending"


class SurveyOptOut(models.Model):
    """A contact who unsubscribed from surveys; honoured by every way an invitation is created or sent."""

    contact = models.OneToOneField(
        Contact, on_delete=models.CASCADE, related_name="survey_opt_out", verbose_name=_("contact")
    )
    created_at = models.DateTimeField(_("unsubscribed at"), default=timezone.now)
    via = models.ForeignKey(
        SurveyInvitation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from invitation"),
    )

    class Meta:
        verbose_name = _("survey unsubscribe")
        verbose_name_plural = _("survey unsubscribes")

    def __str__(self):
        return str(self.contact)
