"""The platform API (/api/v1): push, read, outbox, 督办/催办, keys — as a platform's client sees it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.engine.clock import clock
from app.extensions import db
from app.models import Alert, OutboxItem, PlatformMessage, ProcessInstance, Ticket, TicketEvent
from app.services import apikeys
from app.web.api.openapi import openapi_path
from tests.helpers import APPROVE, DISPATCH, HANDLE, RESPOND, SIGN, UNRESOLVED, complete

BODY = {
    "ticket_type": "投诉", "topic": "文化->文化市场->网吧", "title": "网吧接纳未成年人",
    "content": "来电人反映某网吧接纳未成年人上网。", "caller_name": "李先生", "caller_phone": "13811112222",
    "district": "本区", "street": "东华街道", "address": "东华路18号", "enterprise": "极速网咖",
    "called_at": "2026-11-25T09:12:00+08:00", "dispatched_at": "2026-11-25T09:40:00+08:00",
    "platform_deadline": "2026-12-04T17:00:00+08:00", "urgency": "一般", "nature": "主办",
}


class Platform:
    """A platform's HTTP client with its key."""

    def __init__(self, app, platform="市级平台", header="bearer"):
        self.row, self.key = apikeys.create_key(platform)
        self.client = app.test_client()
        self.headers = {"Authorization": f"Bearer {self.key}"} if header == "bearer" else {"X-API-Key": self.key}

    def put(self, no, body=None, **over):
        return self.client.put(f"/api/v1/tickets/{no}", json=dict(body or BODY, **over), headers=self.headers)

    def get(self, url):
        return self.client.get(url, headers=self.headers)

    def post(self, url, json=None):
        return self.client.post(url, json=json, headers=self.headers)

    def message(self, no, **body):
        return self.post(f"/api/v1/tickets/{no}/messages", body)

    def ticket(self, no) -> Ticket:
        return db.session.scalar(select(Ticket).where(Ticket.ticket_no == no))


@pytest.fixture
def city(app):
    return Platform(app)


def count(model) -> int:
    query = select(func.count(model.id))
    if model is ProcessInstance:  # ticket processes only (early warnings run processes of their own)
        query = query.where(ProcessInstance.ticket_id.is_not(None))
    return db.session.scalar(query)


# ---- push --------------------------------------------------------------------------------------------

def test_push_creates_repeat_is_the_same_answer_and_changed_content_conflicts(city):
    first = city.put("BJ2026112500001")
    assert first.status_code == 201
    assert first.headers["Location"].endswith("/api/v1/tickets/BJ2026112500001")
    data = first.get_json()
    assert data["state"] == "待签收" and data["source"] == "市级直派"
    assert data["deadlines"]["platform"] == "2026-12-04T17:00:00+08:00"
    assert data["received_at"] == "2026-11-25T09:40:00+08:00", "received when the platform dispatched it"
    assert data["accepts_messages"] == ["催办"]

    again = city.put("BJ2026112500001")
    assert again.status_code == 200 and again.get_json() == data

    # the same instant written in another offset is the same content
    same = city.put("BJ2026112500001", called_at="2026-11-25T01:12:00Z")
    assert same.status_code == 200

    changed = city.put("BJ2026112500001", content="另一件事")
    assert changed.status_code == 409
    assert "内容不同" in changed.get_json()["errors"][0]["message"]
    assert count(Ticket) == 1 and count(ProcessInstance) == 1
    ticket = city.ticket("BJ2026112500001")
    assert ticket.content == BODY["content"] and ticket.intake_channel == "api" and ticket.intake_platform == "市级平台"


def test_minimal_push_gets_defaults_from_the_platform(app):
    district = Platform(app, "区级平台")
    response = district.put("QJ-1", {"ticket_type": "咨询", "title": "演出票退票", "content": "咨询退票规定。",
                                     "caller_phone": None, "urgency": None})
    assert response.status_code == 201, response.get_json()
    ticket = district.ticket("QJ-1")
    assert (ticket.source, ticket.urgency, ticket.nature, ticket.caller_phone) == ("区级转派", "一般", "主办", "")


