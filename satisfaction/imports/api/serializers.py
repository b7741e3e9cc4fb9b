"""API representations of import jobs and uploads."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import RowErrorsField, StringListField, UserSummarySerializer
from satisfaction.imports.mappings import mapping_load, mapping_of, mapping_parse
from satisfaction.imports.models import ImportJob, ImportKind, ImportMapping

_COLUMN_TARGET = {"type": "string", "description": "A field name (`-` to ignore the column)."}
_VALUE_MAP = {
    "type": "object",
    "properties": {
        "field": {"type": "string"},
        "values": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    "required": ["field", "values"],
}
_COLUMN_RULE = {
    "oneOf": [_COLUMN_TARGET, _VALUE_MAP, {"type": "array", "items": {"oneOf": [_COLUMN_TARGET, _VALUE_MAP]}}]
}


@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "description": "The mapping this job used, as a mapping file holds it (see docs/imports.md).",
        "properties": {
            "kind": {"type": "string"},
            "date_format": {"type": "array", "items": {"type": "string"}},
            "on_error": {"type": "string", "enum": ["reject", "skip"]},
            "history": {"type": "boolean"},
            "create": {"type": "array", "items": {"type": "string"}},
            "columns": {"type": "object", "additionalProperties": _COLUMN_RULE},
        },
    }
)
class MappingSpecField(serializers.JSONField):
    """The mapping copied into an import job."""


class ImportJobSerializer(serializers.ModelSerializer):
    mapping_spec = MappingSpecField(read_only=True, allow_null=True)
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
            "history",
            "live",
            "old_rows",
            "update",
            "encoding",
            "original_name",
            "mapping",
            "mapping_spec",
            "rows_total",
            "rows_done",
            "created_count",
            "updated_count",
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


class HistoryOrLiveSerializer(serializers.Serializer):
    """The 409 of an upload with rows older than the alert windows and neither `history` nor `live`."""

    detail = serializers.CharField(help_text="The question, with the number of old rows and the cut-off day.")
    old_rows = serializers.IntegerField(help_text="Rows older than the alert windows.")
    before = serializers.DateTimeField(help_text="The cut-off: rows before it are older than every alert window.")
    oldest = serializers.DateTimeField(allow_null=True, help_text="The oldest of those rows.")
    choose = StringListField(help_text='The options to send again with: ["history", "live"].')


class ImportUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ImportKind.choices)
    file = serializers.FileField(help_text="CSV (UTF-8 with or without BOM, or GB18030) or XLSX.")
    dry_run = serializers.BooleanField(required=False, default=False, help_text="Validate only; write nothing.")
    mapping = serializers.SlugRelatedField(
        slug_field="name",
        queryset=ImportMapping.objects.all(),
        required=False,
        allow_null=True,
        help_text="Name of a saved mapping for other file layouts.",
    )
    mapping_file = serializers.FileField(
        required=False,
        write_only=True,
        help_text="A mapping file (YAML or JSON, see docs/imports.md) instead of a saved mapping.",
    )
    history = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Past data: no alerts, e-mails or survey invitations for rows older than the alert windows.",
    )
    live = serializers.BooleanField(
        required=False,
        default=False,
        help_text=(
            "Rows older than the alert windows raise live alerts. A file with such rows needs `history` or `live`: "
            "without either it is refused with 409 and nothing is stored."
        ),
    )
    encoding = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=40,
        help_text=(
            "A CSV's encoding as a Python codec name (`gb18030`, `shift_jis`, `cp1252`, `latin-1`, …); empty: "
            "detected (UTF-8 with or without BOM, GB18030). Needed when the import answers that the encoding is "
            "not certain."
        ),
    )
    update = serializers.BooleanField(
        required=False,
        default=True,
        help_text="Rows imported before (same external_id) are updated where they changed; false: skipped as they are.",
    )

    def validate(self, attrs):
        if attrs.get("history") and attrs.get("live"):
            raise serializers.ValidationError({"live": ["Send history or live, not both."]})
        mapping = attrs.get("mapping")
        if mapping is not None and mapping.kind != attrs["kind"]:
            raise serializers.ValidationError(
                {"mapping": [f"This mapping is for {mapping.kind}, not {attrs['kind']}."]}
            )
        upload = attrs.pop("mapping_file", None)
        if upload is not None:
            if mapping is not None:
                raise serializers.ValidationError(
                    {"mapping_file": ["Send a saved mapping or a mapping file, not both."]}
                )
            try:
                attrs["mapping_spec"] = mapping_load(upload.read(), kind=attrs["kind"])
            except DjangoValidationError as exc:
                raise serializers.ValidationError(
                    {"mapping_file": [f"{key}: {' '.join(m)}" for key, m in exc.message_dict.items()]}
                ) from None
        return attrs


@extend_schema_field({"type": "object", "additionalProperties": _COLUMN_RULE})
class MappingColumnsField(serializers.JSONField):
    """Source column → a field name, a list of them, or {field, values}."""


class ImportMappingSerializer(serializers.ModelSerializer):
    """A saved mapping, as the fields of a mapping file; or, written, the text of one (`definition`)."""

    date_format = StringListField(
        source="date_formats", required=False, help_text="strftime patterns tried in order for every date column."
    )
    create = StringListField(required=False, help_text="Referenced rows to create when missing.")
    columns = MappingColumnsField(required=False, help_text="Source column → field(s), with optional value maps.")
    definition = serializers.CharField(
        required=False,
        write_only=True,
        help_text=(
            "Instead of the fields: the whole mapping file (YAML or JSON, see docs/imports.md); errors name its "
            "line. Its `kind`, if given, must agree with `kind`."
        ),
    )
    mapping_file = serializers.SerializerMethodField(help_text="The mapping as a mapping file (YAML).")
    created_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = ImportMapping
        fields = [
            "id",
            "name",
            "kind",
            "date_format",
            "on_error",
            "history",
            "create",
            "columns",
            "definition",
            "mapping_file",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_by", "created_at", "updated_at"]

    def get_mapping_file(self, mapping) -> str:
        return mapping_of(mapping).to_yaml()

    def validate(self, attrs):
        """The mapping checked by the validator the import page uses (`mapping_load` / `mapping_parse`)."""
        saved = self.instance
        kind = attrs.get("kind") or (saved.kind if saved else None)
        definition = attrs.pop("definition", None)
        try:
            if definition is not None:
                spec = mapping_load(definition, kind=kind)
            else:
                data = mapping_of(saved).to_data() if saved is not None and self.partial else {}
                data.pop("kind", None)
                sent = {
                    "date_format": attrs.get("date_formats"),
                    "on_error": attrs.get("on_error"),
                    "history": attrs.get("history"),
                    "create": attrs.get("create"),
                    "columns": attrs.get("columns"),
                }
                data.update({key: value for key, value in sent.items() if value is not None})
                spec = mapping_parse(data, kind=kind)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(
                {
                    ("definition" if definition is not None and key == "mapping" else key): m
                    for key, m in exc.message_dict.items()
                }
            ) from None
        return {"name": attrs.get("name") or (saved.name if saved else ""), "kind": spec.kind, "spec": spec}
