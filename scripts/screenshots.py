"""Screenshots of the main pages in English and Chinese, for docs/screenshots/ and for looking at what we built.

Usage: .venv/bin/python scripts/screenshots.py --base http://127.0.0.1:8000 --user manager --password PW [--out DIR]
Uses Debian's Chromium (/usr/bin/chromium) through Playwright; no browser download.
"""

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

PAGES = {
    "dashboard": "/analytics/",
    "record-feedback": "/feedback/new/",
    "customers": "/customers/",
    "customer-detail": "/customers/1/",
    "report": "/analytics/report/",
    "path-to-target": "/analytics/path/",
    "alerts": "/alerts/",
    "watchlist": "/watchlist/",
    "suggestions": "/suggestions/",
    "measures": "/measures/",
    "my-tasks": "/tasks/mine/",
    "import": "/imports/",
    "measure-detail": "/measures/1/",
}
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]  # fmt: skip


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--user", default="manager")
    parser.add_argument("--password", required=True)
    parser.add_argument("--out", default="docs/screenshots")
    parser.add_argument("--pages", nargs="*", default=list(PAGES))
    parser.add_argument("--langs", nargs="*", default=["en", "zh-hans"])
    parser.add_argument("--width", type=int, default=1366)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for lang in args.langs:
            context = browser.new_context(viewport={"width": args.width, "height": 900}, locale=lang)
            context.add_cookies([{"name": "django_language", "value": lang, "url": args.base}])
            page = context.new_page()
            page.goto(f"{args.base}/accounts/login/")
            page.fill("input[name=username]", args.user)
            page.fill("input[name=password]", args.password)
            page.click("button[type=submit], form button")
            page.wait_for_load_state("networkidle")
            for name in args.pages:
                response = page.goto(args.base + PAGES[name])
                page.wait_for_load_state("networkidle")
                page.wait_for_timeout(400)  # let chart animations settle
                target = out / f"{name}.{lang}.png"
                page.screenshot(path=str(target), full_page=True)
                print(f"{response.status if response else '?'} {target}")
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
