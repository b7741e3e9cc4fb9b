"""OpenAPI examples of the import operations."""

from __future__ import annotations

IMPORT_JOB = {
    "id": 31,
    "kind": "feedback",
    "status": "succeeded",
    "dry_run": False,
    "history": False,
    "live": False,
    "old_rows": 0,
    "update": True,
    "encoding": "",
    "original_name": "feedback-2026-11.csv",
    "mapping": None,
    "mapping_spec": None,
    "rows_total": 1200,
    "rows_done": 1200,
    "created_count": 1180,
    "updated_count": 0,
    "skipped_count": 20,
    "error_count": 0,
    "errors_preview": [],
    "unknown_columns": [],
    "message": "",
    "error_report_url": "/imports/31/errors.csv",
    "files_removed": False,
    "files_purged_at": None,
    "created_by": {"id": 5, "username": "crm-sync"},
    "created_at": "2026-11-23T09:00:00+08:00",
    "started_at": "2026-11-23T09:00:01+08:00",
    "finished_at": "2026-11-23T09:00:04+08:00",
}

HISTORY_OR_LIVE = {
    "detail": (
        "1,681 rows are older than the alert windows (before 2026-09-02). Import the file as history (no alerts, "
        "e-mails, watch-list entries or survey invitations for them), or raise live alerts for them?"
    ),
    "old_rows": 1681,
    "before": "2026-09-02T09:00:00+08:00",
    "oldest": "2021-01-03T08:12:00+08:00",
    "choose": ["history", "live"],
}

IMPORT_MAPPING = {
    "id": 4,
    "name": "Helpdesk export",
    "kind": "feedback",
    "date_format": ["%d-%m-%Y %H:%M"],
    "on_error": "skip",
    "history": True,
    "create": ["customer", "service_type"],
    "columns": {
        "Ticket ID": "external_id",
        "Customer Email": "customer",
        "Customer Name": "customer.name",
        "Ticket Channel": {"field": "channel", "values": {"Email": "survey", "Phone": "form"}},
        "Ticket Priority": "-",
    },
    "mapping_file": "kind: feedback\ndate_format:\n- '%d-%m-%Y %H:%M'\non_error: skip\nhistory: true\n…",
    "created_by": {"id": 5, "username": "li.na"},
    "created_at": "2026-11-20T10:00:00+08:00",
    "updated_at": "2026-11-21T16:30:00+08:00",
}
IMPORT_MAPPING_INPUT = {
    "name": "Helpdesk export",
    "kind": "feedback",
    "on_error": "skip",
    "columns": {"Ticket ID": "external_id", "Customer Email": "customer", "Ticket Priority": "-"},
}
