"""PDF rendering with WeasyPrint: one page style for every report, Chinese set in Noto Sans CJK.

WeasyPrint lays out HTML with Pango, so the fonts are the system's: Debian's `fonts-noto-cjk` gives
`Noto Sans CJK SC`, which also covers Latin, so one family sets both languages without fallback boxes.
Markdown (the bundle's report.md) is turned into HTML with raw HTML disabled: everything a user typed
(customer names, comments) is escaped, never interpreted.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import translation
from markdown_it import MarkdownIt

# WeasyPrint logs every layout step at INFO; a report is a few pages, the steps are noise in the worker log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

FONT_STACK = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Noto Sans", "DejaVu Sans", sans-serif'


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def markdown_html(text: str) -> str:
    """Markdown (with tables) as HTML; raw HTML in the text is escaped."""
    return _markdown().render(text)


def html_lang(lang: str) -> str:
    """The `lang` attribute of a page: `zh-Hans` picks the Simplified Chinese glyphs of the CJK font."""
    return "zh-Hans" if lang.startswith("zh") else "en"


def render_pdf(template_name: str, context: dict, *, lang: str, base_dir: Path | str | None = None) -> bytes:
    """Render a Django template in `lang` and lay it out as a PDF; images resolve against `base_dir`."""
    # Imported here: WeasyPrint loads Pango through cffi, which only the PDF paths need (not every web process).
    from weasyprint import HTML

    with translation.override(lang):
        html = render_to_string(template_name, {"font_stack": FONT_STACK, "html_lang": html_lang(lang), **context})
    base_url = f"{Path(base_dir).resolve().as_uri()}/" if base_dir else None
    return HTML(string=html, base_url=base_url).write_pdf()
