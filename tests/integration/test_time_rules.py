"""时限规则: named, versioned parameters the diagram reads with rule(); open tickets follow on request."""

import pytest
from sqlalchemy import func, select

from app.engine.clock import clock
from app.extensions import db
from app.models import Alert, InstanceMigration, TicketEvent, TimeRuleVersion
from app.services import PermissionDenied, inbox, migration, rates, time_rules
from app.services.supervision import overview
from app.services.tickets import ticket_instance
from app.services.timers import sweep
from tests.conftest import shanghai
from tests.helpers import new_ticket, open_item, run_to, user


def rules(**changes):
    values = time_rules.current()
    values.update(changes)
    return values


def alerts(kind):
    return db.session.scalar(select(func.count(Alert.id)).where(Alert.kind == kind))


def test_new_tickets_follow_the_reply_rule(app):
    first = new_ticket("T-1")  # Wed 25 Nov 10:00 + 7 working days = Fri 4 Dec
    assert first.reply_deadline == shanghai(2026, 12, 4, 10)
    row = time_rules.save(user("zhuguan"), rules(reply_workdays=10), "试行十个工作日")
    assert row.version == 1 and row.changed_by.username == "zhuguan"
    second = new_ticket("T-2")
    assert second.reply_deadline == shanghai(2026, 12, 9, 10), "10 working days for the ticket started after"
    assert first.reply_deadline == shanghai(2026, 12, 4, 10), "an open ticket keeps its deadline until recomputed"


def test_urgent_first_contact_rule(app):
    time_rules.save(user("zhuguan"), rules(first_contact_urgent_hours=1))
    ticket = new_ticket("T-U", urgency="紧急")
    assert ticket.response_deadline == shanghai(2026, 11, 25, 11)


def test_bad_values_are_refused_by_name_and_nothing_is_saved(app):
    with pytest.raises(time_rules.InvalidRules) as refused:
        time_rules.save(user("zhuguan"), rules(reply_workdays="七", urge_workdays=0, work_end="08:00"))
    assert set(refused.value.errors) == {"reply_workdays", "urge_workdays"}
    assert "办理时限必须是数字" in refused.value.errors["reply_workdays"]
    assert db.session.scalar(select(func.count(TimeRuleVersion.id))) == 0
    with pytest.raises(PermissionDenied):
        time_rules.save(user("wenhua"), rules(reply_workdays=8))


def test_urge_rule_drives_reminder_label_inbox_colour_and_projection(app, browser):
    ticket = new_ticket()  # reply deadline Fri 4 Dec 10:00
    run_to(ticket, stop_before="handle")
    item = open_item(ticket, "handle")
    clock.freeze(shanghai(2026, 11, 30, 10))  # Mon: 4 working days before the deadline
    assert inbox.urgency_class(item.due_at) == ""
    assert inbox.urgency_classifier()(item.due_at) == ""  # a page's classifier: the same answer
    time_rules.save(user("zhuguan"), rules(urge_workdays=5), "提前到五个工作日催办")
    assert inbox.urgency_class(item.due_at) == "soon"
    page_class = inbox.urgency_classifier()
    assert [page_class(d) for d in (item.due_at, clock.now(), None)] == ["soon", "overdue", ""]
    assert ticket in rates.compute()["resolution"].at_risk
    assert ticket in [due.ticket for due in overview()["soon"]]

    zhuguan = browser("zhuguan")
    page = zhuguan.get("/supervisor/").get_data(as_text=True)
    assert "5个工作日内到期" in page and "3个工作日内到期" not in page

    # applied to open tickets: the 催办 moves to 5 working days before the deadline (Fri 27 Nov), already past
    outcomes = migration.recompute_open(user("zhuguan"))
    assert [o.done for o in outcomes if o.ticket is ticket] == [True]
    assert not any(o.error for o in outcomes)
    db.session.refresh(ticket)
    assert ticket.urge_at == shanghai(2026, 11, 27, 10)
    assert ticket.reply_deadline == shanghai(2026, 12, 4, 10)
    assert alerts("催办") == 1, "the reminder whose new instant has passed fires at once"
    event = db.session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                                        TicketEvent.kind == "deadline"))
    assert event.title == "按时限规则第 1 版重算时限"
    assert event.data[0][0] == "催办时点" and "2026-12-01" in event.data[0][1] and "2026-11-27" in event.data[0][1]
    assert db.session.scalar(select(func.count(InstanceMigration.id))) == 1
    page = zhuguan.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "催办时点（到期前5个工作日）" in page


def test_recompute_moves_the_reply_deadline_timer_and_due_date(app):
    ticket = new_ticket()
    run_to(ticket, stop_before="handle")
    time_rules.save(user("liucheng"), rules(reply_workdays=9, urge_workdays=2))
    migration.recompute_open(user("liucheng"))
    db.session.refresh(ticket)
    assert ticket.reply_deadline == shanghai(2026, 12, 8, 10)
    assert ticket.urge_at == shanghai(2026, 12, 4, 10)
    assert open_item(ticket, "handle").due_at == shanghai(2026, 12, 8, 10), "the task's due date follows"
    assert ticket_instance(ticket).next_timer_at == shanghai(2026, 12, 4, 10)
    clock.freeze(shanghai(2026, 12, 1, 10, 0, 1))  # the old 催办 instant: nothing
    sweep()
    assert alerts("催办") == 0
    clock.freeze(shanghai(2026, 12, 4, 10, 0, 1))
    sweep()
    sweep()
    assert alerts("催办") == 1


def test_recompute_keeps_an_approved_extension(app):
    from datetime import date

    from app.services import deadline_extension
    from tests.helpers import complete

    ticket = new_ticket()
    run_to(ticket, stop_before="handle")
    deadline_extension.request_extension(ticket.id, user("wenhua"), "需联合检查", date(2026, 12, 11))
    complete(ticket, "extension_review", "zhuguan", extension_decision="批准", approved_deadline=None,
             extension_comment="")
    time_rules.save(user("zhuguan"), rules(reply_workdays=9))
    migration.recompute_open(user("zhuguan"))
    db.session.refresh(ticket)
    assert ticket.reply_deadline == shanghai(2026, 12, 11, 10), "the extension's deadline stands"


def test_a_change_note_past_its_limit_is_refused_on_its_field_and_kept(app, browser):
    """修改说明 past 300 characters: the page again with all of it and the message on the field (it was cut
    at 300 without a word); no version is saved."""
    import re

    values = {name: str(value) for name, value in rules(reply_workdays=8).items()}
    typed = "按区政府办公室通知调整办理时限" * 21  # 315 characters
    response = browser("zhuguan").post("/rules/", {**values, "comment": typed}, form_url="/rules/")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    field = re.search(r'<input class="form-control form-control-sm is-invalid" id="rule-comment"[^>]*>', page).group(0)
    assert f'value="{typed}"' in field and 'data-maxlength="300"' in field and " maxlength=" not in field
    assert 'id="rule-comment-error">修改说明不能超过 300 个字（现 315 个字）' in page
    assert db.session.scalar(select(func.count(TimeRuleVersion.id))) == 0
