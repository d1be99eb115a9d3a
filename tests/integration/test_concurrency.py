"""Two people completing the same task at once: one wins, the other is told, nothing is corrupted."""

import threading

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import TicketEvent, User, WorkItem
from app.services import Conflict, completion, inbox
from tests.helpers import DISPATCH, SIGN, complete, new_ticket, open_item, user


@pytest.mark.real_commits  # threads, each with its own connection
def test_simultaneous_completion_one_wins(app):
    ticket = new_ticket()
    item_id = open_item(ticket, "sign").id
    db.session.remove()
    barrier = threading.Barrier(2)
    outcomes = {}

    def submit(username, decision):
        with app.app_context():
            try:
                barrier.wait()
                data = dict(SIGN, sign_decision=decision,
                            return_reason="信息不全" if decision == "退回" else None)
                completion.complete_task(item_id, user(username),
                                         completion.Submission(data, [["签收结果", decision]]))
                outcomes[username] = "ok"
            except Conflict as exc:
                outcomes[username] = str(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit, args=("paidan", "签收")),
               threading.Thread(target=submit, args=("zhiban", "退回"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(outcomes.values())[0] == "ok" and list(outcomes.values()).count("ok") == 1, outcomes
    loser = next(v for v in outcomes.values() if v != "ok")
    assert "已由" in loser and "您的提交未保存" in loser, loser
    winner = next(k for k, v in outcomes.items() if v == "ok")
    ticket = db.session.merge(ticket)
    db.session.refresh(ticket)
    expected_state = "待分派" if winner == "paidan" else "已退回"
    assert ticket.state == expected_state
    completions = db.session.scalar(select(func.count(TicketEvent.id)).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "task"))
    assert completions == 1
    ready = db.session.scalars(select(WorkItem.spec_name).where(WorkItem.ticket_id == ticket.id,
                                                                WorkItem.state == "ready")).all()
    assert ready == (["dispatch"] if winner == "paidan" else [])


def test_stale_form_submission_gets_a_conflict_page_and_keeps_the_text(app, browser):
    ticket = new_ticket()
    complete(ticket, "sign", "paidan", **SIGN)
    complete(ticket, "dispatch", "paidan", **DISPATCH)
    item = open_item(ticket, "respond")
    first, second = browser("wenhua"), browser("wenhua2")
    url = f"/tasks/{item.id}"
    token = second.csrf(url)  # the second handler opened the form first...
    data = {"contact_time": "2026-11-25T10:00", "contact_method": "电话", "contact_person": "王磊"}
    assert first.post(url, data).status_code == 302  # ...the first submitted
    response = second.post(url, dict(data, contact_person="赵静", contact_note="我也联系了", csrf_token=token))
    page = response.get_data(as_text=True)
    assert response.status_code == 409  # a conflict: the task is done, not a permission problem
    assert "我也联系了" in page, "the loser's typed text is still on the page"
    assert f"该任务已由 {db.session.get(User, open_item_done(item).completed_by_id).name} 办理" in page


def open_item_done(item):
    db.session.expire_all()
    return db.session.get(WorkItem, item.id)


def test_the_same_person_submitting_again_from_another_window_is_told_it_was_theirs(app, browser):
    """马超 submitted the same 签收 in two tabs: the second was told 已由他人办理 though he had done it."""
    ticket = new_ticket()
    item = open_item(ticket, "sign")
    paidan, other_tab = browser("paidan"), browser("paidan")
    url = f"/tasks/{item.id}"
    token = other_tab.csrf(url)
    assert paidan.post(url, SIGN).status_code == 302
    response = other_tab.post(url, dict(SIGN, csrf_token=token))
    assert response.status_code == 409
    assert "您已提交过该任务（可能是在另一个窗口），本次提交未重复保存" in response.get_data(as_text=True)


@pytest.mark.real_commits  # threads, each with its own connection
def test_simultaneous_claims_one_wins(app):
    ticket = new_ticket()
    item_id = open_item(ticket, "sign").id
    db.session.remove()
    barrier = threading.Barrier(2)
    results = []

    def claim(username):
        with app.app_context():
            try:
                barrier.wait()
                inbox.claim(item_id, user(username))
                results.append(username)
            except Conflict:
                results.append("conflict")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=claim, args=(u,)) for u in ("paidan", "zhiban")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("conflict") == 1
    winner = next(r for r in results if r != "conflict")
    assert db.session.get(WorkItem, item_id).assignee.username == winner
