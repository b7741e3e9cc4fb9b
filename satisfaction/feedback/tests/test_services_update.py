"""Changing saved records: `record_update` (a manual edit) and `record_update_many` (a re-import) are one path."""

from decimal import Decimal

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from satisfaction.alerts.models import SatisfactionAlert
from satisfaction.feedback import services as feedback
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.feedback.services import record_satisfaction, record_update, record_update_many
from satisfaction.recovery.models import RecoveryCase
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db

# (score, feedback) as first recorded, then the change: a late bad rating, a corrected text, both, and a "change"
# to the values already stored (the contrary case: nothing to do).
CASES = [
    ("4.5", "fine", {"score": "1.5"}),
    ("4.0", "ok", {"feedback": "slow answers"}),
    ("5.0", "great", {"score": "2.0", "feedback": "it broke"}),
    ("3.5", "meh", {"score": "3.5", "feedback": "meh"}),
]


def _records(tag: str) -> list[SatisfactionRecord]:
    """One record per case, each for a customer of its own, evaluated once as it was saved."""
    records = []
    for i, (score, text, _change) in enumerate(CASES):
        customer = f.CustomerFactory(name=f"{tag} customer {i}")
        record, _ = record_satisfaction(
            customer=customer, service_type="data_analysis", score=score, feedback=text, external_id=f"{tag}-{i}"
        )
        records.append(record)
    SatisfactionRecord.objects.update(alerts_evaluated_at=timezone.now())
    return records


def _state(record: SatisfactionRecord) -> dict:
    """What a change leaves behind for one record: its values, its audit entries, its alerts and recovery case."""
    record.refresh_from_db()
    entries = LogEntry.objects.get_for_object(record).filter(action=LogEntry.Action.UPDATE).order_by("pk")
    return {
        "values": {name: getattr(record, name) for name in feedback.RECORD_EDITABLE_FIELDS},
        "evaluated": record.alerts_evaluated_at is not None,
        "entries": [
            ({k: v for k, v in e.changes_dict.items() if k != "alerts_evaluated_at"}, e.actor_id) for e in entries
        ],
        "entry_repr": [e.object_repr.split(" · ", 1)[1] for e in entries],
        "alerts": sorted(SatisfactionAlert.objects.filter(record=record).values_list("kind", flat=True)),
        "cases": RecoveryCase.objects.filter(record=record).count(),
    }


def test_many_changes_leave_what_as_many_single_edits_leave(manager_user, django_capture_on_commit_callbacks):
    singles, many = _records("A"), _records("B")
    with set_actor(manager_user), django_capture_on_commit_callbacks(execute=True):
        for record, (*_first, change) in zip(singles, CASES, strict=True):
            record_update(record=record, data=change)
    with set_actor(manager_user), django_capture_on_commit_callbacks(execute=True):
        changed = record_update_many(changes=[(r.pk, change) for r, (*_first, change) in zip(many, CASES, strict=True)])
    assert changed == [r.pk for r in many[:3]]
    for one, other in zip(singles, many, strict=True):
        assert _state(one) == _state(other)
    # Checked by hand, so the two paths cannot agree on something wrong.
    late, text, both, same = (_state(r) for r in many)
    assert late["values"]["score"] == Decimal("1.5")
    assert late["entries"] == [({"score": ["4.5", "1.5"]}, manager_user.pk)]
    assert late["alerts"] == ["low_score"] and late["cases"] == 1 and late["evaluated"]
    assert text["values"]["feedback"] == "slow answers" and text["alerts"] == [] and text["cases"] == 0
    assert both["entries"][0][0] == {"score": ["5.0", "2.0"], "feedback": ["great", "it broke"]}
    assert both["alerts"] == ["low_score"]
    # The contrary case: a change to the values already stored writes nothing and evaluates nothing again.
    assert same == {**same, "entries": [], "alerts": [], "cases": 0, "evaluated": True}


