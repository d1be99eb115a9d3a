"""English for what comes from the diagrams: task names, form labels, options, states, timeline entries.
Chinese stays the default; a diagram's own English (camunda:properties name_en/label_en) wins."""

from flask import session
from flask_babel import refresh

from app.services import diagram_words
from tests.helpers import new_ticket, open_item, run_to


def test_english_reader_sees_the_sign_task_in_english(app, browser):
    ticket = new_ticket(no="EN-T1")
    item = open_item(ticket, "sign")
    paidan = browser("paidan")
    zh = paidan.get(f"/tasks/{item.id}").get_data(as_text=True)
    assert "签收结果" in zh and "退回原因" in zh and "待签收" in zh  # Chinese by default
    paidan.get("/lang/en")
    en = paidan.get(f"/tasks/{item.id}").get_data(as_text=True)
    assert "Signing decision" in en and "Reason for return" in en
    assert "Not this bureau&#39;s remit" in en, "an option's words as text (its apostrophe escaped)"
    assert "To sign for" in en and "签收结果" not in en
    inbox = paidan.get("/?tab=claimable").get_data(as_text=True)
    assert ">Sign for</a>" in inbox


def test_timeline_entries_render_in_the_readers_language(app, browser):
    ticket = new_ticket(no="EN-T2")
    run_to(ticket, stop_before="respond")
    paidan = browser("paidan")
    zh = paidan.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "完成：签收" in zh
    paidan.get("/lang/en")
    en = paidan.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "完成：签收" not in en and "Sign for" in en and "To respond" in en


def test_a_diagrams_own_english_wins_over_the_catalogue(app):
    spec = {"id": "sign_decision", "label": "签收结果", "properties": {"label_en": "Outcome", "退回_en": "Send back"}}
    with app.test_request_context():
        session["lang"] = "en"
        refresh()
        assert diagram_words.english_wanted()
        assert str(diagram_words.field_label(spec)) == "Outcome"
        assert str(diagram_words.option_label(spec, "退回", "退回")) == "Send back"
        assert diagram_words.word("待签收") == "To sign for"
        assert diagram_words.word("证照到期预警：极速网咖") == "Licence expiry warning: 极速网咖"
    with app.test_request_context():
        refresh()  # the locale is cached per context
        assert diagram_words.word("待签收") == "待签收"
