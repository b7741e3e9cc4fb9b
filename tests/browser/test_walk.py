"""The walk: every page of `pages.PAGES` as staff, manager and admin, in English and Chinese, at 1440 and 390 px.

For each (page, role): the page answers as the role may (200, 403, or the redirect it owes); and on the pages the
role opens: no sideways scroll at either width, the page's language is the one asked for, a page with numbers
states its period and filters in a `[data-scope]` element, and nothing is written to the console.

The admin opens the site's pages exactly as a manager does, so it walks only the admin's pages and checks the
answer of the others. With SCREENSHOTS=1 each page is saved under docs/screenshots/ as
`<page>.<lang>.<width>.png` (the viewport at 1440 px, the full page at 390 px), so CI does not rewrite them.
"""

from __future__ import annotations

import io
import os
from collections import defaultdict
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from satisfaction.tests import factories as f
from tests.browser.pages import ADMIN, MANAGER, PAGES, ROLES, STAFF, Page
from tests.browser.walk_data import build_walk_data

pytestmark = pytest.mark.django_db(transaction=True)

LANGUAGES = ("en", "zh-hans")
WIDTHS = (1440, 390)
SCREENSHOTS = os.environ.get("SCREENSHOTS") == "1"
SCREENSHOT_DIR = Path(settings.BASE_DIR) / "docs" / "screenshots"
# A phone screenshot of a long page is cut here: the top of a page is what the README shows.
MAX_PHONE_HEIGHT = 3200

SCROLL = "[document.documentElement.scrollWidth, window.innerWidth]"
WIDEST = """(limit) => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > limit + 1 && !e.closest('.overflow-x-auto'))
  .map(e => `${e.tagName}.${String(e.className).slice(0, 60)} ${e.dataset.testid || ''}`).slice(-4)"""


@pytest.fixture
def walk_users(db):
    return {
        STAFF: f.UserFactory(username="walk_staff", role="staff"),
        MANAGER: f.UserFactory(username="walk_manager", role="manager"),
        ADMIN: f.UserFactory(username="walk_admin", is_superuser=True, is_staff=True),
    }


@pytest.fixture
def walk_objects(walk_users):
    return build_walk_data(walk_users)


def _walks(page: Page, role: str) -> bool:
    """Whether `role` opens `page` in the browser (else only its answer is checked)."""
    if page.answer(role) != 200:
        return False
    return page.screenshot_role == role or (role == STAFF and STAFF in page.roles)


def _answer(browser_page, url: str) -> int | str:
    """The status of a GET without following redirects; for a redirect, the path it points to."""
    response = browser_page.request.get(url, max_redirects=0)
    if 300 <= response.status < 400:
        return response.headers["location"].split("?")[0]
    return response.status


def _expected(page: Page, role: str) -> int | str:
    answer = page.answer(role)
    return reverse(answer) if isinstance(answer, str) else answer


def _save(browser_page, name: str, lang: str, width: int) -> None:
    from PIL import Image

    full = width < 1000
    png = browser_page.screenshot(full_page=full)
    image = Image.open(io.BytesIO(png))
    if full and image.height > MAX_PHONE_HEIGHT:
        image = image.crop((0, 0, image.width, MAX_PHONE_HEIGHT))
    # 256 colours keep text and charts legible at a third of the size.
    image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(
        SCREENSHOT_DIR / f"{name}.{lang}.{width}.png", optimize=True
    )


