"""Charts of the service-quality report, drawn with matplotlib's Agg backend (no display needed).

Chinese labels need a CJK font; Debian's `fonts-noto-cjk` provides `Noto Sans CJK SC`. Without one the
charts fall back to English labels and a warning, rather than drawing empty boxes for every character.
"""

from __future__ import annotations

import textwrap
import warnings
from functools import lru_cache
from pathlib import Path


class _Pyplot:
    """`matplotlib.pyplot` on the Agg backend, imported on first use: about 40 MB in every process that imports
    the report (the web, the workers, an import) when only a report's PDF draws charts."""

    def __getattr__(self, name: str):
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot

        return getattr(matplotlib.pyplot, name)


plt = _Pyplot()

CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei")
SEGMENT_COLOUR, REST_COLOUR = "#2563eb", "#9ca3af"


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The first installed CJK font family, or None."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in installed), None)


def chart_language(lang: str) -> str:
    """The language charts can be drawn in: Chinese only when a CJK font is installed (else a warning)."""
    if lang.startswith("zh") and cjk_font() is None:
        warnings.warn(
            "No CJK font installed (apt-get install fonts-noto-cjk): charts use English labels.",
            RuntimeWarning,
            stacklevel=2,
        )
        return "en"
    return "zh-hans" if lang.startswith("zh") else "en"


def _rc(lang: str) -> dict:
    rc = {"figure.dpi": 100, "savefig.dpi": 110, "axes.spines.top": False, "axes.spines.right": False}
    if lang.startswith("zh"):
        rc["font.family"] = [cjk_font(), "DejaVu Sans"]
        rc["axes.unicode_minus"] = False  # CJK fonts lack U+2212
    return rc


def grouped_bars(
    path: Path,
    *,
    lang: str,
    title: str,
    panels: list[dict],
    group_labels: tuple[str, str],
) -> Path:
    """One figure of side-by-side bar panels: each panel {title, categories, segment, rest, fmt}."""
    with plt.rc_context(_rc(lang)):
        fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.8), squeeze=False)
        for ax, panel in zip(axes[0], panels, strict=True):
            cats = panel["categories"]
            xs = range(len(cats))
            width = 0.38
            for offset, values, colour, label in (
                (-width / 2, panel["segment"], SEGMENT_COLOUR, group_labels[0]),
                (width / 2, panel["rest"], REST_COLOUR, group_labels[1]),
            ):
                heights = [v if v is not None else 0 for v in values]
                bars = ax.bar([x + offset for x in xs], heights, width, color=colour, label=label)
                for bar, value in zip(bars, values, strict=True):
                    if value is not None:
                        ax.annotate(
                            panel.get("fmt", "{:.2f}").format(value),
                            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                            ha="center", va="bottom", fontsize=8,
                        )  # fmt: skip
            ax.set_xticks(list(xs), cats)
            ax.set_title(panel["title"], fontsize=10)
            ax.margins(y=0.15)
        handles, names = axes[0][0].get_legend_handles_labels()
        fig.legend(handles, names, fontsize=8, loc="upper right", ncols=2, frameon=False)
        fig.suptitle(title, fontsize=12)
        fig.tight_layout(rect=(0, 0, 1, 0.95))
        fig.savefig(path)
        plt.close(fig)
    return path


def horizontal_bars(path: Path, *, lang: str, title: str, labels: list[str], values: list[float | None],
                    xlabel: str) -> Path:  # fmt: skip
    """Horizontal bars (e.g. correlations of sub-metrics with the score), signed values around zero."""
    with plt.rc_context(_rc(lang)):
        fig = horizontal_bars_figure(title=title, labels=labels, values=values, xlabel=xlabel)
        fig.savefig(path)
        plt.close(fig)
    return path


def horizontal_bars_figure(*, title: str, labels: list[str], values: list[float | None], xlabel: str):
    """The figure of `horizontal_bars`, laid out (call inside the language's rc context)."""
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(labels) + 1.6))
    heights = [v if v is not None else 0 for v in values]
    colours = [SEGMENT_COLOUR if v >= 0 else "#dc2626" for v in heights]
    ax.barh(range(len(labels)), heights, color=colours)
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    ax.axvline(0, color="#374151", linewidth=0.8)
    ax.set_xlim(-1, 1)
    ax.set_xlabel(xlabel)
    for i, v in enumerate(values):
        ax.annotate("n/a" if v is None else f"{v:+.2f}", (heights[i], i), va="center", fontsize=8,
                    xytext=(4 if heights[i] >= 0 else -28, 0), textcoords="offset points")  # fmt: skip
    # Over the figure, not the axes: long tick labels push the axes right, and a title centred over them
    # ran off the figure's edge.
    top = fitted_title(fig, title, fontsize=11)
    fig.tight_layout(rect=(0, 0, 1, top))
    return fig


def fitted_title(fig, text: str, *, fontsize: float, margin: float = 0.02) -> float:
    """Put `text` over the whole figure, wrapped until it fits its width; returns the figure fraction left for
    the axes below it (the `top` of `tight_layout`'s rect)."""
    renderer = fig.canvas.get_renderer()
    room = fig.bbox.width * (1 - 2 * margin)
    chars = len(text)
    while True:
        # Spaces break English; Chinese has none, so a long line is cut between characters.
        wrapped = "\n".join(textwrap.wrap(text, width=max(chars, 1), break_long_words=True)) or text
        title = fig.suptitle(wrapped, fontsize=fontsize, y=1 - margin, va="top")
        if title.get_window_extent(renderer).width <= room or chars <= 8:
            break
        chars = int(chars * 0.85)
    return 1 - margin - title.get_window_extent(renderer).height / fig.bbox.height - margin
