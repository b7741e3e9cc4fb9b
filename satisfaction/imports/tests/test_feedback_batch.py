"""The batch write path for feedback: the same field rules as record_satisfaction, all or nothing, idempotent."""

import io
from decimal import Decimal

import pandas as pd
import pytest
from django.core.exceptions import ValidationError

from satisfaction.feedback import services as feedback_service
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.feedback.services import record_satisfaction, record_satisfaction_batch
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db


def _row(i=1, **overrides):
    return {"external_id": f"R-{i}", "customer": "C-1", "service_type": "data_analysis", "score": "4.5", **overrides}


@pytest.fixture
def customer():
    return f.CustomerFactory(external_id="C-1")


def test_valid_rows_are_saved_with_their_values(customer, staff_user):
    rows = [
        _row(1, score="4.3", feedback="  很好  ", accuracy_score="4", completeness_score="5.0",
             response_time_hours="2.5", created_at="2024-03-31 14:30", service_type="法律咨询"),
        _row(2, score=2, service_type="Document review", channel="问卷"),
    ]  # fmt: skip
    result = record_satisfaction_batch(rows=rows, recorded_by=staff_user)
    assert (result.created, result.skipped, result.error_count, result.written) == (2, 0, 0, True)
    first = SatisfactionRecord.objects.get(external_id="R-1")
    assert first.score == Decimal("4.3") and first.feedback == "很好"
    assert (first.accuracy_score, first.completeness_score, first.response_time_hours) == (4, 5, 2.5)
    assert first.service_type.code == "legal_consultation" and first.channel == "import"
    assert first.customer == customer and first.recorded_by == staff_user
    assert first.created_at.isoformat() == "2024-03-31T06:30:00+00:00"  # 14:30 in Asia/Shanghai
    second = SatisfactionRecord.objects.get(external_id="R-2")
    assert (second.service_type.code, second.channel, second.score) == ("document_review", "survey", Decimal("2.0"))
    assert sorted(result.created_ids) == sorted(SatisfactionRecord.objects.values_list("pk", flat=True))


def test_reimport_creates_nothing(customer):
    rows = [_row(i) for i in range(1, 6)]
    assert record_satisfaction_batch(rows=rows).created == 5
    again = record_satisfaction_batch(rows=rows)
    assert (again.created, again.skipped, again.error_count) == (0, 5, 0)
    assert SatisfactionRecord.objects.count() == 5


def test_one_bad_row_writes_nothing_and_every_error_is_reported(customer):
    rows = [_row(1), _row(2, score="6"), _row(3), _row(4, customer="NOPE", accuracy_score="9")]
    result = record_satisfaction_batch(rows=rows)
    assert not result.written and result.created == 0
    assert SatisfactionRecord.objects.count() == 0
    assert {(e.row, e.column) for e in result.errors} == {(2, "score"), (4, "customer"), (4, "accuracy_score")}
    assert {e.value for e in result.errors} == {"6", "NOPE", "9"}


def test_repeated_id_in_the_same_batch_is_an_error(customer):
    result = record_satisfaction_batch(rows=[_row(1), _row(2), _row(1, score="3")])
    assert [(e.row, e.column, e.reason) for e in result.errors] == [
        (3, "external_id", "Duplicate id: row 1 has the same id.")
    ]
    assert SatisfactionRecord.objects.count() == 0


def test_dry_run_validates_and_writes_nothing(customer):
    result = record_satisfaction_batch(rows=[_row(1), _row(2)], dry_run=True)
    assert (result.rows_total, result.error_count, result.written) == (2, 0, False)
    assert SatisfactionRecord.objects.count() == 0


# The cases of test_services_feedback, run through both write paths: each must name the same field.
INVALID = [
    ({"score": 6}, "score"),
    ({"score": "0.5"}, "score"),
    ({"score": "abc"}, "score"),
    ({"score": None}, "score"),
    ({"score": "4.25"}, "score"),
    ({"score": "nan"}, "score"),
    ({"accuracy_score": 7}, "accuracy_score"),
    ({"accuracy_score": "4.5"}, "accuracy_score"),
    ({"completeness_score": 0}, "completeness_score"),
    ({"response_time_hours": -3}, "response_time_hours"),
    ({"response_time_hours": "inf"}, "response_time_hours"),
    ({"service_type": "astrology"}, "service_type"),
    ({"channel": "fax"}, "channel"),
    ({"created_at": "yesterday"}, "created_at"),
]


