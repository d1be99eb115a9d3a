"""Base data (calendar, sections, processes) and the demo desk (users for every role, sample tickets)."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from app.engine import calendar_store, instances
from app.engine.clock import clock
from app.extensions import db
from app.models import CalendarYear, Section, Ticket, User
from app.services.uow import unit_of_work

SECTIONS = [
    ("culture_market", "文化市场管理科", "网吧、歌舞娱乐场所（KTV）、游艺娱乐、剧本娱乐、营业性演出、艺术品经营的监管"),
    ("tourism_market", "旅游市场管理科", "旅行社、导游、A级景区、在线旅游经营者、旅游购物的监管与旅游投诉调解"),
    ("public_service", "公共服务科", "公共图书馆、文化馆、群众文化活动、艺术培训与预付卡问题的协调"),
    ("heritage", "文物保护科", "文物保护单位、博物馆、非物质文化遗产"),
]

DEMO_PASSWORD = "jiesu2026"
DEMO_USERS = [
    # username, name, roles, section
    ("paidan", "张敏", "dispatcher", None),
    ("zhiban", "刘洋", "duty,dispatcher", None),
    ("wenhua", "王磊", "handler", "culture_market"),
    ("wenhua2", "赵静", "handler", "culture_market"),
    ("lvyou", "陈晨", "handler", "tourism_market"),
    ("gonggong", "孙丽", "handler", "public_service"),
    ("shenhe", "周强", "reviewer", None),
    ("huifang", "吴芳", "callback", None),
    ("tongji", "郑欣", "analyst", None),
    ("jiancha", "冯刚", "inspector", None),
    ("zhuguan", "李主任", "supervisor", None),
    ("fenguan", "赵副局长", "leader", None),
    ("liucheng", "何工", "process_owner,admin", None),
]


def seed_base() -> None:
    """Idempotent: the holiday table, the sections and the default process diagrams."""
    with unit_of_work():
        if db.session.scalar(select(func.count(CalendarYear.year))) == 0:
            year = clock.local_now().year
            calendar_store.seed_from_package(range(year - 2, year + 2))
        for code, name, duties in SECTIONS:
            if db.session.scalar(select(Section.id).where(Section.code == code)) is None:
                db.session.add(Section(code=code, name=name, duties=duties))
        instances.deploy_directory(current_app.config["JIESU_PROCESS_DIR"])
    from app.services.carried import ensure_review_cycle  # 挂账案件月度复核: one long-running instance

    ensure_review_cycle()


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
    from app.demo_roster import seed_demo_roster  # 排班 first, so night tickets find the duty dispatcher

    seed_demo_roster()
    if db.session.scalar(select(func.count(Ticket.id))) == 0:
        _demo_tickets()
    from app.demo_field import seed_demo_field  # 行业台账 and 现场检查 (after the tickets it links)

    seed_demo_field()


def _demo_tickets() -> None:
    from app.services import tickets

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
