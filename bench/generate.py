"""Fill a database with N tickets of realistic shapes through the real schema, with bulk inserts.

    .venv/bin/python bench/generate.py --url postgresql://postgres@127.0.0.1:5432/bench_scale --tickets 1000000
    .venv/bin/python bench/generate.py --url sqlite:////tmp/bench.sqlite --tickets 100000

The schema is brought to the latest migration and seeded (calendar, sections, processes, the demo
accounts plus staff up to 27 people). Then a few template tickets are driven through the service
layer to every open stage of the main line (待签收 ... 待回访) and to 办结, and the N tickets are
written in bulk (COPY on PostgreSQL, executemany on SQLite), not ticket by ticket:

- spread over ``--months`` (default 60) ending now, with a daily rhythm (more by day than by night);
- about 96 % closed (办结 with a callback: mostly 满意/解决, some 基本/不, a few unreached), a few
  returned (已退回) or transferred (已转派), some excluded (剔除), supervised (督办) or carried (挂账);
- ``--open`` (default 3 %) open, most of them in the last month, each with a process instance
  (a copy of the template's state at that stage, its task ids renewed) and its open work item,
  some claimed by the staff, some overdue; the board, the inboxes and the task pages work on them;
- callers drawn from a pool so that some call again (repeat callers: suggested and confirmed
  repeat links), enterprises from a pool of ``--enterprises`` (also written to the enterprise
  ledger and linked), timeline entries per ticket (created, the tasks, closed), fingerprints,
  alerts on the open overdue ones.

Prints rows per table and rows/s. ``--append`` adds to what is there (ids continue).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import texts  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402

STAFF = [  # extra desk staff beyond the demo accounts, to make the 27 of the contract
    ("paidan2", "钱伟", "dispatcher", None), ("paidan3", "孙浩", "dispatcher", None),
    ("zhiban2", "周洁", "duty,dispatcher", None), ("zhiban3", "吴昊", "duty,dispatcher", None),
    ("wenhua3", "郑涛", "handler", "culture_market"), ("lvyou2", "王芳", "handler", "tourism_market"),
    ("lvyou3", "冯雪", "handler", "tourism_market"), ("gonggong2", "陈刚", "handler", "public_service"),
    ("wenwu", "褚静", "handler", "heritage"), ("shenhe2", "卫明", "reviewer", None),
    ("huifang2", "蒋丽", "callback", None), ("huifang3", "沈阳", "callback", None),
    ("huifang4", "韩梅", "callback", None), ("jiancha2", "杨帆", "inspector", None),
]
TABLES = ("ticket", "ticket_event", "ticket_fingerprint", "process_instance", "work_item", "repeat_link", "alert",
          "enterprise", "enterprise_ticket")
STAGES = ["sign", "dispatch", "respond", "handle", "review", "callback"]
STAGE_WEIGHTS = [8, 6, 14, 40, 12, 20]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", required=True, help="database URL (postgresql://... or sqlite:///...)")
    p.add_argument("--tickets", type=int, default=100_000)
    p.add_argument("--months", type=int, default=60, help="the tickets span this many months, ending now")
    p.add_argument("--open", type=float, default=0.03, help="share of open tickets")
    p.add_argument("--enterprises", type=int, default=3000)
    p.add_argument("--callers", type=int, default=0, help="caller pool (default: 0.6 x tickets)")
    p.add_argument("--seed", type=int, default=14)
    p.add_argument("--batch", type=int, default=20_000)
    p.add_argument("--append", action="store_true", help="add to the tickets already there")
    p.add_argument("--finish-only", action="store_true", help="only reset the id sequences, fill the search "
                   "text and ANALYZE (after a bulk load that stopped before)")
    return p.parse_args(argv)


# -- writing rows ----------------------------------------------------------------------------

class Writer:
    """Bulk rows into one table: COPY on PostgreSQL, executemany on SQLite; missing columns get defaults."""

    def __init__(self, table_name: str):
        self.table = db.metadata.tables[table_name]
        self.columns = [c.name for c in self.table.columns if c.computed is None]  # generated ones: by the database
        self.defaults = {}
        for c in self.table.columns:
            d = c.default
            self.defaults[c.name] = d.arg if d is not None and d.is_scalar else None
        self.pg = db.engine.dialect.name == "postgresql"
        self.rows: list[tuple] = []
        self.count = 0

    def add(self, **values) -> None:
        d = self.defaults
        self.rows.append(tuple(values[c] if c in values else d[c] for c in self.columns))

    def flush(self) -> None:
        if not self.rows:
            return
        conn = db.session.connection()
        if self.pg:
            raw = conn.connection.driver_connection
            cols = ", ".join(f'"{c}"' for c in self.columns)
            with raw.cursor() as cur, cur.copy(f'COPY "{self.table.name}" ({cols}) FROM STDIN') as copy:
                for row in self.rows:
                    copy.write_row(tuple(_pg(v) for v in row))
        else:
            raw = conn.connection.driver_connection
            marks = ", ".join("?" for _ in self.columns)
            cols = ", ".join(f'"{c}"' for c in self.columns)
            raw.executemany(f'INSERT INTO "{self.table.name}" ({cols}) VALUES ({marks})',
                            [tuple(_sqlite(v) for v in row) for row in self.rows])
        self.count += len(self.rows)
        self.rows = []


def _naive_utc(v: datetime) -> datetime:
    return v.astimezone(UTC).replace(tzinfo=None) if v.tzinfo else v


def _pg(v):
    if isinstance(v, datetime):
        return _naive_utc(v)
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)
    return v


def _sqlite(v):
    if isinstance(v, datetime):
        return _naive_utc(v).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, bool):
        return int(v)
    return v


def next_id(table: str) -> int:
    return (db.session.scalar(text(f'SELECT max(id) FROM "{table}"')) or 0) + 1


def reset_sequences(tables) -> None:
    if db.engine.dialect.name != "postgresql":
        return
    for t in tables:
        if "id" not in db.metadata.tables[t].c or not db.metadata.tables[t].c.id.primary_key:
            continue
        db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{t}\"', 'id'), "
                                f"coalesce((SELECT max(id) FROM \"{t}\"), 1))"))


# -- set-up and templates --------------------------------------------------------------------

def prepare() -> dict:
    """Schema, base data, staff; returns users by username and sections by code."""
    from app.cli import upgrade_database
    from app.demo.accounts import DEMO_PASSWORD, DEMO_USERS
    from app.models import Section, User
    from app.seed import seed_base

    upgrade_database()
    seed_base()
    sections = {s.code: s for s in db.session.scalars(select(Section))}
    existing = set(db.session.scalars(select(User.username)))
    for username, name, roles, section in DEMO_USERS + STAFF:
        if username in existing:
            continue
        u = User(username=username, name=name, roles=roles, section=sections.get(section))
        u.set_password(DEMO_PASSWORD)
        db.session.add(u)
    db.session.commit()
    users = {u.username: u for u in db.session.scalars(select(User))}
    return {"users": users, "sections": {c: s.id for c, s in sections.items()}}


def templates(users) -> dict:
    """One real ticket per open stage (and one closed), made through the service layer."""
    from common import STEPS, ticket_fields

    from app.engine.clock import clock
    from app.models import ProcessInstance, Ticket, TicketEvent, WorkItem
    from app.services import completion, tickets

    out = {}
    stamp = uuid.uuid4().hex[:6]
    for stop in STAGES + ["closed"]:
        t = tickets.create_ticket(ticket_fields(f"TPL-{stamp}-{stop}"), users["paidan"])
        tid = t.id
        for spec_name, username, data in STEPS:
            if spec_name == stop:
                break
            item_id = db.session.scalar(select(WorkItem.id).where(
                WorkItem.ticket_id == tid, WorkItem.spec_name == spec_name, WorkItem.state == "ready"))
            if "contact_time" in data:
                data = {**data, "contact_time": clock.now().isoformat()}
            completion.complete_task(item_id, users[username],
                                     completion.Submission(data, [[k, str(v)] for k, v in data.items()]))
        db.session.expire_all()
        ticket = db.session.get(Ticket, tid)
        inst = db.session.scalar(select(ProcessInstance).where(ProcessInstance.ticket_id == tid)
                                 .order_by(ProcessInstance.id).limit(1))
        items = db.session.scalars(select(WorkItem).where(WorkItem.ticket_id == tid, WorkItem.state == "ready")).all()
        events = db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == tid)
                                    .order_by(TicketEvent.id)).all()
        out[stop] = {
            "ticket": {c.name: getattr(ticket, c.key) for c in Ticket.__table__.columns},
            "state_json": inst.state_json, "version_id": inst.version_id, "status": inst.status,
            "end_event": inst.end_event, "instance_id": inst.id,
            "items": [{c.name: getattr(w, c.key) for c in WorkItem.__table__.columns} for w in items],
            "events": [(e.kind, e.title, e.message, e.params, e.data) for e in events],
        }
    return out


GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def clone_state(state_json: str, old_ticket_id: int, new_ticket_id: int, ticket_no_old: str,
                ticket_no_new: str) -> tuple[str, dict]:
    """The template's state with fresh task ids and the new ticket's id and number."""
    mapping = {}

    def renew(m):
        g = m.group(0)
        if g not in mapping:
            mapping[g] = str(uuid.uuid4())
        return mapping[g]

    state = GUID.sub(renew, state_json)
    state = state.replace(f'"ticket_id": {old_ticket_id}', f'"ticket_id": {new_ticket_id}')
    state = state.replace(ticket_no_old, ticket_no_new)
    return state, mapping


# -- the generator ---------------------------------------------------------------------------

def generate(args) -> None:
    rng = random.Random(args.seed)
    ctx = prepare()
    users, sections = ctx["users"], ctx["sections"]
    tpl = templates(users)
    db.session.commit()
    from app.engine.clock import LOCAL_TZ, clock
    from app.services import search_index

    now = clock.now()
    start = now - timedelta(days=30.44 * args.months)
    span = (now - start).total_seconds()

    ent_pool = texts.enterprises(rng, args.enterprises)
    n_callers = args.callers or max(100, int(args.tickets * 0.6))
    callers = [(texts.person(rng), texts.phone(rng)) for _ in range(min(n_callers, 2_000_000))]

    W = {name: Writer(name) for name in TABLES}
    ent_ids = {}
    eid = next_id("enterprise")
    for name, kind, street, address in ent_pool:
        if db.session.scalar(select(func.count()).select_from(W["enterprise"].table)
                             .where(W["enterprise"].table.c.name == name)) and args.append:
            continue
        code17 = f"91110101{eid:09d}"[:17]
        from app.services.credit_code import complete

        W["enterprise"].add(id=eid, name=name, credit_code=complete(code17), kind=kind, address=address,
                            street=street, contact_name=texts.person(rng), contact_phone=texts.phone(rng),
                            risk_level=rng.choice(["low", "medium", "medium", "high"]), created_at=start,
                            updated_at=start)
        ent_ids[name] = eid
        eid += 1
    W["enterprise"].flush()

    tid = next_id("ticket")
    ev_id = next_id("ticket_event")
    inst_id = next_id("process_instance")
    wi_id = next_id("work_item")
    link_id = next_id("repeat_link")
    alert_id = next_id("alert")
    et_id = next_id("enterprise_ticket")
    staff = {r: [u for u in users.values() if r in u.roles.split(",") and not u.username.startswith("liucheng")]
             for r in ("dispatcher", "handler", "reviewer", "callback")}
    handlers_by_section = {}
    for u in staff["handler"]:
        handlers_by_section.setdefault(u.section_id, []).append(u)
    topic_names = list(texts.TOPIC_WEIGHTS)
    topic_w = list(texts.TOPIC_WEIGHTS.values())
    type_names = list(texts.TYPE_WEIGHTS)
    type_w = list(texts.TYPE_WEIGHTS.values())
    ents_by_kind = {}
    for e in ent_pool:
        ents_by_kind.setdefault(e[1], []).append(e)
    closed_tpl = tpl["closed"]
    last_by_phone: dict[str, tuple[int, datetime]] = {}
    stamp = f"{rng.randrange(16 ** 4):04x}".upper()
    counts = {"open": 0, "closed": 0, "returned": 0}
    t0 = time.perf_counter()
    n = args.tickets
    recent = now - timedelta(days=30)
    for i in range(n):
        is_open = rng.random() < args.open
        if is_open:  # open tickets are mostly recent
            at = recent + timedelta(seconds=rng.random() * (now - recent).total_seconds() * 0.98)
        else:
            at = start + timedelta(seconds=(i + rng.random()) / n * span)
            if at > now - timedelta(days=2):
                at = now - timedelta(days=2, seconds=rng.random() * 86400 * 5)
        hour = at.astimezone(LOCAL_TZ).hour
        if hour < 7 and rng.random() < 0.6:  # fewer calls by night
            at += timedelta(hours=8)
            if at > now:
                at -= timedelta(hours=16)
        kind = rng.choices(topic_names, topic_w)[0]
        section_code, topic_path, _suffixes, _tpls = texts.TOPICS[kind]
        ent = rng.choice(ents_by_kind.get(kind) or ent_pool)
        title, content = texts.complaint(rng, ent)
        caller = rng.choice(callers) if rng.random() < 0.97 else ("匿名", "")
        ttype = rng.choices(type_names, type_w)[0]
        urgency = rng.choices(["一般", "紧急", "特急"], [92, 7, 1])[0]
        source = rng.choices(["市级直派", "区级转派", "其他"], [70, 25, 5])[0]
        no = f"G{stamp}{at:%Y%m%d}{i:07d}"
        response_deadline = at + timedelta(hours=2 if urgency != "一般" else 24)
        reply_deadline = at + timedelta(days=9 if ttype != "咨询" else 3)
        section_id = sections.get(section_code)
        row = dict(id=tid, ticket_no=no, ticket_type=ttype, topic=topic_path, title=title, content=content,
                   caller_name=caller[0], caller_phone=caller[1], district="本区", street=ent[2],
                   community=ent[2][:2] + rng.choice(texts.COMMUNITIES), address=ent[3], enterprise=ent[0],
                   called_at=at - timedelta(minutes=rng.randint(5, 90)), dispatched_at=at,
                   platform_deadline=reply_deadline, urgency=urgency, nature=rng.choices(["主办", "协办", "转办"],
                                                                                            [90, 7, 3])[0],
                   source=source, received_at=at, intake_channel=rng.choices(["api", "import", "manual"],
                                                                             [80, 12, 8])[0],
                   intake_checksum="", created_by_id=None, response_deadline=response_deadline,
                   reply_deadline=reply_deadline, urge_at=reply_deadline - timedelta(days=3),
                   intake_platform="市级平台" if source == "市级直派" else "区级平台",
                   callback_contacted=None, callback_resolved="", callback_satisfied="", excluded=False,
                   supervised=rng.random() < 0.02, carried=False, rework_count=0, reply_text="", outcome="")
        events = [("created", at)]
        if is_open:
            stage = rng.choices(STAGES, STAGE_WEIGHTS)[0]
            tp = tpl[stage]
            row.update(state=tp["ticket"]["state"], section_id=section_id if stage not in ("sign", "dispatch")
                       else None, closed_at=None)
            if stage in ("handle", "review", "callback"):
                row["first_contact_at"] = at + timedelta(hours=rng.uniform(0.5, 20))
            state, mapping = clone_state(tp["state_json"], tp["ticket"]["id"], tid, tp["ticket"]["ticket_no"], no)
            W["process_instance"].add(id=inst_id, version_id=tp["version_id"], ticket_id=tid, business_key=None,
                                      status="running", end_event="", state_json=state,
                                      next_timer_at=min(response_deadline, reply_deadline), error="",
                                      created_at=at, updated_at=at, lock_version=1)
            for item in tp["items"]:
                assignee = None
                groups = item["candidate_groups"]
                if stage in ("respond", "handle"):
                    pool = handlers_by_section.get(section_id) or staff["handler"]
                    assignee = rng.choice(pool).id if rng.random() < 0.7 else None
                    if assignee is None:
                        groups = item["candidate_groups"]
                elif rng.random() < 0.3:
                    role = {"sign": "dispatcher", "dispatch": "dispatcher", "review": "reviewer",
                            "callback": "callback"}[stage]
                    assignee = rng.choice(staff[role]).id
                due = reply_deadline if stage not in ("sign", "dispatch", "respond") else response_deadline
                W["work_item"].add(id=wi_id, instance_id=inst_id, ticket_id=tid, business_key=item["business_key"],
                                   task_guid=mapping.get(item["task_guid"], str(uuid.uuid4())),
                                   spec_name=item["spec_name"], title=item["title"], lane=item["lane"],
                                   candidate_groups=groups, assignee_id=assignee, due_at=due, state="ready",
                                   created_at=at, claimed_at=at if assignee else None, completed_at=None,
                                   completed_by_id=None)
                wi_id += 1
            inst_id += 1
            if reply_deadline <= now and rng.random() < 0.5:
                W["alert"].add(id=alert_id, ticket_id=tid, business_key=None, kind="超期",
                               message=f"工单 {no} 已超过办理时限", raised_at=reply_deadline,
                               acknowledged_at=None, acknowledged_by_id=None)
                alert_id += 1
            counts["open"] += 1
        else:
            r = rng.random()
            if r < 0.02:
                row.update(state="已退回", outcome="已退回", closed_at=at + timedelta(hours=rng.uniform(0.2, 6)),
                           section_id=None)
                events.append(("closed", row["closed_at"]))
                counts["returned"] += 1
            else:
                contact = at + timedelta(hours=rng.uniform(0.3, 23) if rng.random() < 0.985 else rng.uniform(25, 60))
                closed = contact + timedelta(days=rng.uniform(0.5, 8.5))
                cb = closed + timedelta(hours=rng.uniform(2, 40))
                reached = rng.random() < 0.93
                handler = rng.choice(handlers_by_section.get(section_id) or staff["handler"])
                row.update(state=closed_tpl["ticket"]["state"], outcome=closed_tpl["ticket"]["outcome"],
                           section_id=section_id, first_contact_at=contact, closed_at=cb, replied_at=closed,
                           reply_text=texts.REPLY.format(day=f"{contact:%m月%d日}", handler=handler.name, ent=ent[0]),
                           callback_contacted=reached, callback_at=cb,
                           callback_resolved=rng.choices(["解决", "基本解决", "未解决"], [80, 14, 6])[0] if reached else "",
                           callback_satisfied=rng.choices(["满意", "基本满意", "不满意"], [84, 11, 5])[0] if reached
                           else "", excluded=rng.random() < 0.015,
                           rework_count=1 if rng.random() < 0.04 else 0)
                if rng.random() < 0.004:
                    row.update(carried=True, carry_plan="需协调相关部门，列入年度整改计划", carried_at=closed)
                events += [("task", at + timedelta(minutes=20)), ("task", at + timedelta(minutes=40)),
                           ("task", contact), ("task", closed - timedelta(hours=2)), ("task", closed), ("task", cb),
                           ("closed", cb)]
                counts["closed"] += 1
        row["search_text"] = search_index.document(row)  # what the save hook writes
        W["ticket"].add(**row)
        # timeline: the template's entries, re-dated
        tpl_events = tpl["closed"]["events"] if not is_open else tpl[stage]["events"]
        for (kind_, title_, message_, params_, data_), (_k, when) in zip(tpl_events, events + [events[-1]] * 40, strict=False):
            W["ticket_event"].add(id=ev_id, ticket_id=tid, at=when, actor_id=None, kind=kind_, title=title_,
                                  message=message_, params=params_, data=data_)
            ev_id += 1
        phone_norm = caller[1]
        W["ticket_fingerprint"].add(ticket_id=tid, at=row["called_at"], phone=phone_norm,
                                    address=ent[3], enterprise=ent[0], tokens=None)
        if phone_norm and phone_norm in last_by_phone:
            earlier, earlier_at = last_by_phone[phone_norm]
            if (at - earlier_at) < timedelta(days=90):
                status = rng.choices(["suggested", "confirmed", "rejected"], [30, 50, 20])[0]
                W["repeat_link"].add(id=link_id, ticket_id=tid, earlier_id=earlier, kind="caller", key_kind="phone",
                                     key_value=phone_norm, score=1.0, status=status, created_at=at,
                                     decided_by_id=users["zhuguan"].id if status != "suggested" else None,
                                     decided_at=at + timedelta(hours=3) if status != "suggested" else None, note="")
                link_id += 1
        last_by_phone[phone_norm] = (tid, at)
        if ent[0] in ent_ids:
            W["enterprise_ticket"].add(id=et_id, enterprise_id=ent_ids[ent[0]], ticket_id=tid, how="auto",
                                       linked_by_id=None, linked_at=at)
            et_id += 1
        tid += 1
        if (i + 1) % args.batch == 0 or i + 1 == n:
            for name in ("ticket", "process_instance", "work_item", "ticket_event", "ticket_fingerprint",
                         "repeat_link", "alert", "enterprise_ticket"):
                W[name].flush()
            db.session.commit()
            rate = (i + 1) / (time.perf_counter() - t0)
            print(f"  {i + 1:>9,} tickets  {rate:8,.0f} tickets/s", flush=True)
    reset_sequences(W)
    db.session.commit()
    took = time.perf_counter() - t0
    print(f"done in {took:.1f} s: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    for name, w in W.items():
        print(f"  {name:<20} {w.count:>10,} rows")
    post_load()


def post_load() -> None:
    """What a migration or a save fills that a bulk load bypasses: the search text, the register's groups,
    then statistics."""
    try:
        from app.services import search_index
    except ImportError:
        search_index = None
    if search_index is not None:
        t = time.perf_counter()
        filled = search_index.backfill()
        db.session.commit()
        print(f"search text for {filled:,} tickets in {time.perf_counter() - t:.1f} s")
    try:
        from app.services import repeat_groups
    except ImportError:
        repeat_groups = None
    if repeat_groups is not None:  # the register's groups from the bulk-written confirmed links
        t = time.perf_counter()
        groups = repeat_groups.rebuild()
        db.session.commit()
        print(f"repeat register: {groups:,} groups in {time.perf_counter() - t:.1f} s")
    if db.engine.dialect.name == "postgresql":
        db.session.commit()
        conn = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        conn.execute(text("VACUUM ANALYZE"))  # the visibility map too: index-only scans on a fresh load
        conn.close()
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()


def main(argv=None) -> None:
    args = parse_args(argv)
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.url, "JIESU_PASSWORD_METHOD": "pbkdf2:sha256:1000",
                      "JIESU_UPLOAD_DIR": str(Path("/tmp") / "jiesu-generate-uploads")})
    with app.app_context():
        t = time.perf_counter()
        if args.finish_only:
            reset_sequences(TABLES)
            db.session.commit()
            post_load()
        else:
            generate(args)
        print(f"total {time.perf_counter() - t:.1f} s")


if __name__ == "__main__":
    main()