BAD_FIELDS = [
    ("ticket_type", "差评", "取值应为"),
    ("ticket_type", None, "应为字符串"),
    ("title", "   ", "须含可见字符"),
    ("title", "\u200b\u200b", "须含可见字符"),  # zero-width spaces only
    ("title", "abc\u202eFDP.exe", "控制字符"),  # a right-to-left override spoofs what is shown
    ("title", "标" * 201, "不能超过 200"),
    ("content", 42, "应为字符串"),
    ("caller_phone", "1" * 31, "不能超过 30"),
    ("caller_name", "张\x00三", "控制字符"),
    ("topic", "x" * 121, "不能超过 120"),
    ("address", "a" * 201, "不能超过 200"),
    ("enterprise", ["网咖"], "应为字符串"),
    ("called_at", "2026-11-25 09:12:00", "ISO 8601"),
    ("called_at", "2026-11-25T09:12:00", "带时区"),
    ("dispatched_at", "2026-02-30T09:00:00+08:00", "日期须真实存在"),
    ("platform_deadline", "明天", "ISO 8601"),
    ("platform_deadline", "1999-12-31T23:00:00+08:00", "2000–2099"),
    ("urgency", "很急", "一般、紧急、特急"),
    ("nature", "主管", "主办、协办、转办"),
    ("source", "市级", "市级直派、区级转派、其他"),
]


@pytest.mark.parametrize(("field", "value", "says"), BAD_FIELDS)
def test_each_bad_field_is_named_and_nothing_is_stored(city, field, value, says):
    response = city.put("BJ-BAD", **{field: value})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert [e["field"] for e in errors] == [field]
    assert says in errors[0]["message"]
    assert count(Ticket) == 0 and count(ProcessInstance) == 0


def test_every_problem_at_once(city):
    body = {"ticket_type": "差评", "content": "", "unknown": 1, "called_at": "yesterday"}
    response = city.client.put("/api/v1/tickets/x y", json=body, headers=city.headers)
    assert response.status_code == 422
    fields = [e["field"] for e in response.get_json()["errors"]]
    assert fields == ["ticket_no", "ticket_type", "title", "content", "called_at", "unknown"]
    assert response.get_json()["errors"][2]["message"] == "标题：必填"


@pytest.mark.parametrize(("data", "content_type", "status"), [
    (b"{not json", "application/json", 400),
    (b"[1, 2]", "application/json", 422),
    (b"null", "application/json", 422),
    (b"ticket_type=x", "application/x-www-form-urlencoded", 415),
    (b"[" * 100000 + b"]" * 100000, "application/json", 400),
    (b'{"ticket_type": "\\ud800", "title": "x", "content": "y"}', "application/json", 400),
    (b'{"title": "x", "content": "y", "title": "z"}', "application/json", 400),
])
def test_bodies_that_are_not_a_json_object(city, data, content_type, status):
    response = city.client.put("/api/v1/tickets/BJ-1", data=data, content_type=content_type, headers=city.headers)
    assert response.status_code == status
    assert response.is_json and response.get_json()["errors"][0]["message"]
    if b"ud800" in data:
        assert "Unicode" in response.get_json()["errors"][0]["message"]
    if data.count(b'"title"') == 2:
        assert "“title”出现了不止一次" in response.get_json()["errors"][0]["message"]
    assert count(Ticket) == 0


def test_unknown_paths_and_methods_answer_in_json(city):
    missing = city.get("/api/v1/nothing")
    assert missing.status_code == 404 and missing.is_json
    wrong = city.client.delete("/api/v1/tickets/BJ-1", headers=city.headers)
    assert wrong.status_code == 405 and wrong.is_json and "PUT" in wrong.headers["Allow"]


# ---- authentication ------------------------------------------------------------------------------------

