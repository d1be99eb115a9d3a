"""Shared set-up for the benchmarks: a fresh app on a SQLite file, users, ticket data, timing helpers.

Mirrors tests/conftest.py (``seed_base`` plus the demo users, no demo tickets) and
tests/helpers.py (the main-line task data), without importing the tests package.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from sqlalchemy import event, select

from app import create_app
from app.engine.clock import LOCAL_TZ, clock
from app.extensions import db

ROOT = Path(__file__).resolve().parents[1]
T0 = datetime(2026, 11, 25, 10, 0, tzinfo=LOCAL_TZ)  # a Wednesday, as in the tests

SIGN = {"sign_decision": "签收", "return_reason": None, "sign_note": ""}
DISPATCH = {"section": "culture_market", "dispatch_note": "请文化市场科办理"}
RESPOND = {"contact_time": "2026-11-25T10:00:00+08:00", "contact_method": "电话", "contact_person": "王磊",
           "contact_note": "已电话联系来电人"}
HANDLE = {"handle_decision": "提交审核", "party_contact": "已约谈网咖负责人", "actions_taken": "现场检查并责令整改",
          "handling_result": "网咖已整改", "reply_draft": "经核查，网咖存在接纳未成年人问题，已责令整改。"}
APPROVE = {"review_decision": "通过", "review_comment": ""}
RESOLVED = {"callback_contacted": "是", "callback_resolved": "解决", "callback_satisfied": "满意",
            "callback_unreached": None, "callback_note": ""}

# (user task, who completes it, form data): the main line of processes/ticket.bpmn
STEPS = [("sign", "paidan", SIGN), ("dispatch", "paidan", DISPATCH), ("respond", "wenhua", RESPOND),
         ("handle", "wenhua", HANDLE), ("review", "shenhe", APPROVE), ("callback", "huifang", RESOLVED)]


def ticket_fields(no: str, **extra) -> dict:
    fields = dict(ticket_no=no, ticket_type="投诉", topic="文化->文化市场->网吧", title="网吧接纳未成年人",
                  content="来电人反映网吧接纳未成年人上网。", caller_name="李先生", caller_phone="13811112222",
                  district="本区", street="东华街道", community="", address="东华路18号", enterprise="极速网咖",
                  urgency="一般", nature="主办", source="市级直派", called_at=None, dispatched_at=None,
                  platform_deadline=None)
    fields.update(extra)
    return fields


@contextmanager
def fresh_app():
    """An app on a new SQLite file in a temp dir, seeded like the tests; the clock frozen at T0."""
    with tempfile.TemporaryDirectory(prefix="jiesu-bench-") as tmp:
        app = create_app({
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'bench.sqlite'}",
            "JIESU_UPLOAD_DIR": str(Path(tmp) / "uploads"),
            "JIESU_PASSWORD_METHOD": "pbkdf2:sha256:1000",  # fast hashes: we time work orders, not logins
        })
        clock.freeze(T0)
        try:
            with app.app_context():
                db.create_all()
                from app.seed import seed_base

                seed_base()
                seed_demo_users()
                db.session.remove()
                yield app, Path(tmp)
                db.session.remove()
                db.engine.dispose()
        finally:
            clock.reset()


def seed_demo_users() -> None:
    from app.demo.accounts import DEMO_PASSWORD, DEMO_USERS
    from app.models import Section, User

    sections = {s.code: s for s in db.session.scalars(select(Section))}
    for username, name, roles, section in DEMO_USERS:
        user = User(username=username, name=name, roles=roles, section=sections.get(section))
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
    db.session.commit()


def user(username: str):
    from app.models import User

    return db.session.scalar(select(User).where(User.username == username))


class StatementCounter:
    """Counts SQL statements sent to the database (``count`` since the last ``take``)."""

    def __init__(self, engine):
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._on_execute)

    def _on_execute(self, *_args):
        self.count += 1

    def take(self) -> int:
        n, self.count = self.count, 0
        return n


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.2f} ms"


def summary(samples: list[float]) -> str:
    """mean / median / p95 of durations in seconds, as milliseconds."""
    if not samples:
        return "n/a"
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return (f"mean {statistics.fmean(samples) * 1000:6.2f} ms  median {statistics.median(samples) * 1000:6.2f} ms"
            f"  p95 {p95 * 1000:6.2f} ms  (n={len(samples)})")


perf = time.perf_counter
cpu = time.process_time  # this process's CPU (user + system): less sensitive to other load than wall time


def load_note() -> str:
    """The 1-minute load average: figures are noisy when other processes compete for the cores."""
    try:
        load = os.getloadavg()[0]
    except OSError:
        return ""
    return f"load average {load:.2f} on {os.cpu_count()} cores at start"
