"""In a real Chromium: a field's length limit (data-maxlength, the server's) is said under the field while typing
past it, and nothing typed or pasted is cut (app/static/js/app.js)."""

from __future__ import annotations

from tests.browser.test_browser import _require_chromium, chromium_page, live_server, log_in  # noqa: F401


def test_typing_past_a_fields_limit_says_so_and_cuts_nothing(live_server):  # noqa: F811
    from playwright.sync_api import expect

    _require_chromium()
    with chromium_page(live_server) as page:
        log_in(page, live_server, "paidan")
        page.goto(f"{live_server.url}/tickets/new")
        title = page.get_by_label("标题")
        assert title.get_attribute("data-maxlength") == "200" and title.get_attribute("maxlength") is None
        title.fill("网" * 200)
        expect(page.locator(".length-hint")).to_have_count(0)
        title.fill("网" * 205)  # as a paste: all of it stays in the field
        expect(title).to_have_value("网" * 205)
        expect(page.locator("#title-too-long")).to_have_text("已超过 200 字的上限（现 205 字），请删减后再提交。")
        title.press("End")
        for _ in range(5):
            title.press("Backspace")
        expect(page.locator(".length-hint")).to_have_count(0)

        content = page.get_by_label("主要内容")  # a line break is sent as two characters, as the server counts
        content.fill("甲" * 4998 + "\n乙")
        expect(page.locator("#content-too-long")).to_contain_text("现 5001 字")
        assert not page.problems, page.problems


def test_a_hand_written_note_says_its_limit_and_keeps_a_long_paste(live_server):  # noqa: F811
    """排班's 备注 (a hand-written field, once the browser's maxlength="200"): a paste past it stays whole and the
    line under the field says so."""
    from playwright.sync_api import expect

    _require_chromium()
    with chromium_page(live_server) as page:
        log_in(page, live_server, "zhuguan")
        page.goto(f"{live_server.url}/roster/assign?day=2026-11-25&shift=night")
        note = page.locator("#note")
        assert note.get_attribute("data-maxlength") == "200" and note.get_attribute("maxlength") is None
        note.fill("替" * 207)
        expect(note).to_have_value("替" * 207)
        expect(page.locator("#note-too-long")).to_have_text("已超过 200 字的上限（现 207 字），请删减后再提交。")
        assert not page.problems, page.problems
