"""The server renders each page's filter form from the query string, and its pager links keep the filters: the
other half of "the URL holds what the page shows" (tests/browser/test_url_state.py drives the browser half)."""

from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.utils import translation

from tests.browser.url_state import PAGES, build_data, final_query

pytestmark = pytest.mark.django_db


class StateForm(HTMLParser):
    """The fields of the page's form[data-url-state] as the browser would submit them, and the pager's links."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}
        self.pager: dict[str, str] = {}
        self._in_form = False
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and "data-url-state" in a:
            self._in_form = True
        elif tag == "a" and a.get("data-testid", "").startswith("pager-"):
            self.pager[a["data-testid"]] = a["href"]
        if not self._in_form:
            return
        if tag == "input" and a.get("name"):
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.fields[a["name"]] = a.get("value") or "on"
            else:
                self.fields[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self._select = a["name"]
            self.fields.setdefault(self._select, "")
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "select":
            self._select = None


def _query(href: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(href).query).items()}


def _state_form(client, path, query) -> StateForm:
    with translation.override("en"):
        response = client.get(f"{path}?{urlencode(query)}")
    assert response.status_code == 200
    parsed = StateForm()
    parsed.feed(response.content.decode())
    assert parsed.fields, f"{path} has no form[data-url-state]"
    return parsed


@pytest.fixture
def data(service_types, manager_user):
    build_data(service_types, manager_user)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_the_form_is_rendered_from_the_query_string(client, manager_user, service_types, name):
    state = PAGES[name]
    query = final_query(state)
    client.force_login(manager_user)
    form = _state_form(client, state.path, query)
    in_form = {k: v for k, v in query.items() if k != "page"}
    assert {k: form.fields.get(k) for k in in_form} == in_form


@pytest.mark.parametrize("name", sorted(PAGES))
def test_without_a_query_the_form_shows_the_defaults_not_a_previous_choice(client, manager_user, service_types, name):
    """The contrary case: nothing chosen in the URL, nothing of the steps pre-selected."""
    state = PAGES[name]
    client.force_login(manager_user)
    form = _state_form(client, state.path, {})
    assert all(form.fields.get(s.param) != s.value for s in state.steps)


def test_the_pager_keeps_every_filter(client, manager_user, data):
    query = {"status": "open", "kind": "low_score", "severity": "medium", "q": "Hua"}
    client.force_login(manager_user)
    form = _state_form(client, "/alerts/", query)
    following = _query(form.pager["pager-next"])
    assert following == {**query, "page": "2"}
    back = _state_form(client, "/alerts/", following)
    assert {k: back.fields[k] for k in query} == query
    assert _query(back.pager["pager-previous"]) == {**query, "page": "1"}


def test_customer_sort_and_filters_survive_the_pager(client, manager_user, service_types):
    from satisfaction.tests import factories as f

    for n in range(30):
        f.ContactFactory(customer=f.CustomerFactory(name=f"Hua {n:02d}"), contact_priority=2)
    query = {"q": "Hua", "segment_priority": "2", "sort": "-created"}
    client.force_login(manager_user)
    form = _state_form(client, "/customers/", query)
    assert {k: form.fields[k] for k in query} == query
    following = _query(form.pager["pager-next"])
    assert following == {**query, "page": "2"}