def _visit(
    browser_page,
    base: str,
    page: Page,
    objects: dict,
    lang: str,
    errors: list,
    problems: dict,
    network: dict,
    shoot: bool,
) -> None:
    """Open one page at both widths and note every problem under its kind."""
    where = f"{page.name} [{lang}]"
    path = page.path(objects)
    errors.clear()
    network["bad"].clear()
    browser_page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    response = browser_page.goto(base + path)
    try:  # htmx regions and charts load after the page: wait until the network is quiet
        browser_page.wait_for_load_state("networkidle", timeout=20_000)
    except PlaywrightTimeoutError:
        problems["never settles"].append(f"{where}: still loading after 20 s: {sorted(network['pending'])[:3]}")
    if response is None or response.status != 200:
        problems["status"].append(f"{where}: {response.status if response else 'no response'}")
        return
    lang_attr = browser_page.evaluate("document.documentElement.lang").lower()
    if not page.public and not lang_attr.startswith(lang[:2]):
        problems["language"].append(f"{where}: <html lang={lang_attr!r}>")
    for width in WIDTHS:
        browser_page.set_viewport_size({"width": width, "height": 900 if width > 1000 else 844})
        browser_page.wait_for_timeout(150)  # charts and flex rows re-lay out on resize
        scroll_width, inner_width = browser_page.evaluate(SCROLL)
        if scroll_width > inner_width:
            problems["sideways scroll"].append(
                f"{where} @{width}: {scroll_width} px > {inner_width} px; {browser_page.evaluate(WIDEST, width)}"
            )
        if SCREENSHOTS and shoot:
            _save(browser_page, page.name, lang, width)
    has_scope = browser_page.locator("[data-scope]").count() > 0
    if page.numbers and not has_scope:
        problems["no [data-scope]"].append(where)
    if not page.numbers and browser_page.locator("[data-metric]").count():
        problems["numbers not declared in PAGES"].append(where)
    if errors:
        problems["console"].append(f"{where}: {errors[:3]} {network['bad'][:3]}")


@pytest.mark.parametrize("role", ROLES)
def test_every_page_as_each_role_in_both_languages_at_both_widths(
    role, page, live_server, login, walk_users, walk_objects, console_errors
):
    if SCREENSHOTS:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    login(walk_users[role])
    problems: dict[str, list[str]] = defaultdict(list)
    # Requests not finished yet, and answers >= 400: named when a page never settles or logs an error.
    network: dict = {"pending": set(), "bad": []}
    page.on("request", lambda request: network["pending"].add(request.url))
    page.on("requestfinished", lambda request: network["pending"].discard(request.url))
    page.on("requestfailed", lambda request: network["pending"].discard(request.url))
    page.on("response", lambda r: network["bad"].append(f"{r.status} {r.url}") if r.status >= 400 else None)
    for lang in LANGUAGES:
        page.context.add_cookies([{"name": "django_language", "value": lang, "url": live_server.url}])
        for entry in PAGES:
            url = live_server.url + entry.path(walk_objects)
            answer, expected = _answer(page, url), _expected(entry, role)
            if answer != expected:
                problems["answer"].append(f"{entry.name} [{lang}]: {answer!r}, expected {expected!r}")
            elif _walks(entry, role):
                _visit(
                    page,
                    live_server.url,
                    entry,
                    walk_objects,
                    lang,
                    console_errors,
                    problems,
                    network,
                    shoot=entry.screenshot_role == role,
                )
    assert not problems, "\n".join(f"{kind}:\n  " + "\n  ".join(items) for kind, items in problems.items())


def test_pages_cover_every_page_route():
    """A new page in a url conf must be added to PAGES (or to the exclusions named in pages.py)."""
    from django.urls import get_resolver

    excluded = {
        "login", "logout", "set_language", "customer-search", "alert-acknowledge", "alert-resolve",
        "watchlist-add", "watchlist-remove", "suggestion-accept", "suggestion-dismiss", "task-update",
        "recovery-tile", "recovery-contact", "recovery-close", "survey-resend", "text-theme-keep",
        "import-mapping-save", "import-template", "import-job-errors", "import-job-choose", "analytics:widget",
        "analytics:kpi-export",
        "analytics:report-continuity", "analytics:report-bundle", "analytics:report-pdf",
        "analytics:subscription-delete", "analytics:report-bundle-start", "analytics:report-bundle-status",
        "analytics:report-bundle-file", "sso-start", "sso-callback", "oidc_authentication_init",
        "oidc_authentication_callback", "oidc_logout",
    }  # fmt: skip
    listed = {p.url_name for p in PAGES}
    names = set()
    for pattern in get_resolver().url_patterns:
        namespace = getattr(pattern, "namespace", None)
        if namespace in ("admin", "api") or str(pattern.pattern).startswith("api/"):
            continue
        prefix = f"{namespace}:" if namespace else ""
        names |= {f"{prefix}{name}" for name in _names(pattern)}
    assert names - listed - excluded == set()


def _names(pattern) -> set[str]:
    if hasattr(pattern, "url_patterns"):
        return set().union(*(_names(p) for p in pattern.url_patterns)) if pattern.url_patterns else set()
    return {pattern.name} if pattern.name else set()
