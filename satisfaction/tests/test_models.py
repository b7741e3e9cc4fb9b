"""Model-level behaviour: segment priority annotation, localized names."""

import pytest
from django.db.models import Count
from django.utils import translation

from satisfaction.crm.models import Customer, ServiceType, segment_priority_subquery
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.tests import factories as f


@pytest.mark.django_db
def test_segment_priority_is_min_contact_priority_and_usable_in_filters_and_aggregation():
    a, b, c = f.CustomerFactory(name="A"), f.CustomerFactory(name="B"), f.CustomerFactory(name="C")
    f.ContactFactory(customer=a, contact_priority=3)
    f.ContactFactory(customer=a, contact_priority=1)
    f.ContactFactory(customer=b, contact_priority=2)
    # c has no contacts: no segment
    annotated = {x.name: x.segment_priority for x in Customer.objects.with_segment_priority()}
    assert annotated == {"A": 1, "B": 2, "C": None}
    assert list(Customer.objects.with_segment_priority().filter(segment_priority=1)) == [a]
    assert list(Customer.objects.in_segment(2)) == [b]
    by_segment = dict(
        Customer.objects.with_segment_priority().values_list("segment_priority").annotate(n=Count("id", distinct=True))
    )
    assert by_segment == {1: 1, 2: 1, None: 1}

    f.RecordFactory(customer=a)
    f.RecordFactory(customer=c)
    seg = SatisfactionRecord.objects.annotate(seg=segment_priority_subquery("customer_id"))
    assert sorted(seg.values_list("seg", flat=True), key=str) == sorted([1, None], key=str)


@pytest.mark.django_db
def test_service_type_name_follows_language():
    st = ServiceType.objects.get(code="legal_consultation")
    with translation.override("zh-hans"):
        assert st.name == "法律咨询"
    with translation.override("en"):
        assert str(st) == "Legal consultation"


@pytest.mark.django_db
def test_reference_data_from_migrations():
    from django.contrib.auth.models import Group

    from satisfaction.feedback.models import SatisfactionTarget

    assert set(ServiceType.objects.values_list("code", flat=True)) == {
        "data_analysis",
        "legal_consultation",
        "document_review",
    }
    target = SatisfactionTarget.objects.get(service_type=None, metric="satisfaction_rate")
    assert target.target_value == 0.95
    staff = set(Group.objects.get(name="staff").permissions.values_list("codename", flat=True))
    manager = set(Group.objects.get(name="manager").permissions.values_list("codename", flat=True))
    assert "add_satisfactionrecord" in staff and "change_satisfactionalert" not in staff
    assert staff < manager and "change_satisfactionalert" in manager
