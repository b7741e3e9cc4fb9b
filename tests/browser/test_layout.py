"""Layout details measured in the browser: form inputs show their border, table headers stay on one line."""

import pytest

from satisfaction.alerts.watchlist import watchlist_add
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)

FIELDS = "[data-testid=campaign-form] input:not([type=checkbox]):not([type=hidden]), [data-testid=campaign-form] select"
BORDERS = f"""[...document.querySelectorAll('{FIELDS}')]
  .map(e => [e.name, getComputedStyle(e).borderTopWidth, getComputedStyle(e).borderTopColor])"""

HEADER_LINES = """[...document.querySelectorAll('[data-testid=watchlist] th')].filter(th => th.textContent.trim())
  .map(th => [th.textContent.trim(), th.getBoundingClientRect().height / parseFloat(getComputedStyle(th).lineHeight)
  - (parseFloat(getComputedStyle(th).paddingTop) + parseFloat(getComputedStyle(th).paddingBottom))
  / parseFloat(getComputedStyle(th).lineHeight)])"""


def test_campaign_form_inputs_have_a_visible_border(page, live_server, login, manager_user, service_types):
    login(manager_user)
    page.goto(f"{live_server.url}/surveys/campaigns/")
    fields = page.evaluate(BORDERS)
    assert {name for name, *_ in fields} >= {"name", "service_type", "contact_priority", "next_run_at"}
    for name, width, colour in fields:
        assert float(width.removesuffix("px")) >= 1, name
        assert colour not in ("rgba(0, 0, 0, 0)", "transparent"), name


@pytest.mark.parametrize("width", [1440, 390])
def test_chinese_watch_list_headers_stay_on_one_line(page, live_server, login, manager_user, width):
    for i in range(3):
        customer = f.CustomerFactory(name=f"华隆控股国际咨询集团有限公司 {i}")
        watchlist_add(customer=customer, user=manager_user,
                      note="连续三个月满意度低于目标，两次投诉未在服务时限内解决，客户负责人要求回访" * 2)  # fmt: skip
    page.set_viewport_size({"width": width, "height": 900})
    login(manager_user)
    page.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": live_server.url}])
    page.goto(f"{live_server.url}/watchlist/")
    lines = page.evaluate(HEADER_LINES)
    assert len(lines) >= 5
    assert {header: round(n, 1) for header, n in lines if n > 1.5} == {}
