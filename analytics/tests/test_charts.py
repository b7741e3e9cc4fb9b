"""The report's charts keep every text inside the picture: titles and labels measured with matplotlib's renderer."""

import matplotlib.pyplot as plt
import pytest

from analytics.quality import charts
from analytics.quality.report import TEXT

LABELS = {
    "en": ["Tickets · Response time (hours)", "Tickets · Accuracy (1–5)", "Complaints · Completeness (1–5)",
           "Satisfaction records · Response time (hours)"],
    "zh-hans": ["工单 · 响应时间（小时）", "工单 · 准确性（1–5）", "投诉 · 完整性（1–5）",
                "满意度记录 · 响应时间（小时）"],
}  # fmt: skip


def _outside(fig) -> list[str]:
    """The texts of `fig` that reach past its edges."""
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    texts = [*fig.texts]
    for ax in fig.axes:
        texts += [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.get_yticklabels(), *ax.get_xticklabels()]
    outside = []
    for text in texts:
        if not (text.get_text() and text.get_visible()):
            continue
        extent = text.get_window_extent(renderer)
        if extent.x0 < box.x0 - 0.5 or extent.x1 > box.x1 + 0.5 or extent.y0 < box.y0 - 0.5 or extent.y1 > box.y1 + 0.5:
            outside.append(text.get_text())
    return outside


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_the_drivers_chart_title_and_labels_fit(lang):
    if lang.startswith("zh") and charts.cjk_font() is None:
        pytest.skip("no CJK font installed (fonts-noto-cjk)")
    t = TEXT[lang]
    with plt.rc_context(charts._rc(lang)):
        fig = charts.horizontal_bars_figure(
            title=t["drivers_chart"], labels=LABELS[lang], values=[0.42, -0.18, None, 0.05], xlabel=t["rho"]
        )
        fig.canvas.draw()
        try:
            assert _outside(fig) == []
            # The title is a figure title, on as few lines as fit: the English one is one line at 7.5 inches.
            [title] = fig.texts
            assert title.get_text().replace("\n", " ").replace(" ", "") == t["drivers_chart"].replace(" ", "")
        finally:
            plt.close(fig)


def test_a_title_too_long_for_one_line_is_wrapped_not_cut():
    title = "What moves the score: Spearman correlation with the overall score, per service type and segment " * 2
    with plt.rc_context(charts._rc("en")):
        fig = charts.horizontal_bars_figure(title=title, labels=LABELS["en"], values=[0.1] * 4, xlabel="rho")
        fig.canvas.draw()
        try:
            assert _outside(fig) == []
            assert fig.texts[0].get_text().count("\n") >= 1
        finally:
            plt.close(fig)
