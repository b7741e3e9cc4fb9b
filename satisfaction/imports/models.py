"""File imports: the job that tracks one uploaded file, and header mappings saved by name."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    CUSTOMERS = "customers", _("Customers")
    CONTACTS = "contacts", _("Contacts")
    CONTRACTS = "contracts", _("Contracts")
    TICKETS = "tickets", _("Tickets")
    COMPLAINTS = "complaints", _("Complaints")
    FEEDBACK = "feedback", _("Feedback")


class OnError(models.TextChoices):
    REJECT = "reject", _("Reject the file (all or nothing)")
    SKIP = "skip", _("Skip bad rows, import the rest")


class ImportMapping(models.Model):
    """A mapping file saved by name: source column → field(s) with value maps, date formats and import options."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    columns = models.JSONField(
        _("columns"),
        default=dict,
        help_text=_("Source column header → field name, a list of them, or {field, values}."),
    )
    date_formats = models.JSONField(_("date formats"), default=list, blank=True)
    on_error = models.CharField(_("on row errors"), max_length=10, choices=OnError.choices, default=OnError.REJECT)
    history = models.BooleanField(_("history"), default=False, help_text=_("Import as past data: no live alerts."))
    create = models.JSONField(_("create missing"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_mappings",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("import mapping")
        verbose_name_plural = _("import mappings")

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"


class ImportJob(models.Model):
    """One uploaded file being validated and imported, with progress, counts and the row-error report."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        CHOOSE = "choose", _("Waiting: history or live alerts?")
        VALIDATING = "validating", _("Validating")
        WRITING = "writing", _("Writing")
        SUCCEEDED = "succeeded", _("Imported")
        VALIDATED = "validated", _("Validated (dry run)")
        REJECTED = "rejected", _("Rejected: row errors")
        FAILED = "failed", _("Failed")

    FINISHED = (Status.SUCCEEDED, Status.VALIDATED, Status.REJECTED, Status.FAILED)
    RUNNING = (Status.VALIDATING, Status.WRITING)

    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    dry_run = models.BooleanField(_("dry run"), default=False, help_text=_("Validate only; write nothing."))
    mapping = models.ForeignKey(
        ImportMapping,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="jobs",
        verbose_name=_("mapping"),
    )
    # The mapping as it was when the job was queued (a saved one, or a mapping file sent with the upload).
    mapping_spec = models.JSONField(_("mapping used"), null=True, blank=True)
    history = models.BooleanField(_("history"), default=False, help_text=_("Past data: no live alerts or invitations."))
    live = models.BooleanField(
        _("live alerts"),
        default=False,
        help_text=_("Rows older than the alert windows raise live alerts, as the importer chose."),
    )
    old_rows = models.PositiveIntegerField(
        _("rows older than the alert windows"),
        null=True,
        blank=True,
        help_text=_("Counted before anything is written; empty when not counted (history, live or a dry run)."),
    )
    update = models.BooleanField(
        _("update changed rows"), default=True, help_text=_("Off: rows imported before are skipped, as they are.")
    )
    encoding = models.CharField(
        _("encoding"), max_length=40, blank=True, help_text=_("The CSV's text encoding; empty: detected.")
    )
    # The uploader's language: row errors and messages are worded in it, for the person who reads them.
    language = models.CharField(_("language"), max_length=10, blank=True)
    rows_total = models.PositiveIntegerField(_("rows total"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    skipped_count = models.PositiveIntegerField(
        _("already present"), default=0, help_text=_("Rows whose external id was imported before.")
    )
    updated_count = models.PositiveIntegerField(
        _("updated"),
        default=0,
        help_text=_("Rows imported before whose values changed, updated through their service."),
    )
    error_count = models.PositiveIntegerField(_("row errors"), default=0)
    errors_preview = models.JSONField(_("first row errors"), default=list, blank=True)
    unknown_columns = models.JSONField(_("unknown columns"), default=list, blank=True)
    error_report = models.FileField(_("error report (CSV)"), upload_to="imports/errors/%Y/%m/", blank=True)
    message = models.TextField(_("message"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_jobs",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Written with every progress report: a running job that stops reporting belongs to a process that died.
    heartbeat_at = models.DateTimeField(_("last progress at"), null=True, blank=True)
    files_purged_at = models.DateTimeField(
        _("files removed at"),
        null=True,
        blank=True,
        help_text=_("When the uploaded file and its error report were deleted under the retention policy."),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        indexes = [models.Index(fields=["created_by", "created_at"], name="importjob_user_created_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.original_name or self.file.name} · {self.get_status_display()}"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def files_kept_days(self) -> int | None:
        """Whole days between the end of the job and the removal of its files; None while they are kept."""
        if self.files_purged_at is None or self.finished_at is None:
            return None
        return max(0, (self.files_purged_at - self.finished_at).days)

    @property
    def waits_for_choice(self) -> bool:
        """Stopped before writing: some rows are older than the alert windows, history or live is to be chosen."""
        return self.status == self.Status.CHOOSE

    @property
    def percent(self) -> int:
        """Progress 0–100 for the progress bar."""
        if self.is_finished:
            return 100
        if not self.rows_total:
            return 0
        return min(100, int(100 * self.rows_done / self.rows_total))
