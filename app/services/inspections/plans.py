"""The routine plan by risk level (例行检查) and 双随机 campaigns."""

from __future__ import annotations

import random
import re
import secrets
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.engine.clock import clock
from app.extensions import db
from app.models import (
    Enterprise,
    Inspection,
    InspectionCampaign,
    User,
)
from app.services import Conflict, PermissionDenied, ServiceError, _, query_args, settings
from app.services.inspections.access import can_plan, inspectors
from app.services.inspections.starting import start
from app.services.uow import unit_of_work

PLAN_SETTING = "inspection_plan_months"
DEFAULT_PLAN = {"high": 1, "medium": 3, "low": 6}  # months per inspection: monthly, quarterly, twice a year


def plan_months() -> dict[str, int]:
    stored = settings.get(PLAN_SETTING) or {}
    return {risk: int(stored.get(risk, months)) for risk, months in DEFAULT_PLAN.items()}


def save_plan_months(user: User, values: dict) -> dict[str, int]:
    if not can_plan(user):
        raise PermissionDenied(_("只有主管可以修改检查频次。"))
    clean = {}
    for risk in DEFAULT_PLAN:
        try:
            months = int(values.get(risk))
        except (TypeError, ValueError):
            months = 0
        if months not in (1, 2, 3, 4, 6, 12):
            raise ServiceError(_("检查频次应为 1、2、3、4、6 或 12 个月一次。"))
        clean[risk] = months
    with unit_of_work():
        settings.put(PLAN_SETTING, clean)
    return clean


def parse_month(text: str | None) -> date:
    text = (text or "").strip()
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ServiceError(_("月份格式应为 YYYY-MM（如 2026-12）。"))
    try:
        return query_args.in_years(date(int(match.group(1)), int(match.group(2)), 1))
    except ValueError:  # 0001-01, 9999-12: the plan's periods and deadlines would overflow
        raise ServiceError(_("日期应在 %(low)s 年至 %(high)s 年之间。", low=query_args.YEARS[0],
                             high=query_args.YEARS[1])) from None


def period_of(month: date, months: int) -> str:
    """The plan period a month falls in: 2026-12 (monthly), 2026-Q4, 2026-H2, 2026 (yearly), 2026-B6 ..."""
    block = (month.month - 1) // months + 1
    if months == 1:
        return f"{month.year}-{month.month:02d}"
    if months == 3:
        return f"{month.year}-Q{block}"
    if months == 6:
        return f"{month.year}-H{block}"
    if months == 12:
        return f"{month.year}"
    return f"{month.year}-B{months}.{block}"


@dataclass
class PlanResult:
    month: date
    created: list[Inspection] = field(default_factory=list)
    existing: int = 0
    by_risk: dict[str, list[int]] = field(default_factory=dict)  # risk -> [created, existing]


def plan_preview(month: date) -> PlanResult:
    return _plan(month, None, dry_run=True)


def run_plan(month: date, user: User | None) -> PlanResult:
    """Create the period's routine inspections by risk level; running it again creates nothing new."""
    if user is not None and not can_plan(user):
        raise PermissionDenied(_("只有主管可以生成检查计划。"))
    try:
        with unit_of_work():
            return _plan(month, user, dry_run=False)
    except IntegrityError as exc:
        raise Conflict(_("检查计划正由他人同时生成，请稍后刷新查看。")) from exc


def _plan(month: date, user: User | None, dry_run: bool) -> PlanResult:
    months = plan_months()
    result = PlanResult(month, by_risk={risk: [0, 0] for risk in DEFAULT_PLAN})
    taken = set(db.session.scalars(select(Inspection.dedupe_key).where(Inspection.dedupe_key.like("plan:%"))))
    enterprises = db.session.scalars(select(Enterprise).where(Enterprise.active.is_(True)).order_by(Enterprise.id))
    for ent in enterprises:
        period = period_of(month, months.get(ent.risk_level, 6))
        key = f"plan:{ent.id}:{period}"
        counter = result.by_risk.setdefault(ent.risk_level, [0, 0])
        if key in taken:
            counter[1] += 1
            result.existing += 1
            continue
        counter[0] += 1
        if not dry_run:
            result.created.append(start(source="plan", actor=user, enterprise=ent, period=period, dedupe_key=key,
                                         reason=f"{period} 例行检查（风险等级：{ent.risk_label}）"))
    return result


def draw_campaign(name: str, count: int, kinds: list[str], risks: list[str], seed: str | None,
                  user: User) -> InspectionCampaign:
    """双随机: draw ``count`` enterprises and two inspectors for each, from a recorded seed.

    The same seed over the same pools (enterprises by id, inspectors by username) draws the
    same selection, so anyone can check the draw afterwards.
    """
    if not can_plan(user):
        raise PermissionDenied(_("只有主管可以发起双随机抽查。"))
    name = (name or "").strip()
    if not name:
        raise ServiceError(_("请填写抽查任务名称。"))
    if count is None or count < 1:
        raise ServiceError(_("抽查企业数量至少为 1。"))
    seed = (seed or "").strip() or secrets.token_hex(4)
    if len(seed) > 40:
        raise ServiceError(_("随机种子不能超过 40 个字符。"))
    query = select(Enterprise).where(Enterprise.active.is_(True))
    if kinds:
        query = query.where(Enterprise.kind.in_(kinds))
    if risks:
        query = query.where(Enterprise.risk_level.in_(risks))
    pool = list(db.session.scalars(query.order_by(Enterprise.id)))
    staff = inspectors()
    if len(staff) < 2:
        raise ServiceError(_("检查员不足两人，无法抽取检查人员。"))
    if count > len(pool):
        raise ServiceError(_("符合条件的企业只有 %(n)s 家，少于抽查数量 %(count)s。", n=len(pool), count=count))
    chosen, pairs = draw(seed, [e.id for e in pool], [u.username for u in staff], count)
    by_id = {e.id: e for e in pool}
    by_name = {u.username: u for u in staff}
    with unit_of_work():
        campaign = InspectionCampaign(
            name=name[:120], seed=seed, created_at=clock.now(), created_by_id=user.id,
            criteria={"kinds": kinds, "risks": risks, "count": count, "enterprise_pool": [e.id for e in pool],
                      "inspector_pool": [u.username for u in staff]},
            selection=[[eid, a, b] for eid, (a, b) in zip(chosen, pairs, strict=True)])
        db.session.add(campaign)
        db.session.flush()
        for eid, (a, b) in zip(chosen, pairs, strict=True):
            start(source="random", actor=user, enterprise=by_id[eid], campaign=campaign,
                   reason=f"双随机抽查：{campaign.name}（随机种子 {seed}）", pair=(by_name[a], by_name[b]))
    return campaign


def draw(seed: str, enterprise_ids: list[int], inspector_names: list[str], count: int):
    """The draw itself (pure): enterprises in draw order, and a distinct pair of inspectors for each."""
    rng = random.Random(f"jiesu-random-{seed}")
    chosen = rng.sample(sorted(enterprise_ids), count)
    pairs = [tuple(rng.sample(sorted(inspector_names), 2)) for _ in chosen]
    return chosen, pairs

