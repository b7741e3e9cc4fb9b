"""Reference data every installation needs: service types, the 95% target, the role groups and the text topics.

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
    from satisfaction.text.seed import SEED_TOPICS

    try:
        Topic = apps.get_model("satisfaction", "Topic")
    except LookupError:  # an early migration runs this before the topic table exists (0009 seeds them)
        Topic = None
    if Topic is not None and not Topic.objects.exists():
        for position, (code, label_en, label_zh, keywords_en, keywords_zh) in enumerate(SEED_TOPICS):
            Topic.objects.create(
                code=code,
                label_en=label_en,
                label_zh=label_zh,
                keywords_en=keywords_en,
                keywords_zh=keywords_zh,
                position=position,
            )
    Group = apps.get_model("auth", "Group")
    if Group.objects.filter(name__in=["staff", "manager"]).count() < 2:
        sync_role_groups(apps)
