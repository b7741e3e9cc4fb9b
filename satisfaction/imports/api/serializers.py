"""API representations of import jobs and uploads."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from core.api.serializers import RowErrorsField, StringListField, UserSummarySerializer
from satisfaction.imports.models import ImportJob, ImportKind, ImportMapping


class ImportJobSerializer(serializers.ModelSerializer):
    created_by = UserSummarySerializer(read_only=True, allow_null=True)
    mapping = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)
    errors_preview = RowErrorsField(read_only=True, label="First row errors")
    unknown_columns = StringListField(read_only=True)
    error_report_url = serializers.SerializerMethodField(
        help_text="Row errors as CSV (row, column, value, reason); null once the files were removed."
    )
    files_removed = serializers.SerializerMethodField(
        help_text="True once the uploaded file and its error report were deleted under the retention policy."
    )

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "status",
            "dry_run",
            "original_name",
            "mapping",
            "rows_total",
            "rows_done",
            "created_count",
            "skipped_count",
            "error_count",
            "errors_preview",
            "unknown_columns",
            "message",
            "error_report_url",
            "files_removed",
            "files_purged_at",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_error_report_url(self, job) -> str | None:
        if job.files_purged_at is not None:
            return None
        return reverse("import-job-errors", kwargs={"job_id": job.pk})

    def get_files_removed(self, job) -> bool:
        return job.files_purged_at is not None


class ImportUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ImportKind.choices)
    file = serializers.FileField(help_text="CSV (UTF-8 with or without BOM, or GB18030) or XLSX.")
    dry_run = serializers.BooleanField(required=False, default=False, help_text="Validate only; write nothing.")
    mapping = serializers.SlugRelatedField(
        slug_field="name",
        queryset=ImportMapping.objects.all(),
        required=False,
        allow_null=True,
        help_text="Name of a saved header mapping for other file layouts.",
    )

    def validate(self, attrs):
        mapping = attrs.get("mapping")
        if mapping is not None and mapping.kind != attrs["kind"]:
            raise serializers.ValidationError(
                {"mapping": [f"This mapping is for {mapping.kind}, not {attrs['kind']}."]}
            )
        return attrs