def test_the_after_batch_hooks_run_once_for_the_changed_records_only(django_capture_on_commit_callbacks):
    records = _records("C")
    batches, singles = [], []
    changes = [(r.pk, change) for r, (*_first, change) in zip(records, CASES, strict=True)]
    with (
        feedback.hooks_replaced(after_record=[singles.append], after_batch=[batches.append]),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        record_update_many(changes=changes)
    assert batches == [[r.pk for r in records[:3]]] and singles == []
    assert len(callbacks) == 1

    with (
        feedback.hooks_replaced(after_record=[singles.append], after_batch=[batches.append]),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        assert record_update_many(changes=changes) == []  # applied already: every change is now "no change"
    assert callbacks == [] and len(batches) == 1
    # The hooks were stand-ins: the changed records wait for their evaluation, the unchanged one was never reopened.
    waiting = SatisfactionRecord.objects.filter(alerts_evaluated_at__isnull=True).values_list("pk", flat=True)
    assert sorted(waiting) == [r.pk for r in records[:3]]


def test_a_refused_change_writes_none_of_them():
    first, second, *_ = _records("D")
    with pytest.raises(ValidationError) as caught:
        record_update_many(changes=[(first.pk, {"score": "2.0"}), (second.pk, {"score": "9"})])
    assert list(caught.value.message_dict) == ["records[1].score"]
    assert caught.value.by_index[1]["score"]
    first.refresh_from_db()
    assert first.score == Decimal("4.5") and not LogEntry.objects.filter(action=LogEntry.Action.UPDATE).exists()

    with pytest.raises(ValidationError) as caught:
        record_update_many(changes=[(first.pk, {"customer": 1}), (second.pk, {"score": "2.0"})])
    assert list(caught.value.message_dict) == ["customer"]
    with pytest.raises(ValidationError) as caught:
        record_update(record=first, data={"score": "0.5"})
    assert list(caught.value.message_dict) == ["score"]


def test_a_reimport_through_the_command_updates_the_changed_rows_in_one_pass(
    tmp_path, capsys, django_capture_on_commit_callbacks
):
    f.CustomerFactory(external_id="C-1")
    header = "记录ID,客户ID,服务类型,评分,反馈内容\n"
    first = header + "R-1,C-1,数据分析,4.5,ok\nR-2,C-1,数据分析,4.0,good\nR-3,C-1,数据分析,5.0,great\n"
    path = tmp_path / "feedback.csv"
    path.write_text(first, encoding="utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_data", "feedback", str(path))
    evaluated = dict(SatisfactionRecord.objects.values_list("external_id", "alerts_evaluated_at"))
    assert all(evaluated.values())

    path.write_text(header + "R-1,C-1,数据分析,1.5,ok\nR-2,C-1,数据分析,4.0,good\nR-3,C-1,数据分析,5.0,late\n", "utf-8")
    batches = []
    with (
        feedback.hooks_replaced(after_batch=[*feedback._after_batch_hooks, batches.append]),
        django_capture_on_commit_callbacks(execute=True),
    ):
        call_command("import_data", "feedback", str(path))
    assert "3 rows read, 0 created, 2 updated, 1 already present" in capsys.readouterr().out
    by_id = {r.external_id: r for r in SatisfactionRecord.objects.all()}
    assert batches == [[by_id["R-1"].pk, by_id["R-3"].pk]]
    assert (str(by_id["R-1"].score), by_id["R-3"].feedback) == ("1.5", "late")
    assert by_id["R-2"].alerts_evaluated_at == evaluated["R-2"]  # unchanged: not evaluated again
    updates = LogEntry.objects.filter(action=LogEntry.Action.UPDATE, content_type__model="satisfactionrecord")
    assert sorted(updates.values_list("object_id", flat=True)) == [by_id["R-1"].pk, by_id["R-3"].pk]
    assert {entry.cid for entry in updates} == {updates[0].cid} and updates[0].cid.startswith("import-")
    assert SatisfactionAlert.objects.filter(kind="low_score", record=by_id["R-1"]).count() == 1

    with (
        feedback.hooks_replaced(after_batch=[batches.append]),
        django_capture_on_commit_callbacks(execute=True),
    ):
        call_command("import_data", "feedback", str(path))
    assert "0 updated, 3 already present (unchanged)" in capsys.readouterr().out
    assert len(batches) == 1 and updates.count() == 2


def test_the_entries_of_a_bulk_change_are_those_auditlog_writes_on_save(manager_user):
    """`log_updates` writes past auditlog's signals: each entry must still be the one `save()` would have got."""
    from auditlog.context import set_extra_data

    saved, bulk = _records("S")[0], _records("U")[0]
    fields = ["score", "feedback"]
    context = {"actor": manager_user, "cid": "sync-7", "additional_data": {"import_job": 7}}  # as an import sets it
    with set_extra_data(context_data=context):
        saved.score, saved.feedback = Decimal("2.5"), "late answer"
        saved.save(update_fields=fields)
        record_update_many(changes=[(bulk.pk, {"score": "2.5", "feedback": "late answer"})])

    def entry(record):
        got = LogEntry.objects.get_for_object(record).get(action=LogEntry.Action.UPDATE)
        changes = {name: value for name, value in got.changes_dict.items() if name in fields}
        keep = ("content_type_id", "action", "actor_id", "cid", "remote_addr", "additional_data", "serialized_data")
        shown = got.object_repr.split(" · ", 1)[1]  # past the customer's name, which differs by design
        return {**{name: getattr(got, name) for name in keep}, "changes": changes, "repr": shown}

    assert entry(bulk) == entry(saved)
    assert entry(bulk)["changes"] == {"score": ["4.5", "2.5"], "feedback": ["fine", "late answer"]}
    assert entry(bulk)["additional_data"] == {"import_job": 7} and entry(bulk)["cid"] == "sync-7"
    assert entry(bulk)["actor_id"] == manager_user.pk
    got = LogEntry.objects.get_for_object(bulk).get(action=LogEntry.Action.UPDATE)
    assert got.object_pk == str(bulk.pk) and got.object_id == bulk.pk
    assert abs(got.timestamp - timezone.now()).total_seconds() < 60
