"""The interface in Chinese by default and in English after /lang/en; the English catalogue is complete."""

from html import unescape
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import g

from tests.helpers import new_ticket, open_item

CATALOGUE = Path(__file__).resolve().parents[2] / "app" / "translations" / "en" / "LC_MESSAGES"


def page(browser, url):
    # Tests keep one app context open, so Flask-Babel's per-context locale cache would
    # outlive the request that filled it: drop it, as a fresh request in production does.
    g.pop("_flask_babel", None)
    return browser.get(url).get_data(as_text=True)


def test_chinese_by_default(app, browser):
    paidan = browser("paidan")
    html = page(paidan, "/")
    assert "我的待办" in html and "My tasks" not in html
    ticket = new_ticket()
    html = page(paidan, f"/tickets/{ticket.id}")
    assert "工单信息" in html and "2026-11-25 (周三) 10:00" in html


def test_english_after_switching(app, browser):
    ticket = new_ticket()
    paidan = browser("paidan")
    paidan.get("/lang/en")

    html = page(paidan, "/?tab=claimable")
    assert "My tasks" in html and "To claim" in html and "我的待办" not in html
    assert "Due within 3 working days" in html and "(Dispatcher)" in html

    html = page(paidan, f"/tickets/{ticket.id}")
    assert "Work order details" in html and "Handling deadline" in html and "Caller phone" in html
    assert "2026-11-25 (Wed) 10:00" in html and "(周三)" not in html
    assert "网吧接纳未成年人" in html, "domain data (the ticket's title) is not translated"

    html = page(paidan, f"/tasks/{open_item(ticket, 'sign').id}")
    assert "Task form" in html and "Work order no." in html and "(Wed)" in html
    assert "工单编号" not in html


def test_english_form_errors_and_flashes(app, browser):
    paidan = browser("paidan")
    paidan.get("/lang/en")
    g.pop("_flask_babel", None)
    response = paidan.post("/tickets/new", {"ticket_no": "", "title": "网吧问题", "content": "",
                                            "caller_phone": "abc", "ticket_type": "投诉", "urgency": "一般",
                                            "nature": "主办", "source": "市级直派"})
    html = unescape(response.get_data(as_text=True))  # (the messages are escaped text: platform&#39;s)
    assert response.status_code == 422
    assert "市级直派" in html and "enter the platform's work order number" in html
    assert "only digits, +, -, spaces and brackets are allowed" in html
    assert "The form has errors" in html


def test_english_catalogue_is_complete_and_compiled():
    with open(CATALOGUE / "messages.po", "rb") as f:
        po = read_po(f)
    with open(CATALOGUE / "messages.mo", "rb") as f:
        mo = read_mo(f)
    messages = [m for m in po if m.id]
    assert messages
    for message in messages:
        assert message.string, f"untranslated: {message.id}"
        assert "fuzzy" not in message.flags, f"fuzzy: {message.id}"
        compiled = mo.get(message.id, message.context)  # (pgettext: the same words in another context)
        assert compiled is not None and compiled.string == message.string, \
            f"messages.mo is older than messages.po (run pybabel compile): {message.id}"


def test_role_labels_are_in_the_catalogue():
    from app.models.user import ROLES
    from app.web.filters import ROLE_LABELS

    assert set(ROLES.values()) <= set(ROLE_LABELS), "keep app.web.filters.ROLE_LABELS in step with ROLES"
