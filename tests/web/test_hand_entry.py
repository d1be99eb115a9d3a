"""Hand entry as the desk works (issue 13 item 7): a channel, a number of its own for a walk-in,
and straight on to the 签收 form."""

import pytest
from sqlalchemy import select

from app.engine.clock import clock
from app.extensions import db
from app.models import Ticket
from app.services import ticket_numbers, tickets
from tests.conftest import shanghai
from tests.helpers import new_ticket, open_item, user

WALK_IN = {"channel": "来访", "ticket_no": "", "ticket_type": "投诉", "title": "培训机构拒不退费",
           "content": "来访人反映某艺术培训机构拒不退还预付费。", "caller_name": "赵女士", "caller_phone": "13912345678",
           "urgency": "一般", "nature": "主办", "source": "其他"}


def test_walk_in_without_number_is_numbered_and_opens_the_sign_form(app, browser):
    clock.freeze(shanghai(2026, 12, 1, 10, 0))
    response = browser("paidan").post("/tickets/new", WALK_IN)
    assert response.status_code == 302
    ticket = db.session.scalar(select(Ticket).order_by(Ticket.id.desc()))
    assert ticket.ticket_no == "LF202612010001" and ticket.channel == "来访"
    sign = open_item(ticket, "sign")
    assert response.headers["Location"].endswith(f"/tasks/{sign.id}")  # the 签收 form, not the ticket page
    page = browser("paidan").get(f"/tasks/{sign.id}").get_data(as_text=True)
    assert "签收结果" in page


def test_numbers_follow_each_other_per_channel_and_day(app):
    clock.freeze(shanghai(2026, 12, 1, 10, 0))
    fields = {k: v for k, v in WALK_IN.items()}
    fields.update(called_at=None, dispatched_at=None, platform_deadline=None, topic="", district="", street="",
                  community="", address="", enterprise="")
    first = tickets.create_ticket(dict(fields), user("paidan"))
    second = tickets.create_ticket(dict(fields, content="另一位来访人反映同一机构。"), user("paidan"))
    letter = tickets.create_ticket(dict(fields, channel="信件", content="来信反映。"), user("paidan"))
    assert (first.ticket_no, second.ticket_no, letter.ticket_no) == \
        ("LF202612010001", "LF202612010002", "XJ202612010001")
    clock.freeze(shanghai(2026, 12, 2, 9, 0))
    assert tickets.create_ticket(dict(fields), user("paidan")).ticket_no == "LF202612020001"


def test_the_same_entry_again_within_minutes_is_refused_naming_the_ticket_and_keeps_the_form(app, browser):
    """Back then 提交 (the browser brings the filled form back) entered the same walk-in twice, numbered twice."""
    clock.freeze(shanghai(2026, 12, 1, 10, 0))
    paidan = browser("paidan")
    assert paidan.post("/tickets/new", WALK_IN).status_code == 302
    clock.freeze(shanghai(2026, 12, 1, 10, 3))
    again = paidan.post("/tickets/new", WALK_IN)
    page = again.get_data(as_text=True)
    assert again.status_code in (409, 422), again.status_code
    assert "已录入过标题、内容和来电号码都相同的工单 LF202612010001，本次未重复录入" in page
    assert "来访人反映某艺术培训机构拒不退还预付费。" in page, "what was typed stays on the form"
    assert db.session.scalar(select(db.func.count()).select_from(Ticket)) == 1
    # another person's entry, or the same one later, is a ticket of its own
    clock.freeze(shanghai(2026, 12, 1, 10, 20))
    assert paidan.post("/tickets/new", WALK_IN).status_code == 302
    assert db.session.scalar(select(db.func.count()).select_from(Ticket)) == 2


