"""用户管理: an admin adds, edits, disables and resets users; everything is audited; users are never deleted."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.models import SecurityEvent, User
from tests.helpers import user


def events(username):
    u = user(username)
    return [e.kind for e in db.session.scalars(select(SecurityEvent).where(SecurityEvent.user_id == u.id)
                                                .order_by(SecurityEvent.id))]


def test_an_admin_adds_a_user_who_must_choose_a_password(app, browser):
    admin = browser("liucheng")
    page = admin.post("/admin/users/new", {"username": "li4", "name": "李四", "roles": ["handler"],
                                           "section": "tourism_market", "phone": ""},
                      form_url="/admin/users/new").get_data(as_text=True)
    password = re.search(r'id="temporary-password">([^<]+)<', page).group(1)
    li = user("li4")
    assert li.section.code == "tourism_market" and li.role_set == {"handler"} and li.must_change_password
    b = browser()
    assert b.post("/login", {"username": "li4", "password": password}).headers["Location"].endswith(
        "/account/password")
    assert b.get("/").headers["Location"].endswith("/account/password")
    assert "user_created" in events("li4")
    listing = admin.get("/admin/users/").get_data(as_text=True)
    assert "li4" in listing and "待改密码" in listing


def test_the_form_explains_what_is_wrong_and_keeps_what_was_typed(app, browser):
    admin = browser("liucheng")
    response = admin.post("/admin/users/new", {"username": "paidan", "name": "重名", "roles": ["handler"],
                                               "section": "", "password": "123456"}, form_url="/admin/users/new")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "承办人须属于一个科室" in html and "密码至少 10 位" in html
    assert 'value="重名"' in html


def test_roles_and_section_are_edited_and_audited(app, browser):
    admin = browser("liucheng")
    tongji = user("tongji")
    response = admin.post(f"/admin/users/{tongji.id}", {"name": "郑欣", "roles": ["analyst", "reviewer"],
                                                        "section": "", "phone": "010-1234"},
                          form_url=f"/admin/users/{tongji.id}")
    assert response.status_code == 302
    assert user("tongji").role_set == {"analyst", "reviewer"}
    event = db.session.scalars(select(SecurityEvent).where(SecurityEvent.kind == "user_updated")).one()
    assert "角色 analyst→analyst,reviewer" in event.detail and event.actor_id == user("liucheng").id
    page = admin.get(f"/admin/users/{tongji.id}").get_data(as_text=True)
    assert "修改用户" in page


def test_disabling_keeps_the_user_and_their_name_on_the_records(app, browser):
    admin = browser("liucheng")
    huifang = user("huifang")
    admin.post(f"/admin/users/{huifang.id}/active", {"active": "0"}, form_url=f"/admin/users/{huifang.id}")
    db.session.expire_all()
    assert db.session.get(User, huifang.id) is not None and not user("huifang").active
    assert browser().post("/login", {"username": "huifang", "password": "jiesu2026"}).status_code == 401
    admin.post(f"/admin/users/{huifang.id}/active", {"active": "1"}, form_url=f"/admin/users/{huifang.id}")
    assert browser("huifang").get("/").status_code == 200
    assert events("huifang")[:4] == ["user_disabled", "login_failed", "user_enabled", "login"]
    assert not any("delete" in rule.rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("users."))


def test_an_admin_cannot_lock_the_desk_out_of_administration(app, browser):
    admin = browser("liucheng")
    me = user("liucheng")
    page = admin.post(f"/admin/users/{me.id}/active", {"active": "0"}, form_url=f"/admin/users/{me.id}",
                      follow_redirects=True).get_data(as_text=True)
    assert "不能停用自己的账号" in page and user("liucheng").active
    response = admin.post(f"/admin/users/{me.id}", {"name": "何工", "roles": ["process_owner"], "section": ""},
                          form_url=f"/admin/users/{me.id}")
    assert response.status_code == 422 and "管理员角色" in response.get_data(as_text=True)


def test_the_page_shows_last_login_and_is_for_admins_only(app, browser):
    browser("jiancha")
    page = browser("liucheng").get("/admin/users/").get_data(as_text=True)
    row = page.split('data-user="jiancha"')[1].split("</tr>")[0]
    assert "从未登录" not in row and re.search(r"\d{4}-\d{2}-\d{2} \(.+\) \d{2}:\d{2}", row)
    assert "从未登录" in page.split('data-user="fenguan"')[1].split("</tr>")[0]
    for who in ("zhuguan", "tongji", "paidan"):
        assert browser(who).get("/admin/users/").status_code == 403


def test_a_taken_username_is_named_with_the_other_problems_at_once(app):
    import pytest

    from app.services import InvalidInput, users

    with pytest.raises(InvalidInput) as refused:
        users.add_user("ZhiBan", "值班员", ["duty"], None, "123", actor=user("liucheng"))
    assert refused.value.errors["username"] == "用户名 ZhiBan 已存在。"
    assert "password" in refused.value.errors
