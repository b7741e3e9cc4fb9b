"""A bulk import of feedback enqueues alert evaluation once, after the batch commits."""

import pytest

from satisfaction.alerts.models import SatisfactionAlert
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.feedback.services import record_satisfaction_batch
from satisfaction.tests import factories as f


@pytest.mark.django_db
def test_imported_low_scores_raise_alerts_after_commit(django_capture_on_commit_callbacks):
    customers = [f.CustomerFactory(external_id=f"C-{i}") for i in range(3)]
    rows = [
        {"external_id": f"IMP-{i}", "customer": c.external_id, "service_type": "document_review", "score": score}
        for i, (c, score) in enumerate(zip(customers, ["2.0", "4.8", "3.4"], strict=True))
    ]
    with django_capture_on_commit_callbacks(execute=True):
        record_satisfaction_batch(rows=rows)
    assert not SatisfactionRecord.objects.filter(alerts_evaluated_at__isnull=True).exists()
    low = SatisfactionAlert.objects.filter(kind="low_score").order_by("value")
    assert [(a.customer.external_id, a.value, a.severity) for a in low] == [
        ("C-0", 2.0, "high"),
        ("C-2", 3.4, "medium"),
    ]
