"""OpenAPI examples and response blocks of the feedback operations."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample

from satisfaction.feedback.api import serializers as s

RECORD = {
    "id": 3301,
    "external_id": "FB-2026-11-0042",
    "customer": 42,
    "customer_name": "Huaxin Securities",
    "service_type": "data_analysis",
    "score": 4.5,
    "feedback": "Fast and accurate quarterly analysis.",
    "response_time_hours": 6.0,
    "accuracy_score": 5,
    "completeness_score": 4,
    "channel": "api",
    "ticket": None,
    "complaint": None,
    "self_rated": False,
    "recorded_by": {"id": 5, "username": "crm-sync"},
    "created_at": "2026-11-20T14:02:11+08:00",
}


RECORD_INPUT = {
    "customer_external_id": "C-1001",
    "service_type": "data_analysis",
    "score": 4.5,
    "feedback": "Fast and accurate quarterly analysis.",
    "response_time_hours": 6.0,
    "accuracy_score": 5,
    "completeness_score": 4,
    "external_id": "FB-2026-11-0042",
}


RECORD_ERROR = {
    "score": ["Ensure this value is less than or equal to 5.0."],
    "service_type": ["Object with code=translation does not exist."],
}


RECORD_RESPONSES = {
    201: s.SatisfactionRecordSerializer,
    200: s.SatisfactionRecordSerializer,
}

RECORD_EXAMPLES = [
    OpenApiExample("Feedback from a CRM", value=RECORD_INPUT, request_only=True),
    OpenApiExample("The saved record", value=RECORD, response_only=True, status_codes=["201", "200"]),
    OpenApiExample("Bad fields", value=RECORD_ERROR, response_only=True, status_codes=["400"]),
]

RECORD_DESCRIPTION = (
    "Records one piece of customer feedback through the same service the form uses (staff and managers). "
    "Give the customer by `customer` (id) or `customer_external_id`. "
    "Idempotent on `external_id`: the first call answers 201 with the new record; a retry with the same "
    "`external_id` answers 200 with the record saved first and creates nothing. "
    "Bad input answers 400 with each field and the reason."
)
