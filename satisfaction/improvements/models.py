"""The improvement loop: suggestions generated from the data, measures taken, and their tasks."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from core.db import Level, PlausibleDay, TimestampedModel
from core.describe import dates_words, one_line
from satisfaction.crm.models import Customer, ServiceType


class Category(models.TextChoices):
    TRAINING = "training", _("Training")
    PROCESS = "process", _("Process")
    COMMUNICATION = "communication", _("Communication")
    QUALITY_ASSURANCE = "quality_assurance", _("Quality assurance")


class BilingualMixin:
    def localized(self, field: str) -> str:
        """`field_zh` under a Chinese locale, else `field_en` (falls back to English when empty)."""
        zh = (translation.get_language() or "").startswith("zh")
        return (getattr(self, f"{field}_zh") if zh else "") or getattr(self, f"{field}_en")


# What a rule's evidence counted (the "basis" its suggestion records), in words.
BASIS_DATA = {
    "records": _("satisfaction records, 1–5"),
    "tickets": _("tickets"),
    "complaints": _("complaints"),
}


class ImprovementSuggestion(BilingualMixin, TimestampedModel):
    """A suggestion produced by a rule from the data, with its evidence and expected impact."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        ACCEPTED = "accepted", _("Accepted")
        DISMISSED = "dismissed", _("Dismissed")

    rule_code = models.CharField(_("rule"), max_length=50)
    scope_key = models.CharField(_("scope key"), max_length=100, blank=True)
    priority = models.CharField(_("priority"), max_length=10, choices=Level.choices, default=Level.MEDIUM)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    title_en = models.CharField(_("title (English)"), max_length=250)
    title_zh = models.CharField(_("title (Chinese)"), max_length=250, blank=True)
    rationale_en = models.TextField(_("rationale (English)"), blank=True)
    rationale_zh = models.TextField(_("rationale (Chinese)"), blank=True)
    actions_en = models.TextField(_("proposed actions (English)"), blank=True)
    actions_zh = models.TextField(_("proposed actions (Chinese)"), blank=True)
    expected_impact_en = models.TextField(_("expected impact (English)"), blank=True)
    expected_impact_zh = models.TextField(_("expected impact (Chinese)"), blank=True)
    impact_points = models.FloatField(_("expected impact (points)"), null=True, blank=True)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    service_type = models.ForeignKey(
        ServiceType, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("service type")
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("customer"))
    segment_priority = models.PositiveSmallIntegerField(_("segment priority"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NEW)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    dismissed_reason = models.TextField(_("dismissal reason"), blank=True)
    # How bad the evidence is, in the rule's own unit (higher = worse); a dismissed suggestion
    # comes back only when a later run finds this clearly larger.
    severity = models.FloatField(_("severity"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("last confirmed by the data at"), null=True, blank=True)

    class Meta:
        ordering = ["status", "-created_at"]
        verbose_name = _("improvement suggestion")
        verbose_name_plural = _("improvement suggestions")
        indexes = [models.Index(fields=["rule_code", "scope_key", "status"], name="suggestion_rule_scope_idx")]

    def __str__(self):
        return self.title_en

    @property
    def title(self) -> str:
        return self.localized("title")

    @property
    def basis_words(self) -> str:
        """What the evidence counted and over which days ("tickets · 3 Sep – 1 Dec 2026"); "" for a suggestion
        stored before its rule recorded them."""
        basis = (self.evidence or {}).get("basis") or {}
        if not basis:
            return ""
        start, end = (dt.date.fromisoformat(basis[k]) if basis.get(k) else None for k in ("start", "end"))
        return one_line([BASIS_DATA.get(basis.get("data")), dates_words(start, end)])


class ImprovementMeasure(BilingualMixin, TimestampedModel):
    """Something the team does to improve satisfaction in a scope, tracked through its tasks."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    title = models.CharField(_("title"), max_length=250)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    priority = models.CharField(_("priority"), max_length=10, choices=Level.choices, default=Level.MEDIUM)
    service_type = models.ForeignKey(
        ServiceType, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("service type")
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("customer"))
    segment_priority = models.PositiveSmallIntegerField(_("segment priority"), null=True, blank=True)
    # A measure can target the people who handle the cases: one agent (a user, or a name from the source system)
    # or a team (a group of users). Its evaluation then compares the records of their tickets and complaints.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="targeted_measures",
        verbose_name=_("agent"),
    )
    agent_name = models.CharField(
        _("agent name"), max_length=150, blank=True, help_text=_("A handler named in the source system, not a user.")
    )
    team = models.ForeignKey(
        "auth.Group", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("team")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_measures",
        verbose_name=_("owner"),
    )
    status = models.CharField(_("status"), max_length=15, choices=Status.choices, default=Status.PLANNED)
    start_date = models.DateField(_("start date"), null=True, blank=True, validators=[PlausibleDay(10)])
    target_date = models.DateField(_("target date"), null=True, blank=True, validators=[PlausibleDay(10)])
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    expected_impact = models.TextField(_("expected impact"), blank=True)
    progress = models.PositiveSmallIntegerField(
        _("progress"), default=0, editable=False, help_text=_("0–100 %, derived from the tasks")
    )
    baseline = models.JSONField(_("baseline metrics"), default=dict, blank=True)
    suggestion = models.ForeignKey(
        ImprovementSuggestion,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="measures",
        verbose_name=_("suggestion"),
    )

    class Meta:
        ordering = ["status", "target_date", "-created_at"]
        verbose_name = _("improvement measure")
        verbose_name_plural = _("improvement measures")
        constraints = [
            models.CheckConstraint(
                condition=Q(target_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(target_date__gte=models.F("start_date")),
                name="measure_target_after_start",
            ),
            models.CheckConstraint(condition=Q(progress__gte=0, progress__lte=100), name="measure_progress_0_100"),
        ]
        indexes = [models.Index(fields=["owner", "status"], name="measure_owner_status_idx")]

    def __str__(self):
        return self.title

    @property
    def is_overdue(self) -> bool:
        open_ = self.status in (self.Status.PLANNED, self.Status.IN_PROGRESS)
        return bool(open_ and self.target_date and self.target_date < timezone.localdate())


class ImprovementTask(TimestampedModel):
    """A unit of work within a measure, with an assignee, a due date and progress 0–100."""

    class Status(models.TextChoices):
        TODO = "todo", _("To do")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    measure = models.ForeignKey(
        ImprovementMeasure, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("measure")
    )
    title = models.CharField(_("title"), max_length=250)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="improvement_tasks",
        verbose_name=_("assignee"),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True, validators=[PlausibleDay(10)])
    status = models.CharField(_("status"), max_length=15, choices=Status.choices, default=Status.TODO)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0, help_text=_("0–100 %"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("improvement task")
        verbose_name_plural = _("improvement tasks")
        constraints = [
            models.CheckConstraint(condition=Q(progress__gte=0, progress__lte=100), name="task_progress_0_100"),
        ]
        indexes = [models.Index(fields=["assignee", "status"], name="task_assignee_status_idx")]

    def __str__(self):
        return self.title

    @property
    def is_overdue(self) -> bool:
        open_ = self.status in (self.Status.TODO, self.Status.IN_PROGRESS)
        return bool(open_ and self.due_date and self.due_date < timezone.localdate())


class MeasureEvaluation(models.Model):
    """One run of the before/after effect evaluation of a measure, kept so the verdict history is visible."""

    class Verdict(models.TextChoices):
        IMPROVED = "improved", _("Improved")
        NO_CHANGE = "no_change", _("No detectable change")
        WORSE = "worse", _("Worse")
        NOT_ENOUGH_DATA = "not_enough_data", _("Not enough data yet")

    measure = models.ForeignKey(
        ImprovementMeasure, on_delete=models.CASCADE, related_name="evaluations", verbose_name=_("measure")
    )
    evaluated_at = models.DateTimeField(_("evaluated at"), default=timezone.now)
    before_start = models.DateField(_("baseline window start"))
    before_end = models.DateField(_("baseline window end"))
    after_start = models.DateField(_("evaluation window start"))
    after_end = models.DateField(_("evaluation window end"))
    n_before = models.PositiveIntegerField(_("responses before"))
    n_after = models.PositiveIntegerField(_("responses after"))
    mean_before = models.FloatField(_("mean score before"), null=True, blank=True)
    mean_after = models.FloatField(_("mean score after"), null=True, blank=True)
    rate_before = models.FloatField(_("satisfaction rate before"), null=True, blank=True)
    rate_after = models.FloatField(_("satisfaction rate after"), null=True, blank=True)
    score_p_value = models.FloatField(_("p (Welch t, mean score)"), null=True, blank=True)
    cohens_d = models.FloatField(_("Cohen's d"), null=True, blank=True)
    rate_p_value = models.FloatField(_("p (two-proportion z, rate)"), null=True, blank=True)
    did_rate = models.FloatField(_("difference-in-differences (rate)"), null=True, blank=True)
    did_score = models.FloatField(_("difference-in-differences (mean score)"), null=True, blank=True)
    verdict = models.CharField(_("verdict"), max_length=20, choices=Verdict.choices)
    n_needed = models.PositiveIntegerField(
        _("responses needed per window"), null=True, blank=True, help_text=_("For 80% power at α = 0.05.")
    )
    reading_en = models.TextField(_("reading (English)"), blank=True)
    reading_zh = models.TextField(_("reading (Chinese)"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-evaluated_at", "-id"]
        get_latest_by = "evaluated_at"
        verbose_name = _("measure evaluation")
        verbose_name_plural = _("measure evaluations")
        indexes = [models.Index(fields=["measure", "-evaluated_at"], name="evaluation_measure_idx")]

    def __str__(self):
        return f"{self.measure} · {self.get_verdict_display()} · {self.evaluated_at:%Y-%m-%d}"

    @property
    def reading(self) -> str:
        zh = (translation.get_language() or "").startswith("zh")
        return (self.reading_zh if zh else "") or self.reading_en
