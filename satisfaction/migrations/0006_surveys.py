"""Customer surveys: invitations, per-service survey settings, campaigns, and the self-rated guard."""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("satisfaction", "0005_improvements"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SurveyCampaign",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=200, verbose_name="name")),
                (
                    "contact_priority",
                    models.PositiveSmallIntegerField(
                        default=1,
                        help_text="Contacts of this priority or more important are asked.",
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(5),
                        ],
                        verbose_name="contacts of priority",
                    ),
                ),
                ("next_run_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="next run")),
                (
                    "repeat_every_days",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        help_text="Empty runs once; 91 is quarterly.",
                        null=True,
                        verbose_name="repeat every (days)",
                    ),
                ),
                ("ask_nps", models.BooleanField(default=False, verbose_name="ask NPS (0–10)")),
                ("ask_ces", models.BooleanField(default=False, verbose_name="ask CES (1–7)")),
                ("is_active", models.BooleanField(default=True, verbose_name="active")),
                ("last_run_at", models.DateTimeField(blank=True, editable=False, null=True, verbose_name="last run")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="created at")),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="created by",
                    ),
                ),
                (
                    "service_type",
                    models.ForeignKey(
                        blank=True,
                        help_text="Empty: each customer's most recent contract decides.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="survey_campaigns",
                        to="satisfaction.servicetype",
                        verbose_name="service type",
                    ),
                ),
            ],
            options={
                "verbose_name": "survey campaign",
                "verbose_name_plural": "survey campaigns",
                "ordering": ["next_run_at"],
            },
        ),
        migrations.CreateModel(
            name="SurveyInvitation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("nonce", models.CharField(editable=False, max_length=32, unique=True, verbose_name="token id")),
                (
                    "source",
                    models.CharField(
                        choices=[
                            ("ticket", "Ticket closed"),
                            ("complaint", "Complaint resolved"),
                            ("campaign", "Campaign"),
                        ],
                        max_length=10,
                        verbose_name="source",
                    ),
                ),
                ("ask_nps", models.BooleanField(default=False, verbose_name="asks NPS")),
                ("ask_ces", models.BooleanField(default=False, verbose_name="asks CES")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="created at")),
                ("send_after", models.DateTimeField(default=django.utils.timezone.now, verbose_name="send after")),
                ("sent_at", models.DateTimeField(blank=True, null=True, verbose_name="sent at")),
                ("last_sent_at", models.DateTimeField(blank=True, null=True, verbose_name="last sent at")),
                ("send_count", models.PositiveSmallIntegerField(default=0, verbose_name="times sent")),
                ("reminded_at", models.DateTimeField(blank=True, null=True, verbose_name="reminded at")),
                ("expires_at", models.DateTimeField(blank=True, null=True, verbose_name="expires at")),
                ("opened_at", models.DateTimeField(blank=True, null=True, verbose_name="opened at")),
                ("answered_at", models.DateTimeField(blank=True, null=True, verbose_name="answered at")),
                (
                    "response_time_score",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(5),
                        ],
                        verbose_name="response time rating",
                    ),
                ),
                (
                    "nps_score",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        null=True,
                        validators=[django.core.validators.MaxValueValidator(10)],
                        verbose_name="likelihood to recommend (0–10)",
                    ),
                ),
                (
                    "ces_score",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(7),
                        ],
                        verbose_name="effort (1–7)",
                    ),
                ),
                (
                    "campaign",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="invitations",
                        to="satisfaction.surveycampaign",
                        verbose_name="campaign",
                    ),
                ),
                (
                    "complaint",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="survey_invitations",
                        to="satisfaction.complaint",
                        verbose_name="complaint",
                    ),
                ),
                (
                    "contact",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="survey_invitations",
                        to="satisfaction.contact",
                        verbose_name="contact",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="created by",
                    ),
                ),
                (
                    "customer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="survey_invitations",
                        to="satisfaction.customer",
                        verbose_name="customer",
                    ),
                ),
                (
                    "record",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="survey_invitation",
                        to="satisfaction.satisfactionrecord",
                        verbose_name="satisfaction record",
                    ),
                ),
                (
                    "service_type",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="survey_invitations",
                        to="satisfaction.servicetype",
                        verbose_name="service type",
                    ),
                ),
                (
                    "ticket",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="survey_invitations",
                        to="satisfaction.serviceticket",
                        verbose_name="ticket",
                    ),
                ),
            ],
            options={
                "verbose_name": "survey invitation",
                "verbose_name_plural": "survey invitations",
                "ordering": ["-created_at"],
            },
        ),
        migrations.CreateModel(
            name="SurveyOptOut",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="unsubscribed at")),
                (
                    "contact",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="survey_opt_out",
                        to="satisfaction.contact",
                        verbose_name="contact",
                    ),
                ),
                (
                    "via",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="satisfaction.surveyinvitation",
                        verbose_name="from invitation",
                    ),
                ),
            ],
            options={
                "verbose_name": "survey unsubscribe",
                "verbose_name_plural": "survey unsubscribes",
            },
        ),
        migrations.CreateModel(
            name="SurveySettings",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("enabled", models.BooleanField(default=True, verbose_name="send surveys")),
                (
                    "sample_every",
                    models.PositiveSmallIntegerField(
                        default=1,
                        help_text="1 asks after every closed case.",
                        validators=[django.core.validators.MinValueValidator(1)],
                        verbose_name="ask 1 in N",
                    ),
                ),
                (
                    "delay_hours",
                    models.PositiveSmallIntegerField(default=0, verbose_name="delay after closing (hours)"),
                ),
                (
                    "cooldown_days",
                    models.PositiveSmallIntegerField(
                        default=30,
                        help_text="Never more than one invitation to a contact in this window.",
                        verbose_name="cool-down (days)",
                    ),
                ),
                (
                    "reminder_after_days",
                    models.PositiveSmallIntegerField(
                        default=3, help_text="0 sends no reminder.", verbose_name="reminder after (days)"
                    ),
                ),
                (
                    "valid_days",
                    models.PositiveSmallIntegerField(
                        default=14,
                        validators=[django.core.validators.MinValueValidator(1)],
                        verbose_name="link valid for (days)",
                    ),
                ),
                ("exclude_internal", models.BooleanField(default=True, verbose_name="skip internal tickets")),
                (
                    "cases_seen",
                    models.PositiveIntegerField(default=0, editable=False, verbose_name="closed cases seen"),
                ),
                (
                    "excluded_contacts",
                    models.ManyToManyField(
                        blank=True, related_name="+", to="satisfaction.contact", verbose_name="excluded contacts"
                    ),
                ),
                (
                    "excluded_customers",
                    models.ManyToManyField(
                        blank=True, related_name="+", to="satisfaction.customer", verbose_name="excluded customers"
                    ),
                ),
                (
                    "service_type",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="survey_settings",
                        to="satisfaction.servicetype",
                        verbose_name="service type",
                    ),
                ),
            ],
            options={
                "verbose_name": "survey settings",
                "verbose_name_plural": "survey settings",
            },
        ),
        migrations.AddConstraint(
            model_name="surveycampaign",
            constraint=models.CheckConstraint(
                condition=models.Q(("contact_priority__gte", 1), ("contact_priority__lte", 5)),
                name="campaign_priority_1_5",
            ),
        ),
        migrations.AddConstraint(
            model_name="surveycampaign",
            constraint=models.CheckConstraint(
                condition=models.Q(("repeat_every_days__isnull", True), ("repeat_every_days__gte", 1), _connector="OR"),
                name="campaign_repeat_gte_1",
            ),
        ),
        migrations.AddIndex(
            model_name="surveyinvitation",
            index=models.Index(fields=["contact", "created_at"], name="survey_contact_created_idx"),
        ),
        migrations.AddIndex(
            model_name="surveyinvitation",
            index=models.Index(fields=["customer", "created_at"], name="survey_customer_created_idx"),
        ),
        migrations.AddIndex(
            model_name="surveyinvitation",
            index=models.Index(fields=["sent_at"], name="survey_sent_idx"),
        ),
        migrations.AddIndex(
            model_name="surveyinvitation",
            index=models.Index(
                condition=models.Q(("sent_at__isnull", True)), fields=["send_after"], name="survey_unsent_idx"
            ),
        ),
        migrations.AddConstraint(
            model_name="surveyinvitation",
            constraint=models.UniqueConstraint(
                condition=models.Q(("ticket__isnull", False)),
                fields=("ticket", "contact"),
                name="survey_one_per_ticket_contact",
            ),
        ),
        migrations.AddConstraint(
            model_name="surveyinvitation",
            constraint=models.UniqueConstraint(
                condition=models.Q(("complaint__isnull", False)),
                fields=("complaint", "contact"),
                name="survey_one_per_complaint_contact",
            ),
        ),
        migrations.AddConstraint(
            model_name="surveyinvitation",
            constraint=models.CheckConstraint(
                condition=models.Q(("nps_score__isnull", True), ("nps_score__lte", 10), _connector="OR"),
                name="survey_nps_0_10",
            ),
        ),
        migrations.AddConstraint(
            model_name="surveyinvitation",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("ces_score__isnull", True), models.Q(("ces_score__gte", 1), ("ces_score__lte", 7)), _connector="OR"
                ),
                name="survey_ces_1_7",
            ),
        ),
        migrations.AddConstraint(
            model_name="surveyinvitation",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("response_time_score__isnull", True),
                    models.Q(("response_time_score__gte", 1), ("response_time_score__lte", 5)),
                    _connector="OR",
                ),
                name="survey_response_time_1_5",
            ),
        ),
        migrations.AddConstraint(
            model_name="surveysettings",
            constraint=models.CheckConstraint(
                condition=models.Q(("sample_every__gte", 1)), name="survey_sample_every_gte_1"
            ),
        ),
    ]
