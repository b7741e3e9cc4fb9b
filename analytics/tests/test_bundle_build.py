"""How the bundle is built fast at a million records without changing what it holds: each chart drawn once for the
zip and the PDF, already-compressed members stored, the raw CSVs, the handler continuity and the topic comparison
built in threads beside the rest with the same bytes as one after the other, and the report's topic counts read
from the pre-aggregates."""

import dataclasses
import datetime as dt
import io
import random
import threading
import zipfile
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone, translation

from analytics.quality import charts, report
from analytics.quality.topics import topic_comparison
from core.overlap import start_beside
from satisfaction.tests import factories as f
from satisfaction.text.services import text_rebuild

TEXTS = ["第二次跟进了还是没有解决", "We had to chase them again", "Great staff but expensive", "服务很好", "费用太贵"]


def _helpdesk():
    rng = random.Random(5)
    contracts = []
    for i, priority in enumerate((1, 1, 2, 3, None)):
        customer = f.CustomerFactory(name=f"Customer {i}")
        if priority:
            f.ContactFactory(customer=customer, contact_priority=priority)
        contracts.append(f.ContractFactory(customer=customer))
    for i in range(80):
        f.TicketFactory(
            contract=rng.choice(contracts),
            satisfaction=rng.choice([None, 1, 2, 3, 4, 5]),
            follow_up=rng.choice([True, False]),
            agent_name=rng.choice(["Wang Fang", "Li Wei", "Zhou Tao"]),
            opened_at=timezone.now() - dt.timedelta(days=60 - i * 0.5),
        )
    for _ in range(40):
        f.ComplaintFactory(contract=rng.choice(contracts), satisfaction=rng.choice([None, 2, 4]))
    for contract in contracts:
        for _ in range(12):
            f.RecordFactory(customer=contract.customer, feedback=rng.choice(TEXTS), score=Decimal(rng.choice("12345")))
    text_rebuild()  # fills the text pre-aggregates the topic comparison reads


@pytest.fixture
def helpdesk(db, service_types):
    _helpdesk()


def test_the_zip_holds_the_written_files_unchanged_compressed_pngs_and_pdf_stored(helpdesk, tmp_path):
    paths = report.write_bundle(tmp_path / "out", priority=1, lang="en")
    target = tmp_path / "bundle.zip"
    report.zip_bundle(paths, target)
    with zipfile.ZipFile(target) as zf:
        assert sorted(zf.namelist()) == sorted(report.BUNDLE_FILES)
        assert zf.namelist() == [path.name for path in paths]
        for path in paths:
            info = zf.getinfo(path.name)
            assert zf.read(path.name) == path.read_bytes()
            stored = path.suffix in (".png", ".pdf")
            assert info.compress_type == (zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED), path.name
        # The contrary case: the text members are really deflated, not stored.
        raw = zf.getinfo("tickets_raw.csv")
        assert raw.compress_size < raw.file_size


def test_the_web_zip_is_the_same_archive(helpdesk):
    archive = zipfile.ZipFile(io.BytesIO(report.bundle_zip(priority=1, lang="zh-hans")))
    assert sorted(archive.namelist()) == sorted(report.BUNDLE_FILES)
    assert archive.getinfo("report.pdf").compress_type == zipfile.ZIP_STORED
    assert archive.read("report.pdf").startswith(b"%PDF")


def test_each_chart_is_drawn_once_for_the_zip_and_the_pdf(helpdesk, tmp_path, monkeypatch):
    drawn = []
    for name in ("grouped_bars", "horizontal_bars"):
        real = getattr(charts, name)

        def spy(path, *args, _real=real, **kwargs):
            drawn.append(path.name)
            return _real(path, *args, **kwargs)

        monkeypatch.setattr(charts, name, spy)
    rendered = []
    real_pdf = report.render_pdf

    def pdf_spy(template, context, *, lang, base_dir=None):
        rendered.append(sorted(p.name for p in base_dir.glob("*.png")))
        return real_pdf(template, context, lang=lang, base_dir=base_dir)

    monkeypatch.setattr(report, "render_pdf", pdf_spy)
    report.write_bundle(tmp_path, priority=1, lang="en")
    pngs = [name for name in report.BUNDLE_FILES if name.endswith(".png")]
    assert sorted(drawn) == sorted(pngs)  # four drawings, no second set for the PDF
    assert rendered == [sorted(pngs)]  # one PDF, laid out from those very files


