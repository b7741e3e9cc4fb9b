"""File imports: import jobs with progress and saved header mappings."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("satisfaction", "0003_alerts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ImportMapping",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=100, unique=True, verbose_name="name")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("customers", "Customers"),
                            ("contacts", "Contacts"),
                            ("contracts", "Contracts"),
                            ("tickets", "Tickets"),
                            ("complaints", "Complaints"),
                            ("feedback", "Feedback"),
                        ],
                        max_length=20,
                        verbose_name="kind",
                    ),
                ),
                (
                    "columns",
                    models.JSONField(
                        default=dict, help_text="Source column header → field name.", verbose_name="columns"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="import_mappings",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="created by",
                    ),
                ),
            ],
            options={
                "verbose_name": "import mapping",
                "verbose_name_plural": "import mappings",
                "ordering": ["kind", "name"],
            },
        ),
        migrations.CreateModel(
            name="ImportJob",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("customers", "Customers"),
                            ("contacts", "Contacts"),
                            ("contracts", "Contracts"),
                            ("tickets", "Tickets"),
                            ("complaints", "Complaints"),
                            ("feedback", "Feedback"),
                        ],
                        max_length=20,
                        verbose_name="kind",
                    ),
                ),
                ("file", models.FileField(upload_to="imports/%Y/%m/", verbose_name="file")),
                ("original_name", models.CharField(blank=True, max_length=255, verbose_name="file name")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Pending"),
                            ("validating", "Validating"),
                            ("writing", "Writing"),
                            ("succeeded", "Imported"),
                            ("validated", "Validated (dry run)"),
                            ("rejected", "Rejected: row errors"),
                            ("failed", "Failed"),
                        ],
                        default="pending",
                        max_length=20,
                        verbose_name="status",
                    ),
                ),
                (
                    "dry_run",
                    models.BooleanField(
                        default=False, help_text="Validate only; write nothing.", verbose_name="dry run"
                    ),
                ),
                ("rows_total", models.PositiveIntegerField(default=0, verbose_name="rows total")),
                ("rows_done", models.PositiveIntegerField(default=0, verbose_name="rows done")),
                ("created_count", models.PositiveIntegerField(default=0, verbose_name="created")),
                (
                    "skipped_count",
                    models.PositiveIntegerField(
                        default=0,
                        help_text="Rows whose external id was imported before.",
                        verbose_name="already present",
                    ),
                ),
                ("error_count", models.PositiveIntegerField(default=0, verbose_name="row errors")),
                ("errors_preview", models.JSONField(blank=True, default=list, verbose_name="first row errors")),
                ("unknown_columns", models.JSONField(blank=True, default=list, verbose_name="unknown columns")),
                (
                    "error_report",
                    models.FileField(blank=True, upload_to="imports/errors/%Y/%m/", verbose_name="error report (CSV)"),
                ),
                ("message", models.TextField(blank=True, verbose_name="message")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("started_at", models.DateTimeField(blank=True, null=True, verbose_name="started at")),
                ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="finished at")),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="import_jobs",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="created by",
                    ),
                ),
                (
                    "mapping",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="jobs",
                        to="satisfaction.importmapping",
                        verbose_name="mapping",
                    ),
                ),
            ],
            options={
                "verbose_name": "import job",
                "verbose_name_plural": "import jobs",
                "ordering": ["-created_at", "-pk"],
                "indexes": [models.Index(fields=["created_by", "created_at"], name="importjob_user_created_idx")],
            },
        ),
    ]
