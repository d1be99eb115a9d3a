"""A main-line task page shows its form and ticket at once; what is beside them comes as a fragment after."""

from sqlalchemy import select

from app.extensions import db
from app.models import AccessLog
from tests.helpers import new_ticket, open_item, run_to, shown_task_page


def test_the_form_first_then_the_panels_and_the_record(app, browser):
    ticket = new_ticket(no="CTX-1", enterprise="极速网咖")
    run_to(ticket, "handle")
    item = open_item(ticket, "handle")
    wenhua = browser("wenhua")
    page = wenhua.get(f"/tasks/{item.id}").get_data(as_text=True)
    assert 'id="task-form"' in page and 'id="task-ticket"' in page and "CTX-1" in page
    assert 'class="timeline' not in page and 'id="case-actions-card"' not in page, "not rendered with the form"
    assert f'hx-get="/tasks/{item.id}/context"' in page

    fragment = wenhua.get(f"/tasks/{item.id}/context")
    assert fragment.status_code == 200
    text = fragment.get_data(as_text=True)
    assert "<html" not in text, "a fragment, not a page"
    assert 'id="case-actions-card"' in text and "办理记录" in text and 'id="field-work"' in text
    assert f'name="next" value="/tasks/{item.id}"' in text, "its forms come back to the task page, not the fragment"
    assert 'id="task-ticket"' not in text, "the ticket's card is already on the page"
    views = db.session.scalars(select(AccessLog.where).where(AccessLog.ticket_id == ticket.id,
                                                             AccessLog.action == "view")).all()
    assert any("办理记录与关联信息" in where for where in views), "the fragment's view of the ticket is logged"


def test_who_may_not_see_the_task_may_not_load_its_fragment(app, browser):
    ticket = new_ticket(no="CTX-2")
    run_to(ticket, "handle")
    item = open_item(ticket, "handle")
    assert browser("huifang").get(f"/tasks/{item.id}/context").status_code == 403
    assert browser().get(f"/tasks/{item.id}/context").status_code in (302, 401)


def test_a_task_page_as_shown_has_everything_once(app, browser):
    ticket = new_ticket(no="CTX-3")
    run_to(ticket, "respond")
    shown = shown_task_page(browser("wenhua"), open_item(ticket, "respond").id)
    assert shown.count('id="task-ticket"') == 1 and shown.count("办理记录") >= 1
