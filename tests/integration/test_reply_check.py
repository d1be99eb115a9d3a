"""答复口径 automatic check: six elements, length, typos, inflammatory wording; shown to handler and reviewer."""

import re

from app.extensions import db
from app.services import settings
from app.services.reply_check import check_reply
from tests.helpers import HANDLE, new_ticket, open_item, run_to

GOOD = ("11月25日10时，文化市场管理科工作人员致电来电人，经核查，该网咖存在接纳未成年人上网的问题，"
        "我局已责令其立即整改并依法处罚。来电人表示认可。")


def test_a_complete_reply_passes(app):
    result = check_reply(GOOD)
    assert result.ok, result
    assert 40 <= result.length <= 260


def test_missing_elements_length_typos_and_risky_words_are_flagged(app):
    result = check_reply("已按排处理，来电人没事找事。")
    assert not result.ok
    assert not result.length_ok
    assert "核查情况" in result.missing_elements and "联系时间" in result.missing_elements
    assert ("按排", "安排") in result.typos
    assert "没事找事" in result.risky_words


def test_the_word_for_the_caller_is_no_way_of_contacting_them(app):
    """来电人 (the caller) says nothing of how they were reached; 来电 (a call) and 电话 do."""
    assert "联系方式" in check_reply("经查，来电人瞎投诉，我们已按排人员处理。").missing_elements
    assert "联系方式" not in check_reply("来电人再次来电，经查已处理。").missing_elements
    assert "来电" in check_reply("").hints["联系方式"], "the hint shows the word, not the pattern"


def test_dictionaries_are_settings(app):
    settings.put("reply_risky_words", ["不予理睬"])
    db.session.commit()
    assert check_reply(GOOD + "不予理睬").risky_words == ["不予理睬"]
    assert check_reply("没事找事").risky_words == []


def test_handler_and_reviewer_see_the_check_and_it_is_kept(app, browser):
    ticket = new_ticket()
    run_to(ticket, stop_before="handle")
    wenhua = browser("wenhua")
    item = open_item(ticket, "handle")
    page = wenhua.get(f"/tasks/{item.id}").get_data(as_text=True)
    assert 'id="reply-check"' in page and "reply-check.js" in page
    live = wenhua.post("/reply-check", {"text": "已按排处理"}, form_url=f"/tasks/{item.id}").get_data(as_text=True)
    assert "按排" in live and "缺少要素" in live
    response = wenhua.post(f"/tasks/{item.id}", dict(HANDLE, reply_draft="已按排处理，来电人没事找事。"))
    assert response.status_code == 302
    db.session.expire_all()
    review = open_item(ticket, "review")
    page = browser("shenhe").get(f"/tasks/{review.id}").get_data(as_text=True)
    assert 'id="reply-draft"' in page and "已按排处理" in page
    assert re.search(r'data-check="risky"[^>]*>[^<]*没事找事', page)
    timeline = browser("zhuguan").get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "答复口径自动检查" in timeline and "舆情风险用语" in timeline


def test_handing_in_says_it_went_to_review_with_what_the_check_found(app, browser):
    ticket = new_ticket()
    run_to(ticket, stop_before="handle")
    wenhua = browser("wenhua")
    page = wenhua.post(f"/tasks/{open_item(ticket, 'handle').id}", dict(HANDLE, reply_draft="已按排处理，来电人没事找事。"),
                       follow_redirects=True).get_data(as_text=True)
    flashed = re.search(r'<div class="alert alert-warning[^"]*"[^>]*>(.*?)</div>', page, re.S).group(1)
    assert flashed.strip().startswith("已提交审核。答复口径自动检查提示：字数 14（应为 40–260）；缺少要素：联系时间、")
    assert "疑似错别字：按排→安排；舆情风险用语：没事找事。审核人将看到这些提示" in flashed
    other = new_ticket("T-0002")
    run_to(other, stop_before="handle")
    page = wenhua.post(f"/tasks/{open_item(other, 'handle').id}", dict(HANDLE, reply_draft=GOOD),
                       follow_redirects=True).get_data(as_text=True)
    assert "已提交审核：答复口径自动检查未发现问题，等待审核。" in page and "alert-warning" not in page


def test_the_check_in_the_timeline_reads_in_english(app, browser):
    from flask import g

    ticket = new_ticket()
    run_to(ticket, stop_before="handle")
    browser("wenhua").post(f"/tasks/{open_item(ticket, 'handle').id}", dict(HANDLE, reply_draft="已按排处理。"))
    zhuguan = browser("zhuguan")
    zhuguan.get("/lang/en")
    g.pop("_flask_babel", None)  # (the tests' one app context would keep the Chinese locale)
    page = zhuguan.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    for label in ("Length", "Required length", "Missing elements", "Possible typos"):
        assert f'fw-normal">{label}</dt>' in page, label
    for chinese in ("字数", "应有字数", "缺少要素", "疑似错别字", "提交审核时"):
        assert chinese not in page, chinese
    assert "40–260" in page and "按排→安排" in page, "the figures and the desk's own words stay as they are"
