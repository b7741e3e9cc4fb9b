"""Alerts, watch list, risk scores, webhooks and notification preferences."""

from decimal import Decimal

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("satisfaction", "0002_reference_data"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="WebhookEndpoint",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=100, verbose_name="name")),
                ("url", models.URLField(max_length=500, verbose_name="URL")),
                ("secret", models.CharField(max_length=200, verbose_name="signing secret")),
                ("on_opened", models.BooleanField(default=True, verbose_name="alert opened")),
                ("on_escalated", models.BooleanField(default=True, verbose_name="alert escalated")),
                ("on_resolved", models.BooleanField(default=True, verbose_name="alert resolved")),
                (
                    "min_severity",
                    models.CharField(
                        choices=[("medium", "Medium"), ("high", "High"), ("critical", "Critical")],
                        default="medium",
                        max_length=10,
                        verbose_name="minimum severity",
                    ),
                ),
                ("is_active", models.BooleanField(default=True, verbose_name="active")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="created at")),
            ],
            options={
                "verbose_name": "webhook endpoint",
                "verbose_name_plural": "webhook endpoints",
                "ordering": ["name"],
            },
        ),
        migrations.CreateModel(
            name="AlertSettings",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "low_score_below",
                    models.DecimalField(
                        decimal_places=1,
                        default=Decimal("3.5"),
                        help_text="low_score fires below this.",
                        max_digits=2,
                        verbose_name="low score below",
                    ),
                ),
                (
                    "critical_below",
                    models.DecimalField(
                        decimal_places=1, default=Decimal("2.0"), max_digits=2, verbose_name="critical below"
                    ),
                ),
                (
                    "high_below",
                    models.DecimalField(
                        decimal_places=1, default=Decimal("3.0"), max_digits=2, verbose_name="high below"
                    ),
                ),
                (
                    "decline_window",
                    models.PositiveSmallIntegerField(default=5, verbose_name="decline window (records)"),
                ),
                ("decline_mean_below", models.FloatField(default=3.5, verbose_name="decline: mean below")),
                ("decline_drop", models.FloatField(default=0.5, verbose_name="decline: drop of at least")),
                (
                    "decline_lookback_days",
                    models.PositiveSmallIntegerField(
                        default=90, verbose_name="decline: customers active within (days)"
                    ),
                ),
                (
                    "drop_recent_days",
                    models.PositiveSmallIntegerField(default=7, verbose_name="drop: recent window (days)"),
                ),
                (
                    "drop_baseline_days",
                    models.PositiveSmallIntegerField(default=28, verbose_name="drop: baseline window (days)"),
                ),
                ("drop_alpha", models.FloatField(default=0.05, verbose_name="drop: significance level")),
                (
                    "response_sla_high_hours",
                    models.FloatField(default=4, verbose_name="response SLA, high urgency (hours)"),
                ),
                (
                    "response_sla_medium_hours",
                    models.FloatField(default=8, verbose_name="response SLA, medium urgency (hours)"),
                ),
                (
                    "response_sla_low_hours",
                    models.FloatField(default=24, verbose_name="response SLA, low urgency (hours)"),
                ),
                (
                    "resolution_sla_high_hours",
                    models.FloatField(default=24, verbose_name="resolution SLA, high urgency (hours)"),
                ),
                (
                    "resolution_sla_medium_hours",
                    models.FloatField(default=72, verbose_name="resolution SLA, medium urgency (hours)"),
                ),
                (
                    "resolution_sla_low_hours",
                    models.FloatField(default=120, verbose_name="resolution SLA, low urgency (hours)"),
                ),
                (
                    "sla_lookback_days",
                    models.PositiveSmallIntegerField(default=30, verbose_name="SLA: complaints filed within (days)"),
                ),
                (
                    "risk_threshold",
                    models.FloatField(
                        default=50,
                        help_text="A customer whose risk score reaches this joins the watch list.",
                        verbose_name="risk threshold",
                    ),
                ),
                (
                    "risk_lookback_days",
                    models.PositiveSmallIntegerField(default=90, verbose_name="risk: look back (days)"),
                ),
                (
                    "snooze_hours",
                    models.PositiveSmallIntegerField(
                        default=24,
                        help_text="A window rule does not reopen an alert resolved less than this long ago.",
                        verbose_name="snooze after resolution (hours)",
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
            ],
            options={
                "verbose_name": "alert settings",
                "verbose_name_plural": "alert settings",
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("pk", 1)), name="alertsettings_single_row"),
                    models.CheckConstraint(
                        condition=models.Q(("drop_alpha__gt", 0), ("drop_alpha__lt", 1)), name="alertsettings_alpha_0_1"
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="NotificationPreference",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "alert_emails",
                    models.BooleanField(
                        default=True, help_text="High and critical alerts.", verbose_name="alert emails"
                    ),
                ),
                ("weekly_digest", models.BooleanField(default=True, verbose_name="weekly digest")),
                ("monthly_review", models.BooleanField(default=True, verbose_name="monthly review")),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notification_preference",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
            ],
            options={
                "verbose_name": "notification preference",
                "verbose_name_plural": "notification preferences",
            },
        ),
        migrations.CreateModel(
            name="RiskWeight",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "factor",
                    models.CharField(
                        choices=[
                            ("low_scores", "Repeated low scores"),
                            ("score_trend", "Falling score trend"),
                            ("open_complaints", "Open complaints"),
                            ("escalations", "Escalated complaints"),
                            ("sla_breaches", "Complaint SLA breaches"),
                            ("unanswered_follow_ups", "Unanswered follow-ups"),
                        ],
                        max_length=30,
                        unique=True,
                        verbose_name="factor",
                    ),
                ),
                ("weight", models.FloatField(verbose_name="points per unit")),
                (
                    "cap",
                    models.FloatField(help_text="Units beyond this add nothing.", verbose_name="counted units at most"),
                ),
                ("description", models.TextField(blank=True, verbose_name="description")),
            ],
            options={
                "verbose_name": "risk weight",
                "verbose_name_plural": "risk weights",
                "ordering": ["factor"],
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("weight__gte", 0)), name="riskweight_weight_gte_0"),
                    models.CheckConstraint(condition=models.Q(("cap__gte", 0)), name="riskweight_cap_gte_0"),
                ],
            },
        ),
        migrations.CreateModel(
            name="CustomerRiskScore",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("score", models.FloatField(default=0, verbose_name="risk score")),
                ("reasons", models.JSONField(blank=True, default=list, verbose_name="reasons")),
                ("computed_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="computed at")),
                (
                    "customer",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="risk_score",
                        to="satisfaction.customer",
                        verbose_name="customer",
                    ),
                ),
            ],
            options={
                "verbose_name": "customer risk score",
                "verbose_name_plural": "customer risk scores",
                "ordering": ["-score"],
                "indexes": [models.Index(fields=["-score"], name="risk_score_idx")],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("score__gte", 0), ("score__lte", 100)), name="risk_score_0_100"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="WebhookDelivery",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "event",
                    models.CharField(
                        choices=[("opened", "Opened"), ("escalated", "Escalated"), ("resolved", "Resolved")],
                        max_length=15,
                        verbose_name="event",
                    ),
                ),
                ("payload", models.JSONField(default=dict, verbose_name="payload")),
                (
                    "status",
                    models.CharField(
                        choices=[("pending", "Pending"), ("succeeded", "Succeeded"), ("failed", "Failed")],
                        default="pending",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("attempts", models.PositiveSmallIntegerField(default=0, verbose_name="attempts")),
                (
                    "response_status",
                    models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="response status"),
                ),
                ("response_body", models.TextField(blank=True, verbose_name="response body")),
                ("error", models.TextField(blank=True, verbose_name="error")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="created at")),
                ("last_attempt_at", models.DateTimeField(blank=True, null=True, verbose_name="last attempt at")),
                ("delivered_at", models.DateTimeField(blank=True, null=True, verbose_name="delivered at")),
                (
                    "alert",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="webhook_deliveries",
                        to="satisfaction.satisfactionalert",
                        verbose_name="alert",
                    ),
                ),
                (
                    "endpoint",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deliveries",
                        to="satisfaction.webhookendpoint",
                        verbose_name="endpoint",
                    ),
                ),
            ],
            options={
                "verbose_name": "webhook delivery",
                "verbose_name_plural": "webhook deliveries",
                "ordering": ["-created_at"],
                "indexes": [models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_endpoint_idx")],
            },
        ),
    ]
