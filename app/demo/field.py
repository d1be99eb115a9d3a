"""Demo data of the field inspection and the enterprise ledger (called from app.demo.seed_demo)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from app.demo.accounts import DEMO_PASSWORD
from app.extensions import db
from app.models import Enterprise, EnterpriseTicket, Ticket, User
from app.services import enterprises, inspections
from app.services.credit_code import complete
from app.services.uow import unit_of_work

# name, type, risk, licence number, licence expiry, address, street, contact, phone
ENTERPRISES = [
    ("极速网咖", "internet_cafe", "high", "京网文〔2024〕0018号", "2026-12-15", "东华路18号", "东华街道", "赵明", "13910010001"),
    ("星空网络会所", "internet_cafe", "medium", "京网文〔2023〕0102号", "2027-08-31", "西城路66号二层", "西城街道", "钱亮",
     "13910010002"),
    ("欢唱KTV（东华店）", "ktv", "high", "京娱〔2022〕0031号", "2027-03-31", "东华路120号", "东华街道", "孙伟", "13910010003"),
    ("迷雾剧本杀体验馆", "script_game", "medium", "", None, "南苑路9号", "南苑街道", "李娜", "13910010004"),
    ("红星剧场", "performance_venue", "medium", "京演〔2021〕0007号", "2028-06-30", "红星大街1号", "东华街道", "周杰",
     "13910010005"),
    ("悦途国际旅行社有限公司", "travel_agency", "high", "L-BJ-CJ00123", "2027-05-31", "西城路8号悦途大厦", "西城街道", "吴磊",
     "13910010006"),
    ("京华假日旅行社", "travel_agency", "low", "L-BJ-00456", "2029-01-01", "北辰路2号", "北辰街道", "郑芳", "13910010007"),
    ("御景大酒店", "hotel", "low", "", None, "御景路88号", "北辰街道", "王强", "13910010008"),
    ("西山森林公园（AAAA级景区）", "scenic_spot", "medium", "", None, "西山路1号", "西山镇", "冯涛", "13910010009"),
    ("彩虹艺术培训中心", "art_training", "medium", "", None, "南苑路6号", "南苑街道", "陈红", "13910010010"),
    ("墨香书店", "bookshop", "low", "新出发京零字第0808号", "2026-12-20", "文化路3号", "东华街道", "褚文", "13910010011"),
]


def credit_code(n: int) -> str:
    return complete(f"91110105MA0{n:02d}QK{n:02d}")


def seed_demo_field() -> None:
    """Enterprises with valid credit codes, the demo tickets linked to them, a 双随机 draw and a 现场核实."""
    if db.session.scalar(select(func.count(Enterprise.id))):
        return
    with unit_of_work():
        if db.session.scalar(select(User.id).where(User.username == "jiancha2")) is None:
            second = User(username="jiancha2", name="韩冰", roles="inspector")
            second.set_password(DEMO_PASSWORD)
            db.session.add(second)
    supervisor = db.session.scalar(select(User).where(User.username == "zhuguan"))
    inspector = db.session.scalar(select(User).where(User.username == "jiancha"))
    for n, (name, kind, risk, licence, expiry, address, street, contact, phone) in enumerate(ENTERPRISES, start=1):
        enterprises.create({"name": name, "credit_code": credit_code(n), "kind": kind, "risk_level": risk,
                            "licence_no": licence, "licence_expiry": date.fromisoformat(expiry) if expiry else None,
                            "address": address, "street": street, "contact_name": contact, "contact_phone": phone,
                            "note": ""}, inspector)
    with unit_of_work():  # the demo tickets were entered before the ledger: link them by name
        for ticket in db.session.scalars(select(Ticket)):
            for ent in enterprises.match_by_name(ticket.enterprise):
                db.session.add(EnterpriseTicket(enterprise_id=ent.id, ticket_id=ticket.id, how="auto",
                                                linked_at=ticket.received_at))
    inspections.draw_campaign("2026年第四季度双随机抽查（演示）", 2, ["internet_cafe", "ktv", "script_game"], [],
                              "demo-2026Q4", supervisor)
    ticket = db.session.scalar(select(Ticket).where(Ticket.enterprise == "极速网咖"))
    cafe = db.session.scalar(select(Enterprise).where(Enterprise.name == "极速网咖"))
    if ticket is not None and cafe is not None:
        inspections.request_from_ticket(ticket, supervisor, cafe.id, "核实是否接纳未成年人上网、是否核验上网人员身份证件",
                                        "demo-request-0001")
