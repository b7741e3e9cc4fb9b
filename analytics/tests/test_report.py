"""The export bundle: files, numbers equal to the comparison, Chinese headers and charts, safe CSV cells."""

import csv
import io
import json
import warnings
import zipfile

import pytest
from django.core.management import CommandError, call_command

from analytics.quality import charts, report
from analytics.quality.comparison import segment_comparison
from analytics.tests.test_comparison import make_group
from satisfaction.crm.models import Customer


@pytest.fixture
def data(db):
    seg = make_group(1, follow=0.6, sat_follow=(1, 2, 3))
    rest = make_group(3, n_t=80, n_c=50, esc=0.2)
    # A customer name that a spreadsheet would run as a formula.
    Customer.objects.filter(pk=Customer.objects.order_by("pk").first().pk).update(name="=HYPERLINK(1)")
    return seg, rest


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def test_bundle_has_every_file_with_the_comparison_numbers(data, tmp_path):
    paths = report.write_bundle(tmp_path, priority=1)
    assert sorted(p.name for p in paths) == sorted(report.BUNDLE_FILES)
    assert all(p.stat().st_size > 0 for p in paths)
    c = segment_comparison(priority=1)
    tickets = read_csv(tmp_path / "tickets_metrics.csv")
    assert tickets[0][:4] == ["Group", "Customers", "Customers with tickets", "Tickets"]
    assert tickets[1][0] == "Priority 1" and tickets[2][0] == "Other customers"
    assert int(tickets[1][3]) == c.tickets["segment"].count == 60
    assert float(tickets[1][6]) == pytest.approx(c.tickets["segment"].follow_up_rate, abs=1e-4)
    complaints = read_csv(tmp_path / "complaints_metrics.csv")
    assert float(complaints[2][4]) == pytest.approx(c.complaints["rest"].escalation_rate, abs=1e-4)
    raw = read_csv(tmp_path / "tickets_raw.csv")
    assert len(raw) == 1 + 60 + 80
    assert {row[2] for row in raw[1:]} == {"Priority 1", "Other customers"}
    assert len(read_csv(tmp_path / "complaints_raw.csv")) == 1 + 40 + 50
    data_json = json.loads((tmp_path / "report.json").read_text())
    assert data_json["comparison"]["tickets"]["segment"]["follow_up_rate"] == pytest.approx(
        c.tickets["segment"].follow_up_rate
    )
    assert data_json["comparison"]["tests"]["follow_up_rate"]["p_value"] == pytest.approx(
        c.tests.follow_up_rate.p_value
    )
    assert {i["rule"] for i in data_json["insights"]} >= {"follow_up_with_lower_satisfaction"}
    md = (tmp_path / "report.md").read_text()
    for name in ("tickets_metrics.png", "complaints_metrics.png", "sat_distribution.png", "service_drivers.png"):
        assert f"![]({name})" in md
    assert c.tests.follow_up_rate.reading_en in md and "## Method" in md


def test_raw_csv_neutralises_formula_cells(data, tmp_path):
    rows = list(report.ticket_raw_rows(priority=1))
    names = {row[3] for row in rows[1:]}
    assert "'=HYPERLINK(1)" in names and "=HYPERLINK(1)" not in names
    assert report.neutralise("+1") == "'+1" and report.neutralise("-x") == "'-x" and report.neutralise("@a") == "'@a"
    assert report.neutralise("plain") == "plain" and report.neutralise(-3.5) == -3.5


def test_raw_rows_are_streamed_in_chunks(data, django_assert_max_num_queries):
    rows = report.complaint_raw_rows(priority=1, chunk_size=7)
    assert iter(rows) is rows  # a generator: nothing is read until asked
    with django_assert_max_num_queries(1):
        header = next(rows)
    assert header[0] == "Id"
    lines = list(report.csv_lines([["a", "b"], [1, 2]]))
    assert lines == ["\ufeff", "a,b\r\n", "1,2\r\n"]


@pytest.mark.skipif(charts.cjk_font() is None, reason="needs a CJK font: apt-get install fonts-noto-cjk")
def test_chinese_bundle_headers_and_charts_without_missing_glyphs(data, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph is a warning in matplotlib: make it fail
        report.write_bundle(tmp_path, priority=1, lang="zh-hans")
    header = read_csv(tmp_path / "tickets_metrics.csv")[0]
    assert header == [
        "分组", "客户数", "有工单客户数", "工单数", "工单平均耗时", "工单平均满意度", "二次跟进率", "首次解决率",
    ]  # fmt: skip
    assert read_csv(tmp_path / "tickets_metrics.csv")[1][0] == "优先级 1"
    assert read_csv(tmp_path / "complaints_metrics.csv")[0][3] == "投诉平均满意度"
    md = (tmp_path / "report.md").read_text()
    assert md.startswith("# 服务质量") and "## 方法说明" in md


def test_charts_fall_back_to_english_without_a_cjk_font(data, tmp_path, monkeypatch):
    monkeypatch.setattr(charts, "cjk_font", lambda: None)
    with pytest.warns(RuntimeWarning, match="fonts-noto-cjk"):
        paths = report.draw_charts(report.build_report(priority=1), tmp_path, "zh-hans")
    assert len(paths) == 4 and all(p.exists() for p in paths)


def test_bundle_zip_for_the_web_page(data):
    payload = report.bundle_zip(priority=1)
    with zipfile.ZipFile(io.BytesIO(payload)) as zf:
        assert sorted(zf.namelist()) == sorted(report.BUNDLE_FILES)
        assert json.loads(zf.read("report.json"))["lang"] == "en"


def test_command_writes_the_bundle(data, tmp_path):
    out = io.StringIO()
    call_command("service_quality_report", "--segment-priority", "1", "--out", str(tmp_path / "b"), stdout=out)
    assert "Wrote 11 files" in out.getvalue()
    assert (tmp_path / "b" / "report.md").exists()
    with pytest.raises(CommandError):
        call_command("service_quality_report", "--segment-priority", "9", "--out", str(tmp_path))
