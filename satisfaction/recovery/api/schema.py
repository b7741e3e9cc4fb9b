"""Examples for the recovery-case API documentation."""

ATTEMPT = {
    "id": 7,
    "at": "2026-11-21T10:15:00+08:00",
    "channel": "phone",
    "reached": True,
    "note": "Apologised; re-did the brief.",
    "by": {"id": 3, "username": "cx-manager"},
}

CASE = {
    "id": 12,
    "record": 901,
    "score": "2.0",
    "customer": 42,
    "customer_name": "Huaxin Securities",
    "service_type": "legal_consultation",
    "owner": {"id": 5, "username": "li.wei"},
    "status": "contacted",
    "opened_at": "2026-11-20T15:00:05+08:00",
    "due_at": "2026-11-22T15:00:00+08:00",
    "overdue": False,
    "first_contact_at": "2026-11-21T10:15:00+08:00",
    "closed_at": None,
    "closed_by": None,
    "outcome": "",
    "root_cause_topic": None,
    "root_cause": "",
    "closing_note": "",
    "resurvey_sent_at": None,
    "recovery_score": None,
    "alerts": [18],
    "attempts": [ATTEMPT],
}

CASE_CLOSED = {
    **CASE,
    "status": "closed",
    "closed_at": "2026-11-21T10:20:00+08:00",
    "closed_by": {"id": 3, "username": "cx-manager"},
    "outcome": "recovered",
    "root_cause_topic": "accuracy",
    "root_cause": "Brief misread",
    "resurvey_sent_at": "2026-11-21T10:20:00+08:00",
}
