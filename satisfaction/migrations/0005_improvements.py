"""The improvement loop: measure evaluations and suggestion fields."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("satisfaction", "0004_imports")]

    operations = [
        migrations.CreateModel(
            name="MeasureEvaluation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("evaluated_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="evaluated at")),
                ("before_start", models.DateField(verbose_name="baseline window start")),
                ("before_end", models.DateField(verbose_name="baseline window end")),
                ("after_start", models.DateField(verbose_name="evaluation window start")),
                ("after_end", models.DateField(verbose_name="evaluation window end")),
                ("n_before", models.PositiveIntegerField(verbose_name="responses before")),
                ("n_after", models.PositiveIntegerField(verbose_name="responses after")),
                ("mean_before", models.FloatField(blank=True, null=True, verbose_name="mean score before")),
                ("mean_after", models.FloatField(blank=True, null=True, verbose_name="mean score after")),
                ("rate_before", models.FloatField(blank=True, null=True, verbose_name="satisfaction rate before")),
                ("rate_after", models.FloatField(blank=True, null=True, verbose_name="satisfaction rate after")),
                ("score_p_value", models.FloatField(blank=True, null=True, verbose_name="p (Welch t, mean score)")),
                ("cohens_d", models.FloatField(blank=True, null=True, verbose_name="Cohen's d")),
                ("rate_p_value", models.FloatField(blank=True, null=True, verbose_name="p (two-proportion z, rate)")),
                ("did_rate", models.FloatField(blank=True, null=True, verbose_name="difference-in-differences (rate)")),
                (
                    "did_score",
                    models.FloatField(blank=True, null=True, verbose_name="difference-in-differences (mean score)"),
                ),
                (
                    "verdict",
                    models.CharField(
                        choices=[
                            ("improved", "Improved"),
                            ("no_change", "No detectable change"),
                            ("worse", "Worse"),
                            ("not_enough_data", "Not enough data yet"),
                        ],
                        max_length=20,
                        verbose_name="verdict",
                    ),
                ),
                (
                    "n_needed",
                    models.PositiveIntegerField(
                        blank=True,
                        help_text="For 80% power at α = 0.05.",
                        null=True,
                        verbose_name="responses needed per window",
                    ),
                ),
                ("reading_en", models.TextField(blank=True, verbose_name="reading (English)")),
                ("reading_zh", models.TextField(blank=True, verbose_name="reading (Chinese)")),
                ("details", models.JSONField(blank=True, default=dict, verbose_name="details")),
            ],
            options={
                "verbose_name": "measure evaluation",
                "verbose_name_plural": "measure evaluations",
                "ordering": ["-evaluated_at", "-id"],
                "get_latest_by": "evaluated_at",
            },
        ),
        migrations.AddField(
            model_name="improvementmeasure",
            name="progress",
            field=models.PositiveSmallIntegerField(
                default=0, editable=False, help_text="0–100 %, derived from the tasks", verbose_name="progress"
            ),
        ),
        migrations.AddField(
            model_name="improvementsuggestion",
            name="last_seen_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="last confirmed by the data at"),
        ),
        migrations.AddField(
            model_name="improvementsuggestion",
            name="severity",
            field=models.FloatField(blank=True, null=True, verbose_name="severity"),
        ),
        migrations.AddIndex(
            model_name="improvementmeasure",
            index=models.Index(fields=["owner", "status"], name="measure_owner_status_idx"),
        ),
        migrations.AddConstraint(
            model_name="improvementmeasure",
            constraint=models.CheckConstraint(
                condition=models.Q(("progress__gte", 0), ("progress__lte", 100)), name="measure_progress_0_100"
            ),
        ),
        migrations.AddField(
            model_name="measureevaluation",
            name="measure",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="evaluations",
                to="satisfaction.improvementmeasure",
                verbose_name="measure",
            ),
        ),
        migrations.AddIndex(
            model_name="measureevaluation",
            index=models.Index(fields=["measure", "-evaluated_at"], name="evaluation_measure_idx"),
        ),
    ]
