"""The URL always holds what the page shows: change the filters one after another, open the pushed URL in a new
page and find the same view (form fields, numbers, rows)."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.url_state import PAGES, build_data

pytestmark = pytest.mark.django_db(transaction=True)

# What a reader sees: the filter form's fields, every number marked data-metric, the rows of the tables and lists,
# and which view controls (trend period, tabs) are switched on.
VIEW = """() => {
  const form = document.querySelector("main form[method=get]");
  const fields = {};
  for (const el of form.elements) {
    if (el.name) fields[el.name] = el.type === "checkbox" ? String(el.checked) : el.value;
  }
  const metrics = [...document.querySelectorAll("[data-metric]")]
    .map(e => `${e.dataset.metric}=${e.dataset.value ?? e.textContent.trim()}`);
  const rows = [...document.querySelectorAll("main tbody tr, [data-testid=alert-row]")].map(e => e.innerText.trim());
  const controls = [...document.querySelectorAll("[data-testid^=trend-], [data-testid^=recovery-]")]
    .map(e => `${e.dataset.testid}:${e.className}`);
  return {fields, metrics, rows, controls};
}"""
# No request in flight and no swap still settling (htmx marks new content `htmx-added` until it settles).
IDLE = "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"


def _settled(page):
    page.wait_for_load_state("networkidle")
    page.wait_for_function(IDLE)


def _query(url: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_the_pushed_url_reopens_the_same_view(page, live_server, login, manager_user, service_types, name,
                                              console_errors):  # fmt: skip
    build_data(service_types, manager_user)
    state = PAGES[name]
    login(manager_user)
    page.goto(f"{live_server.url}{state.path}")
    _settled(page)
    done = []
    for step in state.steps:
        target = page.locator(step.selector).first
        if step.action == "select":
            target.select_option(step.value)
        elif step.action == "fill":
            target.fill(step.value)
        elif step.action == "check":
            target.check()
        else:
            target.click()
        done.append(step)
        # Every change so far, not only the latest, is in the address bar.
        for previous in done:
            expect(page).to_have_url(re.compile(rf"[?&]{re.escape(previous.param)}={re.escape(previous.value)}(&|$)"))
        _settled(page)
    shown = page.evaluate(VIEW)
    assert shown["rows"] or shown["metrics"], "the filters left nothing to compare"

    fresh = page.context.new_page()
    fresh.goto(page.url)
    _settled(fresh)
    assert fresh.evaluate(VIEW) == shown
    # And the reloaded page's form holds every value the user chose.
    reopened = _query(fresh.url)
    assert {s.param: reopened.get(s.param) for s in state.steps} == {s.param: s.value for s in state.steps}
    assert console_errors == []
