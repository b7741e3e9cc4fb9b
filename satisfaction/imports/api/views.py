"""API of file imports: upload a file, follow its job; the saved mappings."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import mixins, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from core.api.views import (
    ReadOnlyResourceViewSet,
    WritableResourceViewSet,
    call_service,
    resource_docs,
    valid_input,
)
from core.roles import STAFF
from satisfaction.imports import selectors
from satisfaction.imports.api import serializers as s
from satisfaction.imports.api.schema import HISTORY_OR_LIVE, IMPORT_JOB, IMPORT_MAPPING, IMPORT_MAPPING_INPUT
from satisfaction.imports.history import old_rows_in_upload
from satisfaction.imports.services import (
    import_job_create,
    import_jobs_fail_stale,
    import_mapping_delete,
    import_mapping_save,
)


@resource_docs(
    "import job",
    "import jobs",
    IMPORT_JOB,
    create=extend_schema(
        summary="Import a file",
        description=(
            "Uploads a CSV or XLSX file of customers, contacts, contracts, tickets, complaints or feedback "
            "(multipart: `kind`, `file`, optional `dry_run`, `history`, and `mapping` (a saved mapping's name) or "
            "`mapping_file` (YAML/JSON: columns, value maps, date formats, `on_error`, `create`), `encoding`) and "
            "starts the "
            "same import the import page runs (staff and managers). Answers 202 with the job; poll "
            "`GET /api/v1/imports/{id}/` for `rows_done` / `rows_total` and the outcome. By default a file imports "
            "all-or-nothing: any row error rejects it; with `on_error: skip` the valid rows are written. "
            "`error_report_url` lists every error (row, column, value, reason). Re-importing the same file "
            "creates no duplicates (`external_id`). Staff see their own jobs, managers all. A file with rows older "
            "than the alert windows (feedback by its time, tickets by their closing, complaints by their resolution) "
            "needs `history=true` (past data: no alerts, e-mails, watch-list entries or survey invitations) or "
            "`live=true` (raise live alerts); without either the upload answers 409 naming both, and stores nothing."
        ),
        request={"multipart/form-data": s.ImportUploadSerializer},
        responses={202: s.ImportJobSerializer, 409: s.HistoryOrLiveSerializer},
        examples=[
            OpenApiExample(
                "Job",
                value={**IMPORT_JOB, "status": "pending", "rows_done": 0},
                response_only=True,
                status_codes=["202"],
            ),
            OpenApiExample("History or live", value=HISTORY_OR_LIVE, response_only=True, status_codes=["409"]),
        ],
    ),
)
class ImportJobViewSet(mixins.CreateModelMixin, ReadOnlyResourceViewSet):
    selector = staticmethod(selectors.import_job_list)
    serializer_class = s.ImportJobSerializer
    filterset_fields = ["kind", "status", "dry_run"]
    ordering_fields = ["created_at", "finished_at"]
    parser_classes = [MultiPartParser, FormParser]
    action_roles = {"create": STAFF}

    def get_queryset(self):
        # Staff see their own jobs (404 for the others'), managers every job.
        if getattr(self, "swagger_fake_view", False):
            return selectors.import_job_list()
        return selectors.import_job_list(user=self.request.user)

    def list(self, request, *args, **kwargs):
        import_jobs_fail_stale()
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        import_jobs_fail_stale()
        return super().retrieve(request, *args, **kwargs)

    def create(self, request, *args, **kwargs):
        data = valid_input(s.ImportUploadSerializer, request)
        spec = data.get("mapping_spec") or data.get("mapping")
        if not (data["dry_run"] or data["history"] or data["live"] or getattr(spec, "history", False)):
            # Counted here, so the answer can say so before anything is stored or raised.
            found = call_service(
                old_rows_in_upload,
                upload=data["file"],
                kind=data["kind"],
                mapping=spec,
                encoding=data.get("encoding", ""),
            )
            if found.count:
                return Response(
                    {
                        "detail": found.message(),
                        "old_rows": found.count,
                        "before": found.before.isoformat(),
                        "oldest": found.oldest.isoformat() if found.oldest else None,
                        "choose": ["history", "live"],
                    },
                    status=status.HTTP_409_CONFLICT,
                )
            data["old_rows"] = 0
        job = call_service(import_job_create, created_by=request.user, **data)
        # With tasks run eagerly the job has already finished when the transaction committed; re-read it.
        shown = self.get_queryset().get(pk=job.pk)
        return Response(s.ImportJobSerializer(shown).data, status=status.HTTP_202_ACCEPTED)


_MAPPING_WRITE = (
    "Send the fields of a mapping file (`kind`, `columns`, `date_format`, `on_error`, `history`, `create`) or its "
    "whole text as `definition` (YAML or JSON, see docs/imports.md). It is checked as the import page checks it: "
    "an unknown or twice-fed field is a 400 naming the column and, for a `definition`, its line. Staff and "
    "managers; staff change the mappings they saved."
)


@resource_docs(
    "saved import mapping",
    "saved import mappings",
    IMPORT_MAPPING,
    IMPORT_MAPPING_INPUT,
    list=extend_schema(
        summary="List saved import mappings",
        description=(
            "Mappings saved by name, usable in an upload as `mapping`. Staff see the ones they saved, managers all."
        ),
        examples=[OpenApiExample("A saved import mapping", value=IMPORT_MAPPING, response_only=True)],
    ),
    create=extend_schema(
        summary="Save an import mapping",
        description=_MAPPING_WRITE,
        examples=[
            OpenApiExample("New mapping", value=IMPORT_MAPPING_INPUT, request_only=True),
            OpenApiExample(
                "As a mapping file",
                value={
                    "name": "Helpdesk export",
                    "kind": "feedback",
                    "definition": "columns:\n  Ticket ID: external_id\n",
                },
                request_only=True,
            ),
            OpenApiExample("Saved", value=IMPORT_MAPPING, response_only=True),
        ],
    ),
    update=extend_schema(
        summary="Replace a saved import mapping",
        description=_MAPPING_WRITE,
        examples=[
            OpenApiExample("Mapping", value=IMPORT_MAPPING_INPUT, request_only=True),
            OpenApiExample("Saved", value=IMPORT_MAPPING, response_only=True),
        ],
    ),
    partial_update=extend_schema(
        summary="Change a saved import mapping",
        description="Changes the fields sent and keeps the others (a `definition` replaces the whole mapping).",
        examples=[
            OpenApiExample("Rename", value={"name": "Helpdesk 2021"}, request_only=True),
            OpenApiExample("Saved", value=IMPORT_MAPPING, response_only=True),
        ],
    ),
    destroy=extend_schema(
        summary="Delete a saved import mapping",
        description="Jobs that used it keep their own copy (`mapping_spec`). Answers 204 with no body.",
        examples=[
            OpenApiExample(
                "Not yours or gone",
                value={"detail": "No ImportMapping matches the given query."},
                response_only=True,
                status_codes=["404"],
            )
        ],
    ),
)
class ImportMappingViewSet(mixins.DestroyModelMixin, WritableResourceViewSet):
    selector = staticmethod(selectors.import_mapping_list)
    serializer_class = s.ImportMappingSerializer
    filterset_fields = ["kind"]
    ordering_fields = ["name", "kind", "updated_at"]
    write_role = STAFF

    def get_queryset(self):
        # As for jobs: staff see and change their own mappings (404 for the others'), managers every mapping.
        if getattr(self, "swagger_fake_view", False):
            return selectors.import_mapping_list()
        return selectors.import_mapping_list(user=self.request.user)

    def create_instance(self, serializer):
        return import_mapping_save(**serializer.validated_data, created_by=self.request.user)

    def update_instance(self, serializer):
        return import_mapping_save(**serializer.validated_data, mapping=serializer.instance)

    def perform_destroy(self, instance):
        import_mapping_delete(mapping=instance)
