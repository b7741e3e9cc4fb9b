"""Analysis on write (both write paths), rebuild, staleness and the two commands."""

import csv
import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.feedback.services import record_satisfaction, record_satisfaction_batch, record_update
from satisfaction.tests import factories as f
from satisfaction.text import services
from satisfaction.text.models import RecordTopic, TextAnalysis, Topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer():
    return f.CustomerFactory(external_id="C-1")


def test_a_new_record_is_analysed_once_it_commits(customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        record, _ = record_satisfaction(customer=customer, service_type="legal_consultation", score="2",
                                        feedback="律师回复太慢，等了三天")  # fmt: skip
    analysis = TextAnalysis.objects.get(record=record)
    assert (analysis.language, analysis.sentiment) == ("zh", "negative")
    assert analysis.analyser_version == services.current_version()
    assert list(RecordTopic.objects.filter(record=record).values_list("topic__code", flat=True)) == ["response_speed"]


def test_an_edited_text_is_analysed_again(customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        record, _ = record_satisfaction(customer=customer, service_type="data_analysis", score="2", feedback="Too slow")
    with django_capture_on_commit_callbacks(execute=True):
        record_update(record=record, data={"feedback": "Great, very helpful staff", "score": "5"})
    analysis = TextAnalysis.objects.get(record=record)
    assert analysis.sentiment == "positive"
    assert set(RecordTopic.objects.filter(record=record).values_list("topic__code", flat=True)) == {"staff_attitude"}


def test_an_imported_batch_is_analysed_in_one_go(customer, django_capture_on_commit_callbacks):
    rows = [
        {"external_id": f"R-{i}", "customer": "C-1", "service_type": "data_analysis", "score": "4", "feedback": text}
        for i, text in enumerate(["报告很完整", "", "The invoice was wrong"])
    ]
    with django_capture_on_commit_callbacks(execute=True):
        result = record_satisfaction_batch(rows=rows)
    assert TextAnalysis.objects.filter(record_id__in=result.created_ids).count() == 3
    empty = TextAnalysis.objects.get(record__external_id="R-1")
    assert (empty.language, empty.sentiment, empty.sentiment_score) == ("other", "neutral", 0.0)


def test_rebuild_since_and_stale_only(customer):
    old = f.RecordFactory(customer=customer, feedback="很满意", created_at=timezone.now() - dt.timedelta(days=40))
    new = f.RecordFactory(customer=customer, feedback="太慢了")
    since = timezone.now() - dt.timedelta(days=1)
    assert services.text_rebuild(since=since) == 1
    assert not TextAnalysis.objects.filter(record=old).exists()
    assert services.text_rebuild(stale_only=True) == 1  # only the old one was missing
    assert services.text_rebuild(stale_only=True) == 0
    # Editing a topic's keywords makes every analysis stale.
    Topic.objects.filter(code="response_speed").update(keywords_zh="太慢\n很慢")
    assert services.text_rebuild(stale_only=True) == 2
    assert TextAnalysis.objects.get(record=new).sentiment == "negative"


def test_analyse_feedback_command(customer, capsys):
    f.RecordFactory(customer=customer, feedback="Excellent work", score=Decimal("5"))
    call_command("analyse_feedback")
    captured = capsys.readouterr()
    assert "Analysed 1 records" in captured.out
    assert "1/1 100%" in captured.err  # the progress bar's last line
    call_command("analyse_feedback", "--since", "2000-01-01", "--stale")
    assert "Analysed 0 records" in capsys.readouterr().out
    with pytest.raises(CommandError, match="--since"):
        call_command("analyse_feedback", "--since", "yesterday")


def test_progress_bar_says_done_total_rate_and_time_left():
    from io import StringIO

    from django.core.management.base import OutputWrapper

    from core.progress import ProgressBar

    ticks = iter([100.0, 100.0, 110.0, 130.0])
    out = StringIO()
    bar = ProgressBar(OutputWrapper(out), tty=False, clock=lambda: next(ticks))
    bar.update(0, 60_000)
    bar.update(20_000, 60_000)  # 20,000 in 10 s: 2,000/s, 40,000 left: 20 s
    bar.update(60_000, 60_000)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("[" + "." * 30 + "] 0/60,000 0%")
    assert lines[1] == "[" + "#" * 10 + "." * 20 + "] 20,000/60,000 33% · 2,000/s · ETA 0m20s"
    assert lines[2] == "[" + "#" * 30 + "] 60,000/60,000 100% · 2,000/s · 0m30s"


def _read(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_analyse_text_writes_one_row_per_input_row_and_nothing_to_the_database(tmp_path):
    source = tmp_path / "in.csv"
    long_text = "服务很好。" * 2000  # 10,000 characters
    rows = [("1", "律师回复太慢了"), ("2", ""), ("3", "Great report, but the invoice was wrong 👎"),
            ("4", "服务很好 but the report was late"), ("5", "😊😊"), ("6", long_text),
            ("7", 'quote " and, comma')]  # fmt: skip
    with open(source, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "text"])
        writer.writerows(rows)
    out = tmp_path / "out.csv"
    before = TextAnalysis.objects.count(), SatisfactionRecord.objects.count()
    call_command("analyse_text", str(source), "--out", str(out))
    result = _read(out)
    assert [r["id"] for r in result] == [r[0] for r in rows]
    assert list(result[0]) == ["id", "language", "sentiment", "sentiment_score", "topics", "keywords"]
    assert result[0]["language"] == "zh" and result[0]["sentiment"] == "negative"
    assert "response_speed" in result[0]["topics"].split(";")
    assert result[1]["language"] == "other" and result[1]["sentiment"] == "neutral" and result[1]["topics"] == ""
    assert result[2]["sentiment"] == "negative" and "price_billing" in result[2]["topics"].split(";")
    assert result[4]["sentiment"] == "positive"
    assert result[5]["language"] == "zh" and result[5]["sentiment"] == "positive"
    assert (TextAnalysis.objects.count(), SatisfactionRecord.objects.count()) == before


def test_analyse_text_refuses_a_file_without_the_columns_or_not_utf8(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("key,comment\n1,x\n", encoding="utf-8")
    with pytest.raises(CommandError, match="id,text"):
        call_command("analyse_text", str(bad), "--out", str(tmp_path / "o.csv"))
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("id,text\n1,服务很好\n".encode("gb18030"))
    with pytest.raises(CommandError, match="UTF-8"):
        call_command("analyse_text", str(gbk), "--out", str(tmp_path / "o.csv"))
    with pytest.raises(CommandError, match="cannot read"):
        call_command("analyse_text", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o.csv"))