def test_a_number_taken_meanwhile_is_retried(app, monkeypatch):
    """Two desks entering at once compute the same number: the unique index refuses the second,
    which takes the next one."""
    clock.freeze(shanghai(2026, 12, 1, 10, 0))
    new_ticket(no="LF202612010001")
    stale = iter(["LF202612010001"])  # what a concurrent entry saw before the first committed
    real = ticket_numbers.next_number
    monkeypatch.setattr(ticket_numbers, "next_number", lambda channel, now=None: next(stale, None) or real(channel))
    fields = dict(WALK_IN, called_at=None, dispatched_at=None, platform_deadline=None, topic="", district="",
                  street="", community="", address="", enterprise="")
    ticket = tickets.create_ticket(fields, user("paidan"))
    assert ticket.ticket_no == "LF202612010002"
    assert db.session.scalar(select(db.func.count()).select_from(Ticket)) == 2


@pytest.mark.parametrize("source", ["市级直派", "区级转派"])
def test_a_platform_ticket_still_needs_its_number(app, browser, source):
    page = browser("paidan").post("/tickets/new", dict(WALK_IN, source=source)).get_data(as_text=True)
    assert f"{source}的工单请填写平台的工单编号" in page


def test_channel_is_shown_on_the_ticket(app, browser):
    browser("paidan").post("/tickets/new", dict(WALK_IN, channel="网络", ticket_no="W-1"))
    ticket = db.session.scalar(select(Ticket).where(Ticket.ticket_no == "W-1"))
    page = browser("paidan").get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "反映渠道" in page and ">网络<" in page


@pytest.mark.real_commits  # two threads, each its own session: needs committed rows
def test_simultaneous_walk_ins_get_different_numbers(app):
    """Four desks saving walk-ins at the same moment: four tickets, four consecutive numbers."""
    import threading

    clock.freeze(shanghai(2026, 12, 1, 10, 0))
    db.session.remove()
    barrier = threading.Barrier(4)
    numbers, failures = [], []
    fields = dict(WALK_IN, called_at=None, dispatched_at=None, platform_deadline=None, topic="", district="",
                  street="", community="", address="", enterprise="")

    def enter(index):
        with app.app_context():
            try:
                barrier.wait()
                numbers.append(tickets.create_ticket(dict(fields, title=f"来访 {index}"), user("paidan")).ticket_no)
            except Exception as exc:  # noqa: BLE001 - the test reports whatever went wrong
                failures.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=enter, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert sorted(numbers) == [f"LF20261201000{i}" for i in range(1, 5)]


def test_full_width_digits_and_brackets_are_taken_as_typed_on_a_chinese_ime(app, browser):
    clock.freeze(shanghai(2026, 12, 1, 10, 0))
    response = browser("paidan").post("/tickets/new", dict(
        WALK_IN, channel="电话", source="市级直派", ticket_no="ＢＪ１２３４５－２０２６－０００９",
        caller_phone="（０１０）６５１２　３４５６"))
    assert response.status_code == 302, response.get_data(as_text=True)
    ticket = db.session.scalar(select(Ticket).order_by(Ticket.id.desc()))
    assert (ticket.ticket_no, ticket.caller_phone) == ("BJ12345-2026-0009", "(010)6512 3456")
    response = browser("paidan").post("/tickets/new", dict(WALK_IN, caller_phone="１３８００１３８"))
    assert response.status_code == 422
    assert "手机号码应为 11 位，现为 8 位" in response.get_data(as_text=True), "checked after folding, said precisely"


def test_a_ticket_number_typed_by_hand_takes_letters_digits_and_dash_underscore_slash(app, browser):
    clock.freeze(shanghai(2026, 12, 1, 10, 0))
    paidan = browser("paidan")
    response = paidan.post("/tickets/new", dict(WALK_IN, channel="电话", source="市级直派", ticket_no="京12345；2026"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "工单编号只能包含字母、数字和 - _ /，不能有“京、;”" in page  # (the IME's full width folded first)
    assert 'value="京12345;2026"' in page, "the number as typed stays in the field"
    assert db.session.scalar(select(Ticket).where(Ticket.ticket_no.like("%12345%"))) is None
    response = paidan.post("/tickets/new", dict(WALK_IN, channel="电话", source="市级直派", ticket_no="JX-2026/015_a"))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert db.session.scalar(select(Ticket.ticket_no).order_by(Ticket.id.desc())) == "JX-2026/015_a"
