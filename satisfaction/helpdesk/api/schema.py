"""OpenAPI examples of the helpdesk resources."""

TICKET = {
    "id": 905,
    "external_id": "T-88120",
    "contract": 12,
    "customer": 42,
    "service_type": "legal_consultation",
    "segment_priority": 1,
    "opened_at": "2026-11-02T10:15:00+08:00",
    "closed_at": "2026-11-03T16:40:00+08:00",
    "handling_hours": 30.4,
    "urgency": "high",
    "ticket_priority": "high",
    "satisfaction": 4,
    "follow_up": True,
    "is_internal": False,
    "agent": None,
    "agent_name": "Zhang Min",
}


TICKET_INPUT = {k: v for k, v in TICKET.items() if k not in ("id", "customer", "service_type", "segment_priority")}


COMPLAINT = {
    "id": 77,
    "external_id": "TS-5521",
    "contract": 12,
    "customer": 42,
    "service_type": "legal_consultation",
    "segment_priority": 1,
    "filed_at": "2026-11-04T09:00:00+08:00",
    "responded_at": "2026-11-04T11:30:00+08:00",
    "resolved_at": "2026-11-06T17:00:00+08:00",
    "response_hours": 2.5,
    "resolution_hours": 56.0,
    "satisfaction": 2,
    "escalated": True,
    "urgency": "high",
    "handling_speed": "slow",
    "agent": None,
    "agent_name": "Wang Fang",
}


COMPLAINT_INPUT = {
    k: v for k, v in COMPLAINT.items() if k not in ("id", "customer", "service_type", "segment_priority")
}
