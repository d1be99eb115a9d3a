"""The navbar fits at 1280 px for every demo role in Chinese and English; the inbox is cards on a phone.

Real Chromium against the app served by waitress (the fixtures of tests/test_browser.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.test_browser import CHROMIUM, CHROMIUM_ARGS, PASSWORD, _require_chromium, live_server  # noqa: F401

pytestmark = pytest.mark.browser

ROLES = ("paidan", "zhiban", "wenhua", "shenhe", "huifang", "tongji", "jiancha", "zhuguan", "fenguan", "liucheng")
MEASURE = """() => {
  const nav = document.querySelector('nav.navbar');
  const user = [...nav.querySelectorAll('#nav > .dropdown > button')].pop();
  return {height: nav.getBoundingClientRect().height, user_right: user.getBoundingClientRect().right,
          page: document.documentElement.scrollWidth};
}"""


def _sign_in(page, url, username, lang):
    page.goto(f"{url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")
    if lang == "en":
        landed = page.url
        page.goto(f"{url}/lang/en")
        page.goto(landed)


def test_navbar_fits_at_1280_for_every_role_in_both_languages(live_server):  # noqa: F811
    _require_chromium()
    from playwright.sync_api import sync_playwright

    too_wide = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            for username in ROLES:
                for lang in ("zh", "en"):
                    context = browser.new_context(viewport={"width": 1280, "height": 800})
                    page = context.new_page()
                    _sign_in(page, live_server.url, username, lang)
                    m = page.evaluate(MEASURE)
                    if m["user_right"] > 1280 or m["page"] > 1280 or m["height"] > 70:
                        too_wide[f"{username}/{lang}"] = m
                    context.close()
        finally:
            browser.close()
    assert not too_wide, f"navbar does not fit at 1280 px (the user menu must stay on screen): {too_wide}"


def test_inbox_is_cards_on_a_phone(live_server, tmp_path):  # noqa: F811
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport={"width": 375, "height": 740}).new_page()
            _sign_in(page, live_server.url, "paidan", "zh")  # 我的待办 empty: the claimable 签收 shown
            assert page.locator("#inbox-table thead").is_hidden()  # no squeezed column headers
            row = page.locator("#inbox-table tbody tr").first
            assert page.evaluate("getComputedStyle(document.querySelector('#inbox-table tbody tr')).display") == "block"
            assert live_server.ticket_no in row.inner_text() and row.get_by_role("button", name="认领").is_visible()
            page.screenshot(path=str(Path(tmp_path) / "inbox-375.png"))
            assert page.evaluate("document.documentElement.scrollWidth") <= 375
        finally:
            browser.close()