def _files(folder):
    """Every file's bytes; report.md's "generated" minute and the PDF (its creation date) are left out."""
    out = {}
    for path in sorted(folder.iterdir()):
        if path.suffix in (".csv", ".png"):
            out[path.name] = path.read_bytes()
        elif path.name == "report.md":
            out[path.name] = "\n".join(line for line in path.read_text().splitlines() if "generated" not in line)
    return out


@pytest.mark.django_db(transaction=True)  # the threads have their own connections: they must see committed rows
def test_built_beside_the_pdf_the_files_are_those_built_one_after_the_other(service_types, tmp_path, monkeypatch):
    _helpdesk()
    started = []
    real = report.start_beside

    def spy(fn, *, name):
        beside = real(fn, name=name)
        started.append((name, beside.threaded))
        return beside

    monkeypatch.setattr(report, "start_beside", spy)
    # One clock for both builds: report.md names the minute it was generated, and they may straddle one.
    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now)
    report.write_bundle(tmp_path / "threads", priority=1, lang="zh-hans")
    names = ["report-bundle-raw-csvs", "report-bundle-continuity", "report-topics"]
    assert started == [(name, True) for name in names]
    started.clear()
    with transaction.atomic():  # a second connection would not see this transaction's rows: run inline
        report.write_bundle(tmp_path / "inline", priority=1, lang="zh-hans")
    assert started == [(name, False) for name in names]
    threaded, inline = _files(tmp_path / "threads"), _files(tmp_path / "inline")
    assert set(threaded) == {n for n in report.BUNDLE_FILES if n.endswith((".csv", ".png")) or n == "report.md"}
    assert threaded == inline


@pytest.mark.django_db(transaction=True)
def test_a_failure_beside_reaches_the_caller_after_the_thread_ended():
    finished = threading.Event()

    def fails():
        finished.set()
        raise ValueError("no such column")

    beside = start_beside(fails, name="test-fails")
    assert beside.threaded
    beside.join()  # waits, does not raise
    assert finished.is_set()
    with pytest.raises(ValueError, match="no such column"):
        beside.result()
    assert start_beside(lambda: 42, name="test-value").result() == 42


def test_work_beside_reads_in_the_callers_language():
    for language in ("zh-hans", "en"):
        with translation.override(language):
            beside = start_beside(translation.get_language, name="test-language")
            assert beside.threaded and beside.result() == language


def test_inside_a_transaction_the_work_runs_at_once(db):
    seen = []
    beside = start_beside(lambda: seen.append(threading.current_thread()), name="test-inline")
    assert not beside.threaded and seen == [threading.current_thread()]


@pytest.mark.parametrize("priority", [1, 2, 3])
def test_topic_counts_from_the_pre_aggregates_equal_those_from_the_records(helpdesk, priority):
    snap = topic_comparison(priority=priority, source="snapshots")
    raw = topic_comparison(priority=priority, source="raw")
    assert [dataclasses.asdict(r) for r in snap] == [dataclasses.asdict(r) for r in raw]
    assert any(r.segment_mentions for r in snap) and all(r.segment_texts == snap[0].segment_texts for r in snap)
    since = timezone.localdate() - dt.timedelta(days=3)
    assert [dataclasses.asdict(r) for r in topic_comparison(priority=priority, start=since, source="snapshots")] == [
        dataclasses.asdict(r) for r in topic_comparison(priority=priority, start=since, source="raw")
    ]


def test_the_report_reads_the_topic_counts_from_the_pre_aggregates(helpdesk):
    """With the pre-aggregates emptied the report counts nothing, while the records still hold the mentions."""
    from analytics.models import DailyTextStat, DailyTopicStat

    DailyTopicStat.objects.all().delete()
    DailyTextStat.objects.all().delete()
    assert all(r.segment_texts == 0 and r.segment_mentions == 0 for r in topic_comparison(priority=1))
    assert any(r.segment_mentions for r in topic_comparison(priority=1, source="raw"))