def test_keys_missing_wrong_or_revoked_get_401(app, city):
    anonymous = app.test_client()
    response = anonymous.get("/api/v1/outbox")
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "缺少 API 密钥" in response.get_json()["errors"][0]["message"]
    assert anonymous.get("/api/v1/outbox", headers={"Authorization": "Basic abc"}).status_code == 401
    assert anonymous.get("/api/v1/outbox", headers={"Authorization": "Bearer jsk_wrong"}).status_code == 401
    assert city.get("/api/v1/outbox").status_code == 200
    assert db.session.get(type(city.row), city.row.id).last_used_at is not None

    apikeys.revoke_key(city.row.id)
    response = city.put("BJ-REVOKED")
    assert response.status_code == 401 and "已吊销" in response.get_json()["errors"][0]["message"]
    assert count(Ticket) == 0


def test_x_api_key_header_works_too(app):
    platform = Platform(app, header="x-api-key")
    assert platform.put("BJ-X").status_code == 201


def test_keys_are_stored_hashed(city):
    assert city.key.startswith("jsk_") and len(city.key) > 40
    row = apikeys.list_keys()[0]
    assert city.key not in (row.key_hash, row.prefix) and len(row.key_hash) == 64


def test_apikey_commands(app):
    runner = app.test_cli_runner()
    created = runner.invoke(args=["apikey", "create", "--platform", "市级平台", "--label", "市热线中心"])
    assert created.exit_code == 0, created.output
    key = created.output.strip().splitlines()[-1]
    assert key.startswith("jsk_")
    assert app.test_client().get("/api/v1/outbox", headers={"X-API-Key": key}).status_code == 200
    listed = runner.invoke(args=["apikey", "list"])
    assert "市级平台" in listed.output and "有效" in listed.output and key not in listed.output
    key_id = apikeys.list_keys()[0].id
    revoked = runner.invoke(args=["apikey", "revoke", str(key_id)])
    assert revoked.exit_code == 0 and "已吊销" in revoked.output
    assert "已吊销" in runner.invoke(args=["apikey", "list"]).output
    assert app.test_client().get("/api/v1/outbox", headers={"X-API-Key": key}).status_code == 401
    bad = runner.invoke(args=["apikey", "create", "--platform", "省级平台"])
    assert bad.exit_code != 0 and "市级平台" in bad.output
    assert runner.invoke(args=["apikey", "revoke", "999"]).exit_code != 0


def test_a_key_label_longer_than_its_column_is_refused_not_cut(app):
    """备注 (--label) was cut at 80 characters without a word: now refused, naming it and its limit, and no key
    is made; 80 characters (Chinese ones too) are kept whole."""
    from app.models import ApiKey
    from app.services import InvalidInput

    runner = app.test_cli_runner()
    long_label = "市热线中心" * 16 + "甲"  # 81
    refused = runner.invoke(args=["apikey", "create", "--platform", "市级平台", "--label", long_label])
    assert refused.exit_code != 0 and "备注不能超过 80 个字（现 81 个字）" in refused.output, refused.output
    assert "jsk_" not in refused.output
    with pytest.raises(InvalidInput) as caught:
        apikeys.create_key("区级平台", "x" * 200)
    assert caught.value.errors == {"label": "备注不能超过 80 个字（现 200 个字）。"}
    assert db.session.scalar(select(func.count(ApiKey.id))) == 0, "nothing written"
    row, _key = apikeys.create_key("市级平台", "  " + long_label[:80] + "  ")
    assert db.session.get(ApiKey, row.id).label == long_label[:80]


# ---- reading, reply, return, transfer, the outbox -------------------------------------------------------

def _through_review(ticket):
    for spec, user, data in [("sign", "paidan", SIGN), ("dispatch", "paidan", DISPATCH), ("respond", "wenhua", RESPOND),
                             ("handle", "wenhua", HANDLE), ("review", "shenhe", APPROVE)]:
        complete(ticket, spec, user, **data)


