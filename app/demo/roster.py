"""The demo's duty roster: this week and next, so night and holiday routing can be seen at work.

Two more duty officers join 刘洋 (password ``jiesu2026`` like every demo user); one upcoming
off-hours shift is left uncovered on purpose so the supervisor page shows the 排班缺岗 warning.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.demo.accounts import DEMO_PASSWORD
from app.engine.clock import clock
from app.extensions import db
from app.models import DutyAssignment, User
from app.services import roster
from app.services.uow import unit_of_work

DUTY_USERS = [
    # username, name, roles
    ("zhiban2", "马超", "duty,dispatcher"),
    ("zhiban3", "高婷", "duty,dispatcher"),
]


def seed_demo_roster() -> None:

    today = clock.local_now().date()
    first = today - timedelta(days=today.weekday())
    last = first + timedelta(days=13)
    with unit_of_work():
        for username, name, roles in DUTY_USERS:
            if db.session.scalar(select(User.id).where(User.username == username)) is None:
                user = User(username=username, name=name, roles=roles)
                user.set_password(DEMO_PASSWORD)
                db.session.add(user)
        db.session.flush()
        if db.session.scalar(select(func.count(DutyAssignment.id)).where(
                DutyAssignment.day >= first, DutyAssignment.day <= last)):
            return
        people = {u.username: u for u in db.session.scalars(select(User))}
        rotation = [people[u] for u in ("zhiban", "zhiban2", "zhiban3") if u in people]
        dispatcher, leader = people.get("paidan"), people.get("zhuguan")
        if not rotation or dispatcher is None:
            return
        now = clock.now()
        shifts = roster.shifts_between(first, last)
        # leave one off-hours shift a day or so ahead without anybody: the supervisor's warning
        left_open = next((s for s in shifts if s.kind in roster.OFF_HOURS_KINDS
                          and s.start > now + timedelta(hours=24)), None)
        pending: list[tuple] = []
        for index, shift in enumerate(shifts):
            if shift == left_open:
                continue
            officer = rotation[index % len(rotation)]
            if shift.kind == "day":
                plan = [(dispatcher, "dispatcher"), (officer, "duty")]
            elif shift.kind == "night":  # the 值班员 is a 派单员 too: night tickets go to them
                plan = [(officer, "duty"), (leader, "leader")]
            else:  # holiday tickets go to the 值班派单员
                plan = [(officer, "duty"), (dispatcher, "dispatcher"), (leader, "leader")]
            for user, role in plan:
                if user is None or roster.check_assignment(shift.day, shift.kind, user, role, pending):
                    continue  # would double-book: leave it out rather than seed a wrong roster
                pending.append((shift.day, shift.kind, user.id, role))
                db.session.add(DutyAssignment(day=shift.day, shift=shift.kind, user_id=user.id, duty_role=role,
                                              created_at=now, note="演示排班"))
