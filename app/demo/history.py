"""A year of closed and open tickets for the statistics (reports, charts, hot spots), bulk-inserted.

Used by the demo (so the report pages have history to show), the report tests and bench/reports.py.
Rows go through the schema (SQLAlchemy Core insert on the Ticket table, types processed) but not
through the processes: they are the ledger as a year of work would have left it.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import insert, select

from app.diagrams import ticket_lifecycle as lifecycle
from app.engine.clock import clock
from app.extensions import db
from app.models import Enterprise, EnterpriseTicket, Section, Ticket

TOPICS = [  # path, section code, weight, title, content
    ("文化->文化市场->网吧", "culture_market", 9, "网吧接纳未成年人", "反映网吧晚上允许未成年人进入上网，未核验身份证，要求查处。"),
    ("文化->文化市场->网吧", "culture_market", 4, "网吧噪音扰民", "网吧深夜噪音大、有人吸烟，影响周边居民休息。"),
    ("文化->文化市场->歌舞娱乐", "culture_market", 6, "KTV噪音扰民", "KTV营业到凌晨，音响声音很大，严重扰民。"),
    ("文化->文化市场->剧本娱乐", "culture_market", 3, "剧本杀内容恐怖", "剧本杀店铺接待未成年人玩恐怖剧本，要求规范。"),
    ("文化->文化市场->营业性演出", "culture_market", 3, "演出临时取消不退票", "演出临时取消，主办方拖延退票。"),
    ("文化->艺术培训->预付卡", "public_service", 7, "艺术培训机构预付费退费难", "孩子报名美术培训预交学费，机构停课后拒不退费。"),
    ("文化->公共文化->图书馆", "public_service", 3, "图书馆开放时间咨询", "咨询区图书馆周末开放时间和借阅规则。"),
    ("文化->公共文化->文化馆", "public_service", 2, "文化馆活动报名", "咨询文化馆公益培训课程如何报名。"),
    ("旅游->旅行社->合同纠纷", "tourism_market", 6, "旅行社擅自变更行程", "跟团游旅行社擅自变更行程，减少景点，要求退还差价。"),
    ("旅游->旅行社->强制购物", "tourism_market", 4, "导游强制购物", "低价团导游强制游客购物，不购物就辱骂。"),
    ("旅游->景区->门票价格", "tourism_market", 3, "景区门票价格不合理", "A级景区门票价格上涨，未公示优惠政策。"),
    ("旅游->在线旅游->退订纠纷", "tourism_market", 3, "在线平台酒店退订纠纷", "在线旅游平台预订酒店后无法退订，平台推诿。"),
    ("文物->文物保护->文物安全", "heritage", 1, "文物建筑被私自改建", "反映文物保护单位周边有人私自改建房屋。"),
]
STREETS = ["东华街道", "西城街道", "南苑街道", "北苑街道", "中心街道", "新城镇", "河湾乡", ""]
ENTERPRISES = {"文化->文化市场->网吧": ["极速网咖", "星空网络会所"], "文化->文化市场->歌舞娱乐": ["欢唱KTV（东华店）"],
               "文化->文化市场->剧本娱乐": ["迷雾剧本杀体验馆"], "旅游->旅行社->合同纠纷": ["阳光国际旅行社"],
               "文化->艺术培训->预付卡": ["彩虹美术培训"]}
SOURCES = ["市级直派"] * 6 + ["区级转派"] * 3 + ["其他"]
TYPES = ["投诉"] * 6 + ["咨询"] * 2 + ["求助", "举报", "建议"]
DONE = "办结"


def make_rows(count: int, start: datetime, end: datetime, now: datetime, seed: int = 11,
              sections: dict[str, int] | None = None, prefix: str = "H") -> list[dict]:
    """``count`` ticket rows received between ``start`` and ``end`` (aware), as ``now`` would find them."""
    rnd = random.Random(seed)
    weights = [t[2] for t in TOPICS]
    span = (end - start).total_seconds()
    rows = []
    for n in range(count):
        topic, section_code, _w, title, content = rnd.choices(TOPICS, weights)[0]
        received = start + timedelta(seconds=rnd.random() * span)
        urgent = rnd.random() < 0.1
        response_deadline = received + timedelta(hours=2 if urgent else 24)
        reply_deadline = received + timedelta(days=rnd.choice([9, 10, 11]))
        age = (now - received).total_seconds()
        row = dict(ticket_no=f"{prefix}{seed:02d}-{n:06d}", ticket_type=rnd.choice(TYPES), topic=topic,
                   title=title, content=content, caller_name="市民", caller_phone=f"139{rnd.randrange(10**8):08d}",
                   district="本区", street=rnd.choice(STREETS), community="", address="",
                   enterprise=rnd.choice(ENTERPRISES.get(topic, [""]) + [""]), called_at=received,
                   dispatched_at=received, urgency="紧急" if urgent else "一般", nature="主办",
                   source=rnd.choice(SOURCES), received_at=received, intake_channel="import",
                   section_id=None, response_deadline=response_deadline, reply_deadline=reply_deadline,
                   state=str(lifecycle.STATE_SIGNING), excluded=False, supervised=False, carried=False,
                   callback_contacted=None, callback_resolved="", callback_satisfied="", rework_count=0)
        fate = rnd.random()
        if age < 3600 * 2 and fate < 0.7:
            rows.append(row)  # still waiting to be signed
            continue
        if fate < 0.04:
            row.update(state=str(lifecycle.END_RETURNED), closed_at=received + timedelta(hours=rnd.uniform(0.2, 20)))
            rows.append(row)
            continue
        if fate < 0.06:
            row.update(state=str(lifecycle.END_TRANSFERRED), closed_at=received + timedelta(hours=rnd.uniform(0.2, 20)))
            rows.append(row)
            continue
        row["section_id"] = (sections or {}).get(section_code)
        contact = received + timedelta(minutes=rnd.choice([20, 50, 95, 170, 300, 600, 1300, 1500, 2900]) + 0.5)
        if contact <= now:
            row["first_contact_at"] = contact
            row["state"] = str(lifecycle.STATE_HANDLING)
        else:
            row["state"] = str(lifecycle.STATE_RESPONDING)
        if rnd.random() < 0.08:
            row["original_reply_deadline"] = reply_deadline
            row["reply_deadline"] = reply_deadline = reply_deadline + timedelta(days=7)
        if rnd.random() < 0.05:
            row["supervised"] = True
        replied = received + timedelta(hours=rnd.choice([10, 30, 60, 100, 150, 200, 230, 300, 380]) + 0.3)
        if row.get("first_contact_at") and replied <= now and rnd.random() < 0.93:
            row.update(replied_at=replied, reply_text="已联系来电人并处理。", state=str(lifecycle.STATE_CALLBACK))
            callback = replied + timedelta(hours=rnd.uniform(12, 30))
            if callback <= now:
                reached = rnd.random() < 0.9
                row.update(callback_contacted=reached, callback_at=callback, state=DONE, closed_at=callback)
                if reached:
                    row["callback_resolved"] = rnd.choices(["解决", "基本解决", "未解决"], [7, 2, 1])[0]
                    row["callback_satisfied"] = rnd.choices(["满意", "基本满意", "不满意"], [7, 2, 1])[0]
        elif rnd.random() < 0.05 and row.get("first_contact_at"):
            row.update(carried=True, carried_at=received + timedelta(days=3), carry_plan="需协调多部门")
        if rnd.random() < 0.03:
            row["excluded"] = True
        rows.append(row)
    return rows


def insert_rows(rows: list[dict], chunk: int = 2000) -> None:
    columns = [c.name for c in Ticket.__table__.columns if c.name != "id" and c.computed is None]
    for i in range(0, len(rows), chunk):
        batch = [{c: r.get(c, _default(c)) for c in columns} for r in rows[i:i + chunk]]
        db.session.execute(insert(Ticket), batch)
    db.session.flush()


def _default(column: str):
    col = Ticket.__table__.columns[column]
    if col.default is not None and not callable(col.default.arg):
        return col.default.arg
    return None


def link_enterprises() -> int:
    """Link tickets to the ledger enterprises their 涉及企业 names (as intake does)."""
    names = dict(db.session.execute(select(Enterprise.name, Enterprise.id)).all())
    if not names:
        return 0
    pairs = db.session.execute(select(Ticket.id, Ticket.enterprise).where(Ticket.enterprise.in_(list(names)))).all()
    linked = set(db.session.scalars(select(EnterpriseTicket.ticket_id)))
    now = clock.now()
    rows = [dict(enterprise_id=names[name], ticket_id=tid, how="auto", linked_at=now)
            for tid, name in pairs if tid not in linked]
    if rows:
        db.session.execute(insert(EnterpriseTicket), rows)
    return len(rows)


def section_ids() -> dict[str, int]:
    return dict(db.session.execute(select(Section.code, Section.id)).all())


def seed_history(count: int, start: datetime, end: datetime, now: datetime, seed: int = 11, prefix: str = "H") -> int:
    rows = make_rows(count, start, end, now, seed=seed, sections=section_ids(), prefix=prefix)
    insert_rows(rows)
    link_enterprises()
    db.session.commit()
    return len(rows)


DEMO_PREFIX = "LS"  # 历史: the demo's year of closed tickets


def seed_demo_history(now: datetime, count: int = 1500) -> int:
    """For ``jiesu demo``: a year of *closed* tickets (received 365 to 14 days before ``now``), so the report
    pages, the rates' trend and the hot spots have something to show; none stays open (an open row has no
    process, so it could not be worked on the board or in an inbox). Nothing when they are there already."""
    if db.session.scalar(select(Ticket.id).where(Ticket.ticket_no.startswith(DEMO_PREFIX)).limit(1)) is not None:
        return 0
    rows = [r for r in make_rows(count, now - timedelta(days=365), now - timedelta(days=14), now, seed=7,
                                 sections=section_ids(), prefix=DEMO_PREFIX) if r.get("closed_at")]
    insert_rows(rows)
    link_enterprises()
    db.session.commit()
    return len(rows)