def test_approved_reply_is_readable_and_queued(city):
    city.put("BJ-R1")
    ticket = city.ticket("BJ-R1")
    assert city.get("/api/v1/tickets/BJ-R1").get_json()["reply"] is None
    _through_review(ticket)
    data = city.get("/api/v1/tickets/BJ-R1").get_json()
    assert data["state"] == "待回访" and data["section"] == "文化市场管理科"
    assert data["reply"] == {"text": HANDLE["reply_draft"], "replied_at": "2026-11-25T10:00:00+08:00"}
    assert data["first_contact_at"] == "2026-11-25T10:00:00+08:00"
    assert data["accepts_messages"] == [], "replied: the process takes no 督办/催办 now"
    page = city.get("/api/v1/outbox").get_json()
    assert [(i["ticket_no"], i["kind"]) for i in page["items"]] == [("BJ-R1", "reply")]
    assert page["items"][0]["payload"] == {"reply_text": HANDLE["reply_draft"], "replied_at": "2026-11-25T10:00:00+08:00",
                                           "section": "文化市场管理科", "rework": False}


def test_rework_queues_a_second_reply(city):
    city.put("BJ-R2")
    ticket = city.ticket("BJ-R2")
    _through_review(ticket)
    complete(ticket, "callback", "huifang", **UNRESOLVED)
    complete(ticket, "handle", "wenhua", **dict(HANDLE, reply_draft="二次办理：已再次约谈并复查，网咖已整改到位。"))
    complete(ticket, "review", "shenhe", **APPROVE)
    items = city.get("/api/v1/outbox").get_json()["items"]
    assert [i["payload"]["rework"] for i in items] == [False, True]
    assert city.get("/api/v1/tickets/BJ-R2").get_json()["reply"]["text"].startswith("二次办理")


def test_return_is_queued_with_its_reason(city):
    city.put("BJ-RET")
    ticket = city.ticket("BJ-RET")
    complete(ticket, "sign", "paidan", sign_decision="退回", return_reason="属地不符", sign_note="属东城区")
    data = city.get("/api/v1/tickets/BJ-RET").get_json()
    assert data["state"] == "已退回" and data["closed"] and data["outcome"] == "退回：属地不符"
    item = city.get("/api/v1/outbox").get_json()["items"][0]
    assert item["kind"] == "return"
    assert item["payload"] == {"return_reason": "属地不符", "note": "属东城区", "returned_at": "2026-11-25T10:00:00+08:00"}


def test_transfer_ends_the_ticket_and_is_queued(city):
    city.put("BJ-TR")
    ticket = city.ticket("BJ-TR")
    complete(ticket, "sign", "paidan", sign_decision="转派", return_reason=None, transfer_unit="区市场监管局",
             transfer_reason="预付卡退费属市场监管职责", sign_note="")
    db.session.refresh(ticket)
    assert ticket.state == "已转派" and ticket.closed_at is not None and ticket.outcome == "转派：区市场监管局"
    item = city.get("/api/v1/outbox").get_json()["items"][0]
    assert item["kind"] == "transfer" and item["payload"]["target_unit"] == "区市场监管局"
    assert item["payload"]["transfer_reason"] == "预付卡退费属市场监管职责"
    assert db.session.scalar(select(func.count(TicketEvent.id)).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.title == "流程结束：已转派")) == 1


