"""OpenAPI examples of the crm resources."""

SERVICE_TYPE = {
    "id": 1,
    "code": "data_analysis",
    "name_en": "Data analysis",
    "name_zh": "数据分析",
    "is_active": True,
    "sort_order": 1,
}


CUSTOMER = {
    "id": 42,
    "external_id": "C-1001",
    "name": "Huaxin Securities",
    "industry": "Finance",
    "tier": "key",
    "created_at": "2026-03-02T09:30:00+08:00",
    "segment_priority": 1,
    "on_watchlist": False,
    "contact_count": 3,
    "record_count": 57,
}


CUSTOMER_INPUT = {"external_id": "C-1001", "name": "Huaxin Securities", "industry": "Finance", "tier": "key"}


CONTACT = {
    "id": 7,
    "external_id": "P-301",
    "customer": 42,
    "name": "Li Wei",
    "contact_priority": 1,
    "email": "li.wei@example.com",
    "phone": "+86 21 5555 0101",
    "language": "zh-hans",
}


CONTACT_INPUT = {k: v for k, v in CONTACT.items() if k != "id"}


CONTRACT = {
    "id": 12,
    "external_id": "HT-2026-018",
    "customer": 42,
    "number": "HT-2026-018",
    "service_type": "legal_consultation",
    "start_date": "2026-01-01",
    "end_date": "2026-12-31",
    "value": "480000.00",
}


CONTRACT_INPUT = {k: v for k, v in CONTRACT.items() if k != "id"}
