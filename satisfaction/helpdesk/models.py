"""Helpdesk data: service tickets and complaints, each under a contract."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.db import Level, PlausibleEventTime, external_id_field, import_job_field, unique_external_id
from satisfaction.crm.models import Contract


class ServiceTicket(models.Model):
    """A helpdesk ticket (客服工单)."""

    external_id = external_id_field()
    import_job = import_job_field()
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="tickets", verbose_name=_("contract"))
    opened_at = models.DateTimeField(_("opened at"), validators=[PlausibleEventTime()])
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, validators=[PlausibleEventTime()])
    handling_hours = models.FloatField(_("handling hours"), null=True, blank=True)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Level.choices, default=Level.MEDIUM)
    ticket_priority = models.CharField(_("ticket priority"), max_length=10, choices=Level.choices, default=Level.MEDIUM)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction"), null=True, blank=True)
    # Nullable: a source that does not say leaves it unknown, and rates count only the known values.
    follow_up = models.BooleanField(_("needed a follow-up"), null=True, blank=True, default=False)
    is_internal = models.BooleanField(_("internal"), default=False)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("agent"),
    )
    agent_name = models.CharField(_("agent name"), max_length=100, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("service ticket")
        verbose_name_plural = _("service tickets")
        constraints = [
            unique_external_id("serviceticket"),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True) | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="ticket_satisfaction_1_5",
            ),
            models.CheckConstraint(
                condition=Q(handling_hours__isnull=True) | Q(handling_hours__gte=0), name="ticket_hours_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_at__gte=F("opened_at")),
                name="ticket_closed_after_opened",
            ),
        ]
        indexes = [models.Index(fields=["contract", "opened_at"], name="ticket_contract_opened_idx")]

    def __str__(self):
        return self.external_id or f"#{self.pk}"


class Complaint(models.Model):
    """A customer complaint (投诉)."""

    class Speed(models.TextChoices):
        FAST = "fast", _("Fast")
        NORMAL = "normal", _("Normal")
        SLOW = "slow", _("Slow")

    external_id = external_id_field()
    import_job = import_job_field()
    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="complaints", verbose_name=_("contract")
    )
    filed_at = models.DateTimeField(_("filed at"), validators=[PlausibleEventTime()])
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True, validators=[PlausibleEventTime()])
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True, validators=[PlausibleEventTime()])
    response_hours = models.FloatField(_("response hours"), null=True, blank=True)
    resolution_hours = models.FloatField(_("resolution hours"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction"), null=True, blank=True)
    escalated = models.BooleanField(_("escalated"), null=True, blank=True, default=False)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Level.choices, default=Level.MEDIUM)
    handling_speed = models.CharField(_("handling speed"), max_length=10, choices=Speed.choices, default=Speed.NORMAL)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("agent"),
    )
    agent_name = models.CharField(_("agent name"), max_length=100, blank=True)

    class Meta:
        ordering = ["-filed_at"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        constraints = [
            unique_external_id("complaint"),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True) | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="complaint_satisfaction_1_5",
            ),
            models.CheckConstraint(
                condition=Q(response_hours__isnull=True) | Q(response_hours__gte=0), name="complaint_response_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(resolution_hours__isnull=True) | Q(resolution_hours__gte=0),
                name="complaint_resolution_gte_0",
            ),
            models.CheckConstraint(
                condition=Q(responded_at__isnull=True) | Q(responded_at__gte=F("filed_at")),
                name="complaint_responded_after_filed",
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(resolved_at__gte=F("filed_at")),
                name="complaint_resolved_after_filed",
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True)
                | Q(responded_at__isnull=True)
                | Q(resolved_at__gte=F("responded_at")),
                name="complaint_resolved_after_responded",
            ),
        ]
        indexes = [models.Index(fields=["contract", "filed_at"], name="complaint_contract_filed_idx")]

    def __str__(self):
        return self.external_id or f"#{self.pk}"
