"""API keys act for their own platform: other platforms' tickets do not exist for them (unless the key
holds all_platforms), scopes limit the routes, and the API keeps the desk's field rules."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import PlatformMessage, Ticket
from app.services import apikeys
from app.services import ticket_import as ti
from tests.helpers import DISPATCH, SIGN, complete, new_ticket
from tests.web.test_platform_api import BODY


class Key:
    def __init__(self, app, platform, scopes=None):
        _row, key = apikeys.create_key(platform, scopes=scopes)
        self.client, self.headers = app.test_client(), {"Authorization": f"Bearer {key}"}

    def get(self, url):
        return self.client.get(url, headers=self.headers)

    def put(self, no, **over):
        return self.client.put(f"/api/v1/tickets/{no}", json=dict(BODY, **over), headers=self.headers)

    def message(self, no, **body):
        return self.client.post(f"/api/v1/tickets/{no}/messages", json=body, headers=self.headers)


def test_a_district_key_learns_nothing_about_a_city_ticket(app):
    city, district = Key(app, "市级平台"), Key(app, "区级平台")
    assert city.put("BJ-C1").status_code == 201
    ticket = db.session.scalar(select(Ticket).where(Ticket.ticket_no == "BJ-C1"))
    complete(ticket, "sign", "paidan", **SIGN)
    complete(ticket, "dispatch", "paidan", **DISPATCH)
    assert city.get("/api/v1/tickets/BJ-C1").status_code == 200

    theirs, missing = district.get("/api/v1/tickets/BJ-C1"), district.get("/api/v1/tickets/BJ-NONE")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.get_json()["errors"][0]["message"].replace("BJ-C1", "#") == \
        missing.get_json()["errors"][0]["message"].replace("BJ-NONE", "#"), "the same answer as for no ticket"
    sent = district.message("BJ-C1", kind="督办", text="请反馈")
    assert sent.status_code == 404 and db.session.scalar(select(func.count(PlatformMessage.id))) == 0
    taken = district.put("BJ-C1")
    assert taken.status_code == 409 and "网吧" not in taken.get_data(as_text=True), "nothing of that ticket"
    assert city.put("BJ-C1", title="另一个标题").get_json() == taken.get_json(), \
        "the same words as for the platform's own number used with other content"


def test_hand_entered_tickets_belong_to_the_platform_their_source_names(app):
    new_ticket("M-1", source="区级转派")
    assert Key(app, "区级平台").get("/api/v1/tickets/M-1").status_code == 200
    assert Key(app, "市级平台").get("/api/v1/tickets/M-1").status_code == 404


def test_scopes_limit_what_a_key_may_do(app):
    reader = Key(app, "市级平台", scopes=["tickets:read"])
    refused = reader.put("BJ-R1")
    assert refused.status_code == 403 and "tickets:write" in refused.get_json()["errors"][0]["message"]
    assert reader.get("/api/v1/outbox").status_code == 403
    new_ticket("M-2", source="区级转派")
    assert reader.get("/api/v1/tickets/M-2").status_code == 404
    everywhere = Key(app, "市级平台", scopes=["tickets:read", "all_platforms"])
    assert everywhere.get("/api/v1/tickets/M-2").status_code == 200, "granted more: reaches other platforms"


def test_the_api_keeps_the_same_field_rules_as_the_form_and_the_import(app, browser):
    city = Key(app, "市级平台")
    cases = {
        "platform_deadline": dict(dispatched_at="2026-11-25T09:40:00+08:00",
                                  platform_deadline="2026-11-24T17:00:00+08:00"),
        "dispatched_at": dict(dispatched_at="2099-01-01T09:00:00+08:00", platform_deadline=None, called_at=None),
        "caller_phone": dict(caller_phone="abc<>"),
    }
    for field, body in cases.items():
        response = city.put("BJ-V1", **body)
        errors = response.get_json()["errors"]
        assert response.status_code == 422 and field in [e["field"] for e in errors], (field, errors)
    assert db.session.scalar(select(func.count(Ticket.id))) == 0

    paidan = browser("paidan")
    page = paidan.post("/tickets/new", {"ticket_no": "H-1", "title": "t", "content": "c", "ticket_type": "投诉",
                                        "urgency": "一般", "nature": "主办", "source": "其他",
                                        "caller_phone": "abc<>", "dispatched_at": "2099-01-01T09:00"})
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and "不允许的字符“abc&lt;&gt;”" in html and "不能是将来的时间" in html

    row = ti.parse_row(2, {"ticket_no": "I-1", "ticket_type": "投诉", "title": "t", "content": "c",
                           "caller_phone": "abc<>", "dispatched_at": "2099-01-01 09:00"})
    assert any("不允许的字符“abc<>”" in e for e in row.errors) and any("不能是将来的时间" in e for e in row.errors)