@pytest.mark.parametrize(("bad", "field"), INVALID)
def test_both_paths_reject_the_same_values(customer, bad, field):
    single = {"customer": customer, "service_type": "data_analysis", "score": 4, **bad}
    with pytest.raises(ValidationError) as exc:
        record_satisfaction(**single)
    assert field in exc.value.message_dict
    result = record_satisfaction_batch(rows=[_row(1, **{k: v for k, v in bad.items()})])
    assert [e.column for e in result.errors] == [field]
    assert SatisfactionRecord.objects.count() == 0


@pytest.mark.parametrize(
    ("value", "expected"), [("4", Decimal("4.0")), ("4.50", Decimal("4.5")), (3.0, Decimal("3.0")), ("1.0", 1)]
)
def test_both_paths_accept_the_same_scores(customer, value, expected):
    record, _ = record_satisfaction(customer=customer, service_type="data_analysis", score=value)
    record_satisfaction_batch(rows=[_row(1, score=value)])
    batch = SatisfactionRecord.objects.get(external_id="R-1")
    record.refresh_from_db()
    assert record.score == batch.score == Decimal(expected)


def test_ticket_link_checks_customer_and_marks_self_rating(customer, staff_user):
    own = f.TicketFactory(external_id="T-1", contract=f.ContractFactory(customer=customer), agent=staff_user)
    f.TicketFactory(external_id="T-2")  # another customer's ticket
    result = record_satisfaction_batch(rows=[_row(1, ticket="T-2"), _row(2, ticket="T-X")], recorded_by=staff_user)
    assert [(e.row, e.column) for e in result.errors] == [(1, "ticket"), (2, "ticket")]
    assert "another customer" in result.errors[0].reason
    result = record_satisfaction_batch(rows=[_row(1, ticket="T-1")], recorded_by=staff_user)
    record = SatisfactionRecord.objects.get()
    assert record.ticket == own and record.self_rated


def test_batch_hook_runs_once_on_commit_with_the_new_ids(customer, django_capture_on_commit_callbacks):
    calls = []
    with feedback_service.hooks_replaced(after_batch=[]):
        feedback_service.register_after_batch_hook(calls.append)
        feedback_service.register_after_batch_hook(calls.append)  # registering twice keeps one subscription
        with django_capture_on_commit_callbacks(execute=True):
            result = record_satisfaction_batch(rows=[_row(i) for i in range(1, 4)])
        assert calls == [result.created_ids] and len(result.created_ids) == 3
        with django_capture_on_commit_callbacks(execute=True):
            record_satisfaction_batch(rows=[_row(i) for i in range(1, 4)])  # a re-import creates nothing
    assert len(calls) == 1


def test_a_failing_batch_hook_does_not_fail_the_import(customer, django_capture_on_commit_callbacks):
    def broker_down(record_ids):
        raise ConnectionError("broker unavailable")

    with feedback_service.hooks_replaced(after_batch=[broker_down]), django_capture_on_commit_callbacks(execute=True):
        result = record_satisfaction_batch(rows=[_row(1)])
    assert result.created == 1 and SatisfactionRecord.objects.count() == 1


def test_chunked_import_matches_an_independent_reading_of_the_file(customer):
    """5,000 rows over several chunks: counts and score statistics equal pandas' reading of the same CSV."""
    f.CustomerFactory(external_id="C-2")
    lines = ["记录ID,客户ID,服务类型,评分"]
    for i in range(5000):
        lines.append(
            f"R-{i},C-{1 + i % 2},{('数据分析', '法律咨询', 'document_review')[i % 3]},{1 + (i * 7 % 41) / 10}"
        )
    frame = pd.read_csv(io.StringIO("\n".join(lines)))
    rows = (
        (n, {"external_id": r, "customer": c, "service_type": s, "score": str(v)})
        for n, (r, c, s, v) in enumerate(frame.itertuples(index=False), start=2)
    )
    result = record_satisfaction_batch(rows=rows)
    assert (result.rows_total, result.created, result.error_count) == (5000, 5000, 0)
    saved = pd.DataFrame.from_records(
        SatisfactionRecord.objects.values("external_id", "score", "customer__external_id")
    ).astype({"score": float})
    assert saved["score"].mean() == pytest.approx(frame["评分"].mean(), abs=1e-9)
    assert (saved["score"] >= 4).sum() == (frame["评分"] >= 4).sum()
    assert saved.groupby("customer__external_id").size().to_dict() == frame.groupby("客户ID").size().to_dict()
