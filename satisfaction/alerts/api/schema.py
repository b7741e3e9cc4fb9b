"""OpenAPI examples of the alert operations."""

from __future__ import annotations

ALERT = {
    "id": 18,
    "kind": "low_score",
    "severity": "high",
    "status": "open",
    "customer": 42,
    "customer_name": "Huaxin Securities",
    "service_type": "legal_consultation",
    "record": 3302,
    "complaint": None,
    "value": 1.5,
    "threshold": 2.0,
    "evidence": {"score": 1.5},
    "message_en": "Huaxin Securities rated legal consultation 1.5.",
    "message_zh": "华鑫证券对法律咨询的评分为 1.5。",
    "occurrences": 1,
    "created_at": "2026-11-20T15:00:00+08:00",
    "last_seen_at": "2026-11-20T15:00:00+08:00",
    "acknowledged_at": None,
    "acknowledged_by": None,
    "resolved_at": None,
    "resolved_by": None,
    "resolution_note": "",
    "recovery_case": 12,
}


WATCH_ENTRY = {
    "id": 4,
    "customer": 42,
    "customer_name": "Huaxin Securities",
    "segment_priority": 1,
    "reason": "alert",
    "note": "Two low scores in a week.",
    "alert": 18,
    "added_by": None,
    "owner": {"id": 3, "username": "cx-manager"},
    "since": "2026-11-20T15:00:00+08:00",
    "removed_at": None,
    "removal_note": "",
    "is_active": True,
}


ALERT_RESOLVED = {**ALERT, "status": "resolved", "resolution_note": "Called the customer; re-did the brief."}
