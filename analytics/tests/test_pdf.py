"""The report and the review as PDF: real PDFs, the title and period in the text, both languages, charts embedded."""

import datetime as dt
import io
import zipfile

import pytest
from django.urls import reverse
from pypdf import PdfReader

from analytics import digests
from analytics.quality import report
from analytics.tests.test_comparison import make_group
from satisfaction.crm.models import Customer


@pytest.fixture
def data(db):
    make_group(1, follow=0.6, sat_follow=(1, 2, 3))
    make_group(3, n_t=80, n_c=50, esc=0.2)


def pdf_text(pdf: bytes) -> str:
    """All text of a PDF (pypdf reads the ToUnicode maps WeasyPrint writes, so Chinese comes back as Chinese)."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def image_count(pdf: bytes) -> int:
    """Distinct embedded images (WeasyPrint shares one resource dictionary between pages)."""
    found = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        xobjects = page["/Resources"].get("/XObject", {})
        for ref in xobjects.values():
            if ref.get_object().get("/Subtype") == "/Image":
                found.add(ref.idnum)
    return len(found)


def test_report_pdf_in_english_has_title_period_numbers_and_the_four_charts(data):
    start, end = dt.date(2026, 1, 1), dt.date(2030, 12, 31)
    pdf = report.pdf_download(priority=1, lang="en", start=start, end=end)
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "Service quality: Priority 1 vs other customers" in text
    assert "Period: 1 Jan 2026 – 31 Dec 2030 · all service types" in " ".join(text.split())
    assert "Statistical tests" in text and "Method" in text
    # The segment's follow-up rate as the metrics table states it (0.6 of its tickets, from the fixture).
    follow_up = report.build_report(priority=1, start=start, end=end).comparison.tickets["segment"].follow_up_rate
    assert follow_up == pytest.approx(0.6, abs=0.01) and str(round(follow_up, 4)) in text
    assert image_count(pdf) == 4  # tickets, complaints, distribution and drivers charts


def test_report_pdf_in_chinese_is_set_in_chinese_with_a_cjk_font(data):
    pdf = report.pdf_download(priority=1, lang="zh-hans")
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "服务质量：优先级 1客户 对比 其他客户" in text
    assert "统计范围" in text and "统计检验" in text and "方法说明" in text
    fonts = {
        str(font["/BaseFont"])
        for page in PdfReader(io.BytesIO(pdf)).pages
        for font in page["/Resources"]["/Font"].values()
        if "/BaseFont" in font.get_object()
    }
    assert any("NotoSansCJKSC" in name.replace("-", "").replace(" ", "") for name in fonts), fonts
    assert "Service quality:" not in text  # no English title left in the Chinese report


def test_bundle_has_report_pdf_beside_report_md(data):
    with zipfile.ZipFile(io.BytesIO(report.bundle_zip(priority=1, lang="en"))) as zf:
        names = zf.namelist()
        pdf = zf.read("report.pdf")
    assert "report.pdf" in names and "report.md" in names
    assert pdf.startswith(b"%PDF") and "Service quality: Priority 1" in pdf_text(pdf)


def test_user_text_in_the_pdf_is_text_not_markup(data, tmp_path):
    # A topic quote or name carrying HTML must not become an element (no image fetched, no script).
    Customer.objects.update(name='<img src="http://127.0.0.1:9/x.png">')
    report_obj = report.build_report(priority=1)
    report.draw_charts(report_obj, tmp_path, "en")
    markdown = report.report_markdown(report_obj, "en") + '\n<img src="http://127.0.0.1:9/x.png"> <b>bold</b>\n'
    pdf = report.report_pdf(report_obj, "en", tmp_path, markdown)
    assert "<b>bold</b>" in pdf_text(pdf)
    assert image_count(pdf) == 4  # the charts only


@pytest.mark.parametrize(
    ("lang", "title", "previous", "period", "before"),
    [
        ("en", "Monthly satisfaction review", "previous", "1 Nov – 30 Nov 2026", "1 Oct – 31 Oct 2026"),
        ("zh-hans", "满意度月度回顾", "上期", "2026年11月1日 – 11月30日", "2026年10月1日 – 10月31日"),
    ],
)
def test_review_pdf_in_both_languages(data, lang, title, previous, period, before):
    digest = digests.monthly_review(today=dt.date(2026, 12, 2))
    pdf = digests.review_pdf(digest, lang)
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert f"{title} 2026-11" in text
    assert period in text and f"{previous} {before}" in text
    assert image_count(pdf) == 4


def test_report_page_links_the_pdf_with_its_segment_and_the_pdf_follows_the_language(client, manager_user, data):
    client.force_login(manager_user)
    page = client.get(reverse("analytics:report"), {"segment": 3})
    assert f'href="{reverse("analytics:report-pdf")}?segment=3"' in page.content.decode()
    response = client.get(reverse("analytics:report-pdf"), {"segment": 3}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert 'filename="service_quality_p3_zh-hans.pdf"' in response["Content-Disposition"]
    assert "服务质量：优先级 3客户 对比 其他客户" in pdf_text(response.content)


def test_report_pdf_is_for_managers_only(client, staff_user, db):
    assert client.get(reverse("analytics:report-pdf")).status_code == 302  # anonymous: to the login page
    client.force_login(staff_user)
    assert client.get(reverse("analytics:report-pdf")).status_code == 403
