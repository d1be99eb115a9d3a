"""The demo desk: users for every role, a duty roster, sample tickets at different stages, the
enterprise ledger and inspections. Base data (calendar, sections, processes) is ``app.seed``."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.demo import field, roster
from app.demo.accounts import DEMO_PASSWORD, DEMO_USERS
from app.engine.clock import clock
from app.extensions import db
from app.models import Section, Ticket, User
from app.services import tickets
from app.services.uow import unit_of_work


def seed_demo() -> None:
    """Demo users (password ``jiesu2026``) and a few tickets at different stages."""
    with unit_of_work():
        sections = {s.code: s for s in db.session.scalars(select(Section))}
        for username, name, roles, section in DEMO_USERS:
            if db.session.scalar(select(User.id).where(User.username == username)) is None:
                user = User(username=username, name=name, roles=roles,
                            section=sections.get(section) if section else None)
                user.set_password(DEMO_PASSWORD)
                db.session.add(user)
    roster.seed_demo_roster()  # 排班 first, so night tickets find the duty dispatcher
    if db.session.scalar(select(func.count(Ticket.id))) == 0:
        _demo_tickets()
    field.seed_demo_field()  # 行业台账 and 现场检查 (after the tickets it links)


def _demo_tickets() -> None:
    dispatcher = db.session.scalar(select(User).where(User.username == "paidan"))
    now = clock.now()
    samples = [
        dict(ticket_no="BJ12345-2026-000101", ticket_type="投诉", topic="文化->文化市场->网吧",
             title="网吧允许未成年人进入上网", content="来电人反映某街道某网吧晚上有未成年人上网，网吧未核验身份证，要求查处。",
             caller_name="李先生", caller_phone="13811112222", district="本区", street="东华街道", community="东华社区",
             address="东华路18号", enterprise="极速网咖", urgency="一般", nature="主办", source="市级直派",
             called_at=now - timedelta(hours=3), dispatched_at=now - timedelta(hours=2), platform_deadline=None),
        dict(ticket_no="BJ12345-2026-000102", ticket_type="投诉", topic="旅游->旅行社->合同纠纷",
             title="旅行社擅自变更行程", content="来电人参加某旅行社三日游，旅行社擅自取消景点并强制购物，要求退还部分团费。",
             caller_name="王女士", caller_phone="13933334444", district="本区", street="西城街道", community="",
             address="", enterprise="悦途国际旅行社有限公司", urgency="紧急", nature="主办", source="区级转派",
             called_at=now - timedelta(days=1), dispatched_at=now - timedelta(hours=20), platform_deadline=None),
        dict(ticket_no="BJ12345-2026-000103", ticket_type="求助", topic="文化->艺术培训->预付卡",
             title="艺术培训机构关门无法退费", content="孩子在某艺术培训机构预付了48节课，机构突然停课，无法联系负责人，请求协调退费。",
             caller_name="赵女士", caller_phone="13755556666", district="本区", street="南苑街道", community="南苑社区",
             address="南苑路6号", enterprise="彩虹艺术培训中心", urgency="一般", nature="主办", source="市级直派",
             called_at=now - timedelta(days=8), dispatched_at=now - timedelta(days=8), platform_deadline=None),
        dict(ticket_no="BJ12345-2026-000104", ticket_type="咨询", topic="文化->公共文化->图书馆",
             title="图书馆节假日开放时间咨询", content="来电人咨询区图书馆元旦期间是否开放及开放时间。",
             caller_name="孙先生", caller_phone="13677778888", district="本区", street="", community="",
             address="", enterprise="", urgency="一般", nature="主办", source="其他",
             called_at=now - timedelta(minutes=30), dispatched_at=now - timedelta(minutes=20), platform_deadline=None),
        # a repeat caller and event (same number, same 网咖 as 000101) and a group complaint (预警)
        dict(ticket_no="BJ12345-2026-000105", ticket_type="投诉", topic="文化->文化市场->网吧",
             title="极速网咖仍接纳未成年人", content="来电人再次反映极速网咖晚上仍有未成年人上网，前台不查身份证，要求查处。",
             caller_name="李先生", caller_phone="138-1111-2222", district="本区", street="东华街道", community="东华社区",
             address="东华路18号", enterprise="极速网咖", urgency="一般", nature="主办", source="市级直派",
             called_at=now - timedelta(minutes=15), dispatched_at=now - timedelta(minutes=10), platform_deadline=None),
        dict(ticket_no="BJ12345-2026-000106", ticket_type="投诉", topic="文化->艺术培训->预付卡",
             title="多名家长聚集要求退费", content="二十多名家长在彩虹艺术培训中心门口聚集，拉横幅要求退还预付课费，称要找媒体曝光。",
             caller_name="周女士", caller_phone="13599990000", district="本区", street="南苑街道", community="南苑社区",
             address="南苑路6号", enterprise="彩虹艺术培训中心", urgency="紧急", nature="主办", source="市级直派",
             called_at=now - timedelta(minutes=5), dispatched_at=now - timedelta(minutes=3), platform_deadline=None),
    ]
    for fields in samples:
        tickets.create_ticket(fields, dispatcher)
