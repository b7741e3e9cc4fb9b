"""Browser tests: real headless Chromium (Debian's package) driven by Playwright against the live server."""

import os

import pytest

from conftest import CHROMIUM

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run beside one
# unless told that this (test-only) use is fine.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def console_errors(page):
    """Collects console errors and uncaught exceptions of the page; assert it is empty at the end."""
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


@pytest.fixture
def login(page, live_server):
    """login(user) signs `user` in through the real login form."""
    from satisfaction.tests.factories import PASSWORD

    def _login(user, password=PASSWORD):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", password)
        page.click("button:has-text('Log in')")
        page.wait_for_load_state("networkidle")
        return page

    return _login