def test_transfer_needs_a_unit_and_a_reason_on_the_form(app, browser, city):
    city.put("BJ-TRF")
    ticket = city.ticket("BJ-TRF")
    from tests.helpers import open_item

    paidan = browser("paidan")
    url = f"/tasks/{open_item(ticket, 'sign').id}"
    response = paidan.post(url, {"sign_decision": "转派", "sign_note": "非本局"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "转派单位" in page and "选择“转派”时必填" in page
    assert db.session.get(Ticket, ticket.id).state == "待签收"
    assert count(OutboxItem) == 0
    response = paidan.post(url, {"sign_decision": "转派", "transfer_unit": "区市场监管局",
                                 "transfer_reason": "预付卡退费属市场监管职责", "sign_note": ""})
    assert response.status_code == 302
    assert db.session.get(Ticket, ticket.id).state == "已转派"


def test_outbox_pages_by_cursor_and_delivers_until_acknowledged(app, city):
    district = Platform(app, "区级平台")
    for n in range(5):
        city.put(f"BJ-O{n}")
        complete(city.ticket(f"BJ-O{n}"), "sign", "paidan", sign_decision="退回", return_reason="信息不全",
                 sign_note="")
    district.put("QJ-O1")
    complete(district.ticket("QJ-O1"), "sign", "paidan", sign_decision="退回", return_reason="职能交叉", sign_note="")

    first = city.get("/api/v1/outbox?limit=2").get_json()
    assert [i["ticket_no"] for i in first["items"]] == ["BJ-O0", "BJ-O1"]
    assert first["has_more"] and first["pending"] == 5
    second = city.get(f"/api/v1/outbox?limit=2&cursor={first['next_cursor']}").get_json()
    assert [i["ticket_no"] for i in second["items"]] == ["BJ-O2", "BJ-O3"]
    third = city.get(f"/api/v1/outbox?limit=2&cursor={second['next_cursor']}").get_json()
    assert [i["ticket_no"] for i in third["items"]] == ["BJ-O4"] and not third["has_more"]
    empty = city.get(f"/api/v1/outbox?cursor={third['next_cursor']}").get_json()
    assert empty == {"items": [], "next_cursor": third["next_cursor"], "has_more": False, "pending": 5}

    # the district platform sees only its own ticket, and cannot acknowledge the city's
    assert [i["ticket_no"] for i in district.get("/api/v1/outbox").get_json()["items"]] == ["QJ-O1"]
    assert district.post(f"/api/v1/outbox/{first['items'][0]['id']}/ack").status_code == 404

    acked = city.post(f"/api/v1/outbox/{first['items'][0]['id']}/ack")
    assert acked.status_code == 200
    again = city.post(f"/api/v1/outbox/{first['items'][0]['id']}/ack")
    assert again.status_code == 200 and again.get_json() == acked.get_json()
    # unacknowledged items come again on the next pass; acknowledged ones do not
    rest = city.get("/api/v1/outbox").get_json()
    assert [i["ticket_no"] for i in rest["items"]] == ["BJ-O1", "BJ-O2", "BJ-O3", "BJ-O4"] and rest["pending"] == 4
    assert city.post("/api/v1/outbox/999999/ack").status_code == 404
    assert city.post("/api/v1/outbox/99999999999999999999/ack").status_code == 404
    assert city.post("/api/v1/outbox/2147483648/ack").status_code == 404


@pytest.mark.parametrize(("query", "field"), [("cursor=-1", "cursor"), ("cursor=abc", "cursor"), ("limit=0", "limit"),
                                              ("limit=501", "limit"), ("cursor=99999999999999999999", "cursor"), ("cursor=2147483648", "cursor")])
def test_outbox_parameters_are_checked(city, query, field):
    response = city.get(f"/api/v1/outbox?{query}")
    assert response.status_code == 422 and response.get_json()["errors"][0]["field"] == field


def test_tickets_entered_by_hand_without_a_platform_queue_nothing(app):
    from tests.helpers import new_ticket

    ticket = new_ticket("HAND-1", source="其他")
    complete(ticket, "sign", "paidan", sign_decision="退回", return_reason="信息不全", sign_note="")
    assert count(OutboxItem) == 0
    city_ticket = new_ticket("HAND-2", source="市级直派")
    complete(city_ticket, "sign", "paidan", sign_decision="退回", return_reason="信息不全", sign_note="")
    assert db.session.scalar(select(OutboxItem.platform)) == "市级平台"


# ---- 督办 / 催办 ----------------------------------------------------------------------------------------

def test_urge_before_signing_reaches_the_process(app, browser, city):
    city.put("BJ-U1")
    response = city.message("BJ-U1", kind="催办", text="请尽快签收", deadline="2026-11-25T17:00:00+08:00")
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["kind"] == "催办" and data["ticket"]["state"] == "待签收" and data["deadline"] == "2026-11-25T17:00:00+08:00"
    alert = db.session.scalar(select(Alert))
    assert alert.kind == "催办" and "请尽快签收" in alert.message and "2026-11-25 17:00" in alert.message
    # supervision is for tickets in handling: refused, clearly, nothing recorded
    refused = city.message("BJ-U1", kind="督办", text="列为督办件")
    assert refused.status_code == 409 and "尚未签收分派" in refused.get_json()["errors"][0]["message"]
    assert count(PlatformMessage) == 1 and count(Alert) == 1
    # the dispatcher signs; an urge while 待分派 is caught too
    complete(city.ticket("BJ-U1"), "sign", "paidan", **SIGN)
    assert city.message("BJ-U1", kind="催办", text="请尽快分派").status_code == 201
    assert count(Alert) == 2


def test_supervision_and_urges_during_handling(app, browser, city):
    city.put("BJ-S1")
    ticket = city.ticket("BJ-S1")
    complete(ticket, "sign", "paidan", **SIGN)
    complete(ticket, "dispatch", "paidan", **DISPATCH)
    assert city.get("/api/v1/tickets/BJ-S1").get_json()["accepts_messages"] == ["督办", "催办"]

    response = city.message("BJ-S1", kind="督办", text="市领导关注，请于11月27日前反馈进展。",
                            deadline="2026-11-27T17:00:00+08:00", message_id="DB-0001")
    assert response.status_code == 201
    assert response.get_json()["ticket"]["supervised"] is True
    # the ticket is a 督办件 now, with its progress reports (app.services.supervised_cases)
    from app.models import CaseRequest

    supervision = select(func.count(CaseRequest.id)).where(CaseRequest.ticket_id == ticket.id,
                                                           CaseRequest.kind == "supervision")
    assert db.session.scalar(supervision) == 1
    for n in range(2):  # repeated urges are each delivered: the boundary event keeps listening
        assert city.message("BJ-S1", kind="催办", text=f"第{n + 1}次催办").status_code == 201
    kinds = [a.kind for a in db.session.scalars(select(Alert).where(Alert.ticket_id == ticket.id).order_by(Alert.id))]
    assert kinds == ["督办", "催办", "催办"]
    assert db.session.get(Ticket, ticket.id).state == "待响应", "handling goes on"

    # a retry of the same message is answered again and not delivered twice
    retry = city.message("BJ-S1", kind="督办", text="市领导关注，请于11月27日前反馈进展。",
                         deadline="2026-11-27T09:00:00Z", message_id="DB-0001")
    assert retry.status_code == 200 and count(Alert) == 3
    reused = city.message("BJ-S1", kind="督办", text="另一条", message_id="DB-0001")
    assert reused.status_code == 409
    assert db.session.scalar(supervision) == 1, "one 督办件, however often the platform sends it"

    # the supervisor sees the alert, the ticket page shows it on the timeline
    supervisor_page = browser("zhuguan").get("/supervisor/").get_data(as_text=True)
    assert "平台督办：市领导关注" in supervisor_page
    ticket_page = browser("zhuguan").get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "收到平台督办" in ticket_page and "要求时限" in ticket_page

    # the work goes on; once replied the process takes no more
    complete(ticket, "respond", "wenhua", **RESPOND)
    complete(ticket, "handle", "wenhua", **HANDLE)
    complete(ticket, "review", "shenhe", **APPROVE)
    late = city.message("BJ-S1", kind="催办", text="还没回复？")
    assert late.status_code == 409 and "待回访" in late.get_json()["errors"][0]["message"]


def test_a_deadline_before_the_ticket_or_a_year_away_is_refused_and_one_passed_since_is_taken(city):
    city.put("BJ-S2")
    ticket = city.ticket("BJ-S2")
    complete(ticket, "sign", "paidan", **SIGN)
    complete(ticket, "dispatch", "paidan", **DISPATCH)
    before = city.message("BJ-S2", kind="督办", text="请于1月前反馈。", deadline="2020-01-10T17:00:00+08:00",
                          message_id="DB-PAST")
    assert before.status_code == 422
    assert before.get_json()["errors"] == [{"field": "deadline", "message": "要求时限：2020-01-10 17:00 早于工单接收时间"
                                            " 2026-11-25 09:40，请核对时限后重发。"}]
    far = city.message("BJ-S2", kind="督办", text="请反馈。", deadline="2099-01-10T17:00:00+08:00")
    assert far.status_code == 422 and "超过一年" in far.get_json()["errors"][0]["message"]
    assert count(PlatformMessage) == 0 and count(Alert) == 0
    # corrected, the same message id is taken
    assert city.message("BJ-S2", kind="督办", text="请于1月前反馈。", deadline="2027-01-10T17:00:00+08:00",
                        message_id="DB-PAST").status_code == 201
    clock.advance(timedelta(hours=8))
    # a 催办 citing the deadline the ticket has just missed (after it came in) is delivered, and says so
    missed = city.message("BJ-S2", kind="催办", text="已超时，请立即反馈。", deadline="2026-11-25T17:00:00+08:00")
    assert missed.status_code == 201, missed.get_data(as_text=True)
    urge = db.session.scalars(select(Alert).where(Alert.kind == "催办").order_by(Alert.id.desc())).first()
    assert "（要求 2026-11-25 17:00 前反馈，已过）" in urge.message


def test_messages_for_closed_or_unknown_tickets(city):
    city.put("BJ-C1")
    complete(city.ticket("BJ-C1"), "sign", "paidan", sign_decision="退回", return_reason="信息不全", sign_note="")
    closed = city.message("BJ-C1", kind="催办", text="催一下")
    assert closed.status_code == 409 and "已结束" in closed.get_json()["errors"][0]["message"]
    assert city.message("NOPE", kind="催办", text="催一下").status_code == 404
    bad = city.message("BJ-C1", kind="表扬", text="")
    assert bad.status_code == 422
    assert [e["field"] for e in bad.get_json()["errors"]] == ["kind", "text"]
    assert count(PlatformMessage) == 0


# ---- the document ----------------------------------------------------------------------------------------

def test_every_api_route_is_in_the_openapi_document(app):
    doc = app.test_client().get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    documented = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
    routed = {(openapi_path(rule.rule), method) for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/v1/") for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routed and documented == routed
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert op["summary"] and op["responses"], (path, method)
            for param in path.split("{")[1:]:
                name = param.split("}")[0]
                assert any(p["name"] == name and p["in"] == "path" for p in op.get("parameters", [])), (path, name)


def test_the_schemas_are_valid_json_schema(app):
    from jsonschema import Draft202012Validator

    from app.web.api import schemas

    for name, schema in schemas.COMPONENTS.items():
        Draft202012Validator.check_schema(schema)
        for example in schema.get("examples", []):
            if name in ("TicketIn", "MessageIn"):
                assert schemas.validate(schema, example) == [], name


def test_a_body_that_is_not_an_object_names_no_field(city):
    response = city.client.put("/api/v1/tickets/BJ-ARRAY", json=[1, 2], headers=city.headers)
    assert response.status_code == 422
    [error] = response.get_json()["errors"]
    assert "field" not in error and "JSON 对象" in error["message"], error
    assert count(Ticket) == 0


def test_a_phone_the_document_accepts_is_accepted_with_its_spaces(app):
    """The schema's pattern counts the characters as sent: " 9*63" (a masked number with a space) is five."""
    from app.services import apikeys

    _row, key = apikeys.create_key("市级平台")
    client = app.test_client()
    body = {"ticket_type": "投诉", "title": "部署检查", "content": "来电人反映网吧问题。", "caller_phone": " 9*63"}
    response = client.put("/api/v1/tickets/SPACE-1", json=body, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 201, response.get_data(as_text=True)
