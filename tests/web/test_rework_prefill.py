"""Rework keeps the work: 退回修改 and 二次办理 reopen 办理 filled with the last submission, the reason
on top, and the reviewer sees how the reply changed (issue 13 item 3)."""

import re

from app.extensions import db
from app.services import completion, inbox, rework
from tests.helpers import APPROVE, HANDLE, UNRESOLVED, complete, new_ticket, open_item, run_to

RETURN = {"review_decision": "退回修改", "review_comment": "请写明联系来电人的时间和方式。"}
NEW_DRAFT = "11月25日致电来电人，经核查网咖存在接纳未成年人问题，已责令整改，来电人表示认可。"


def _form_values(page: str) -> dict:
    """The textareas of the task form as a person sees them."""
    return {name: value.strip() for name, value in
            re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S)}


def test_review_return_reopens_handle_with_last_submission_and_the_comment(app, browser):
    ticket = new_ticket()
    run_to(ticket, "review")
    complete(ticket, "review", "shenhe", **RETURN)
    item = open_item(ticket, "handle")
    variables = inbox.task_variables(item)
    assert completion.form_prefill(item, variables) == HANDLE
    [notice] = completion.form_notices(item, variables)
    assert notice.kind == "review" and notice.comment == RETURN["review_comment"] and notice.by == "周强"

    page = browser("wenhua").get(f"/tasks/{item.id}").get_data(as_text=True)
    values = _form_values(page)
    assert values["reply_draft"] == HANDLE["reply_draft"]
    assert values["party_contact"] == HANDLE["party_contact"]
    assert page.index("请写明联系来电人的时间和方式。") < page.index('id="task-form"')  # above the form
    assert 'data-notice="review"' in page


def test_first_handling_opens_empty(app, browser):
    ticket = new_ticket()
    run_to(ticket, "handle")
    item = open_item(ticket, "handle")
    assert completion.form_prefill(item, inbox.task_variables(item)) == {}
    assert completion.form_notices(item, inbox.task_variables(item)) == []
    page = browser("wenhua").get(f"/tasks/{item.id}").get_data(as_text=True)
    assert _form_values(page)["reply_draft"] == ""
    assert "data-notice=" not in page


def test_second_handling_after_unresolved_callback_is_filled_and_says_why(app, browser):
    ticket = new_ticket()
    run_to(ticket, "callback")
    complete(ticket, "callback", "huifang", **dict(UNRESOLVED, callback_note="来电人称网咖仍接纳未成年人"))
    item = open_item(ticket, "handle")
    variables = inbox.task_variables(item)
    assert completion.form_prefill(item, variables)["reply_draft"] == HANDLE["reply_draft"]
    [notice] = completion.form_notices(item, variables)
    assert notice.kind == "callback" and notice.comment == "来电人称网咖仍接纳未成年人"
    assert ("是否解决", "未解决") in notice.details
    page = browser("wenhua").get(f"/tasks/{item.id}").get_data(as_text=True)
    assert "二次办理" in page and "来电人称网咖仍接纳未成年人" in page
    assert _form_values(page)["handling_result"] == HANDLE["handling_result"]


def test_review_after_return_shows_the_diff_of_the_reply(app, browser):
    ticket = new_ticket()
    run_to(ticket, "review")
    item = open_item(ticket, "review")
    page = browser("shenhe").get(f"/tasks/{item.id}").get_data(as_text=True)
    assert 'id="reply-diff"' not in page  # a first review has nothing to compare with
    complete(ticket, "review", "shenhe", **RETURN)
    complete(ticket, "handle", "wenhua", **dict(HANDLE, reply_draft=NEW_DRAFT))
    item = open_item(ticket, "review")
    variables = inbox.task_variables(item)
    segments = rework.draft_changes(variables)
    assert "".join(t for op, t in segments if op != "insert") == HANDLE["reply_draft"]
    assert "".join(t for op, t in segments if op != "delete") == NEW_DRAFT
    page = browser("shenhe").get(f"/tasks/{item.id}").get_data(as_text=True)
    assert 'id="reply-diff"' in page and '<ins class="diff-ins">' in page
    assert "请写明联系来电人的时间和方式。" in page  # the earlier comment beside the decision
    assert "退回修改后重新提交审核" in page


def test_resubmitting_unchanged_reply_is_pointed_out(app, browser):
    ticket = new_ticket()
    run_to(ticket, "review")
    complete(ticket, "review", "shenhe", **RETURN)
    complete(ticket, "handle", "wenhua", **HANDLE)
    item = open_item(ticket, "review")
    page = browser("shenhe").get(f"/tasks/{item.id}").get_data(as_text=True)
    assert "答复口径与上次审核的完全相同" in page


def test_callback_page_calls_the_reply_approved(app, browser):
    ticket = new_ticket()
    run_to(ticket, "callback")
    item = open_item(ticket, "callback")
    page = browser("huifang").get(f"/tasks/{item.id}").get_data(as_text=True)
    assert "待审核的答复口径" not in page
    assert "审核通过的答复口径" in page


def test_review_messages_say_what_happened(app, browser):
    ticket = new_ticket()
    run_to(ticket, "review")
    item = open_item(ticket, "review")
    b = browser("shenhe")
    response = b.post(f"/tasks/{item.id}", RETURN, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "已退回修改" in page and "已提交：回复审核" not in page
    db.session.expire_all()
    complete(ticket, "handle", "wenhua", **HANDLE)
    item = open_item(ticket, "review")
    page = b.post(f"/tasks/{item.id}", APPROVE, follow_redirects=True).get_data(as_text=True)
    assert "审核通过" in page


def test_the_diff_is_masked_for_the_reviewer(app, browser):
    ticket = new_ticket()
    run_to(ticket, "review")
    complete(ticket, "review", "shenhe", **RETURN)
    complete(ticket, "handle", "wenhua", **dict(HANDLE, reply_draft=HANDLE["reply_draft"] + "回电号码13811112222。"))
    item = open_item(ticket, "review")
    page = browser("shenhe").get(f"/tasks/{item.id}").get_data(as_text=True)
    diff = page[page.index('id="reply-diff"'):]
    diff = diff[:diff.index("</div>\n", diff.index("pre-wrap"))]
    assert "13811112222" not in diff and "138****2222" in diff
