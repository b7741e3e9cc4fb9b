"""Reference data every installation needs: the three service types, the 95% target and the role groups.

Created by a data migration; tests call `ensure_reference_data` again after a transactional test flushed it.
"""

SERVICE_TYPES = [
    ("data_analysis", "Data analysis", "数据分析", 1),
    ("legal_consultation", "Legal consultation", "法律咨询", 2),
    ("document_review", "Document review", "文档审查", 3),
]
DEFAULT_TARGET = 0.95


def ensure_reference_data(apps=None) -> None:
    """Create what is missing; never changes rows an admin edited."""
    if apps is None:
        from django.apps import apps
    from core.roles import sync_role_groups

    ServiceType = apps.get_model("satisfaction", "ServiceType")
    SatisfactionTarget = apps.get_model("satisfaction", "SatisfactionTarget")
    for code, name_en, name_zh, order in SERVICE_TYPES:
        ServiceType.objects.get_or_create(
            code=code, defaults={"name_en": name_en, "name_zh": name_zh, "sort_order": order}
        )
    if not SatisfactionTarget.objects.filter(metric="satisfaction_rate", service_type=None).exists():
        SatisfactionTarget.objects.create(
            name="Overall satisfaction rate", metric="satisfaction_rate", target_value=DEFAULT_TARGET, period="month"
        )
    Group = apps.get_model("auth", "Group")
    if Group.objects.filter(name__in=["staff", "manager"]).count() < 2:
        sync_role_groups(apps)
