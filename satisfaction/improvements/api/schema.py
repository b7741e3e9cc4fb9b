"""OpenAPI examples of the improvement operations."""

from __future__ import annotations

SUGGESTION = {
    "id": 9,
    "rule_code": "service_below_target",
    "priority": "high",
    "category": "process",
    "title_en": "Legal consultation is below the 95% target",
    "title_zh": "法律咨询满意率低于 95% 目标",
    "rationale_en": "Satisfaction rate 82% (n = 120, 95% CI 74%–88%).",
    "rationale_zh": "满意率 82%（n = 120，95% 置信区间 74%–88%）。",
    "actions_en": "Review the intake checklist with the team.",
    "actions_zh": "与团队复盘受理清单。",
    "expected_impact_en": "+5 points of satisfaction rate",
    "expected_impact_zh": "满意率提升 5 个百分点",
    "impact_points": 5.0,
    "evidence": {"rate": 0.82, "n": 120},
    "service_type": "legal_consultation",
    "customer": None,
    "segment_priority": None,
    "status": "new",
    "decided_by": None,
    "decided_at": None,
    "dismissed_reason": "",
    "created_at": "2026-11-21T02:00:00+08:00",
}


MEASURE = {
    "id": 6,
    "title": "Intake checklist for legal consultation",
    "description": "",
    "category": "process",
    "priority": "high",
    "service_type": "legal_consultation",
    "customer": None,
    "segment_priority": None,
    "owner": {"id": 3, "username": "cx-manager"},
    "status": "in_progress",
    "start_date": "2026-11-21",
    "target_date": "2027-01-31",
    "completed_at": None,
    "expected_impact": "+5 points of satisfaction rate",
    "baseline": {"satisfaction_rate": 0.82, "count": 120},
    "suggestion": 9,
    "task_count": 3,
    "open_task_count": 2,
    "done_task_count": 1,
    "created_at": "2026-11-21T09:00:00+08:00",
    "updated_at": "2026-11-22T09:00:00+08:00",
}


TASK = {
    "id": 14,
    "measure": 6,
    "measure_title": "Intake checklist for legal consultation",
    "title": "Draft the checklist",
    "assignee": {"id": 8, "username": "lead-legal"},
    "due_date": "2026-12-05",
    "status": "in_progress",
    "progress": 40,
    "completed_at": None,
    "is_overdue": False,
    "created_at": "2026-11-21T09:05:00+08:00",
    "updated_at": "2026-11-22T11:00:00+08:00",
}


MEASURE_FROM_SUGGESTION = {**MEASURE, "status": "planned", "task_count": 0, "open_task_count": 0}

MEASURE_FROM_SUGGESTION.update(done_task_count=0, progress=0)

MEASURE_INPUT = {
    "title": MEASURE["title"],
    "category": "process",
    "priority": "high",
    "service_type": "legal_consultation",
    "owner": 3,
    "start_date": "2026-11-21",
    "target_date": "2027-01-31",
    "expected_impact": "+5 points of satisfaction rate",
}

TASK_INPUT = {"measure": 6, "title": "Draft the checklist", "assignee": 8, "due_date": "2026-12-05"}
