"""Base data every installation needs: the working-day calendar, the sections, the default processes."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select

from app.engine import calendar_store, instances
from app.engine.clock import clock
from app.extensions import db
from app.models import CalendarYear, Section
from app.services import carried
from app.services.reports import archive as report_archive
from app.services.uow import unit_of_work

SECTIONS = [
    ("culture_market", "文化市场管理科", "网吧、歌舞娱乐场所（KTV）、游艺娱乐、剧本娱乐、营业性演出、艺术品经营的监管"),
    ("tourism_market", "旅游市场管理科", "旅行社、导游、A级景区、在线旅游经营者、旅游购物的监管与旅游投诉调解"),
    ("public_service", "公共服务科", "公共图书馆、文化馆、群众文化活动、艺术培训与预付卡问题的协调"),
    ("heritage", "文物保护科", "文物保护单位、博物馆、非物质文化遗产"),
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
    carried.ensure_review_cycle()  # 挂账案件月度复核: one long-running instance
    report_archive.ensure_cycle()  # 报表周期: the daily/weekly/monthly drafts at 08:00 of working days
