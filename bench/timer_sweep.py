"""One timer sweep over 1,000 and over 50,000 waiting instances, with the same few due.

Run from the repo root: ``.venv/bin/python bench/timer_sweep.py [--small 1000] [--large 50000] [--due 20] [--errored N]``.

How the table is filled (fresh SQLite file in a temp dir, seeded like the tests):

* At T0 = 2026-11-25 10:00 Beijing time (clock frozen), ``--due`` real tickets are
  created through ``tickets.create_ticket`` and carried through sign and dispatch
  with ``completion.complete_task``: each waits in ``respond`` with its response timer (24 h,
  ``response_deadline``) due at T0 + 24 h, so ``next_timer_at`` = T0 + 24 h.
* At T0 + 6 h one more ticket (the template) is carried the same way: its response
  timer is due at T0 + 30 h. Its ``process_instance`` row is copied with SQLAlchemy
  core ``insert`` in batches until the table holds the wanted number of waiting
  instances. Copies keep the template's state_json (they would load and fire) and
  have no ticket (``ticket_id`` NULL); their ``next_timer_at`` is spread from
  T0 + 30 h onward, one minute apart, as real deadlines are.
* The sweep runs at T0 + 24 h + 1 min: exactly the ``--due`` real instances are due;
  firing their response timer raises a 响应超时 alert on their tickets.

After each fill the WAL is checkpointed and the file synced, then each size gets one
untimed warm-up sweep and 5 timed sweeps; before each, the due rows are put back as they were before
the first sweep (state_json, next_timer_at, lock_version, ...), so every sweep fires
the same timers. Printed: rows in the table, the median sweep time, the due-instance
query alone, and SQLite's EXPLAIN QUERY PLAN for the sweep's query and the
scheduler's next-due query. For contrast, the due query forced to a full scan
(``NOT INDEXED``) is timed on the large table. Figures only, no timing asserted.

``--errored N`` (default 0) then turns N of the waiting copies into instances as the
sweep leaves a failing one (``status = 'error'``, ``next_timer_at`` kept, here one day
in the past) and measures again: such rows stay inside the index range the due query
and the next-due query walk, since the index has no ``status``.
"""

from __future__ import annotations

import argparse
import os
import statistics
from datetime import timedelta

from common import DISPATCH, SIGN, cpu, fresh_app, load_note, perf, ticket_fields, user
from sqlalchemy import bindparam, event, func, insert, select, update

from app.engine import instances
from app.engine.clock import clock
from app.extensions import db
from app.models import Alert, ProcessInstance, WorkItem
from app.services import completion, tickets, timers

T0_SHIFT_TEMPLATE = timedelta(hours=6)
SWEEP_AT = timedelta(hours=24, minutes=1)
RUNS = 5
BATCH = 5000
RESTORED = ("status", "state_json", "next_timer_at", "end_event", "error", "updated_at", "lock_version")


def ticket_waiting_in_respond(no: str) -> int:
    """A real ticket carried to ``respond`` (sign + dispatch); returns its process instance id."""
    ticket_id = tickets.create_ticket(ticket_fields(no), user("paidan")).id
    for spec_name, data in (("sign", SIGN), ("dispatch", DISPATCH)):
        db.session.remove()
        item_id = db.session.scalar(select(WorkItem.id).where(
            WorkItem.ticket_id == ticket_id, WorkItem.spec_name == spec_name, WorkItem.state == "ready"))
        completion.complete_task(item_id, user("paidan"), completion.Submission(data, []))
    db.session.remove()
    return db.session.scalar(select(ProcessInstance.id).where(ProcessInstance.ticket_id == ticket_id))


def fill_copies(template_id: int, count: int, first_offset: int) -> None:
    """Insert ``count`` copies of the template instance row, next_timer_at one minute apart."""
    table = ProcessInstance.__table__
    row = dict(db.session.execute(select(table).where(table.c.id == template_id)).mappings().one())
    del row["id"]
    base = row["next_timer_at"]
    done = 0
    while done < count:
        size = min(BATCH, count - done)
        rows = [dict(row, ticket_id=None, next_timer_at=base + timedelta(minutes=first_offset + done + k))
                for k in range(size)]
        db.session.execute(insert(table), rows)
        db.session.commit()
        done += size


def settle() -> float:
    """Checkpoint the WAL and flush dirty pages, so the bulk insert's write-back is not timed."""
    t = perf()
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    os.sync()
    return perf() - t


def counts() -> tuple[int, int, int]:
    now = clock.now()
    total = db.session.scalar(select(func.count()).select_from(ProcessInstance))
    waiting = db.session.scalar(select(func.count()).select_from(ProcessInstance).where(
        ProcessInstance.status == "running", ProcessInstance.next_timer_at > now))
    due = db.session.scalar(select(func.count()).select_from(ProcessInstance).where(
        ProcessInstance.status == "running", ProcessInstance.next_timer_at <= now))
    return total, waiting, due


def save_due(due_ids: list[int]) -> list[dict]:
    table = ProcessInstance.__table__
    cols = [table.c.id, *(table.c[name] for name in RESTORED)]
    return [dict(r) for r in db.session.execute(select(*cols).where(table.c.id.in_(due_ids))).mappings()]


def restore_due(saved: list[dict]) -> None:
    table = ProcessInstance.__table__
    stmt = (update(table).where(table.c.id == bindparam("b_id"))
            .values({name: bindparam(f"b_{name}") for name in RESTORED}))
    db.session.execute(stmt, [{f"b_{k}": v for k, v in row.items()} for row in saved])
    db.session.commit()
    db.session.remove()


def time_sweeps(saved: list[dict], due: int) -> tuple[list[float], list[float]]:
    samples, cpu_samples = [], []
    restore_due(saved)
    timers.sweep()  # warm-up, not timed
    db.session.remove()
    for _ in range(RUNS):
        restore_due(saved)
        t, c = perf(), cpu()
        result = timers.sweep()
        samples.append(perf() - t)
        cpu_samples.append(cpu() - c)
        db.session.remove()
        if result.instances != due or result.fired != due or result.errors:
            raise SystemExit(f"sweep fired {result.fired} timers on {result.instances} instances "
                             f"({result.errors} errors), expected {due}: the set-up is wrong")
    restore_due(saved)
    return samples, cpu_samples


def captured_sql(fn) -> tuple[str, tuple]:
    """The last SQL statement (and its parameters) that ``fn`` sends."""
    seen = []

    def listen(_conn, _cursor, statement, parameters, _context, _many):
        seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
        db.session.remove()
    return seen[-1]


def query_plan(statement: str, parameters) -> list[str]:
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
    return [row[-1] for row in rows]


def median_query(fn, repeat: int = 200) -> float:
    samples = []
    for _ in range(repeat):
        t = perf()
        fn()
        samples.append(perf() - t)
        db.session.remove()
    return statistics.median(samples)


def full_scan_time(statement: str, parameters) -> float:
    forced = statement.replace("FROM process_instance", "FROM process_instance NOT INDEXED", 1)
    samples = []
    with db.engine.connect() as conn:
        for _ in range(3):
            t = perf()
            conn.exec_driver_sql(forced, parameters).all()
            samples.append(perf() - t)
    return statistics.median(samples)


def measure(saved: list[dict], due: int) -> tuple:
    total, waiting, due_now = counts()
    samples, cpu_samples = time_sweeps(saved, due)
    query_s = median_query(lambda: instances.due_instance_ids(200))
    next_s = median_query(instances.next_due_instant)
    return total, waiting, due_now, samples, cpu_samples, query_s, next_s


def row(label, total, waiting, due, samples, cpu_samples, query_s, next_s) -> str:
    med = statistics.median(samples)
    return (f"{label:>9} {total:>7} {due:>4}  {med * 1000:9.1f} ms  {min(samples) * 1000:6.1f} ms  "
            f"{max(samples) * 1000:6.1f} ms  {statistics.median(cpu_samples) * 1000:7.1f} ms  "
            f"{med / max(due, 1) * 1000:8.2f} ms  {query_s * 1000:6.3f} ms  {next_s * 1000:8.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1000, help="waiting instances, first size (default 1000)")
    parser.add_argument("--large", type=int, default=50000, help="waiting instances, second size (default 50000)")
    parser.add_argument("--due", type=int, default=20, help="instances due at sweep time (default 20)")
    parser.add_argument("--errored", type=int, default=0,
                        help="then mark this many waiting copies as errored with a past next_timer_at (default 0)")
    args = parser.parse_args()
    note = load_note()

    with fresh_app() as (_app, tmp):
        t0 = clock.now()
        t = perf()
        due_ids = [ticket_waiting_in_respond(f"DUE-{i:04d}") for i in range(args.due)]
        clock.freeze(t0 + T0_SHIFT_TEMPLATE)
        template_id = ticket_waiting_in_respond("TEMPLATE")
        setup_service = perf() - t
        print(f"Set-up: {args.due + 1} real tickets through the service layer in {setup_service:.2f} s")

        clock.freeze(t0 + SWEEP_AT)
        saved = save_due(due_ids)
        results = {}
        inserted = 1  # the template itself waits too
        for size in (args.small, args.large):
            t = perf()
            fill_copies(template_id, size - inserted, inserted)
            copied = perf() - t
            print(f"  copied {size - inserted} instance rows in {copied:.2f} s "
                  f"(+ {settle():.2f} s WAL checkpoint and sync before timing)")
            inserted = size
            total, waiting, due = counts()
            results[size] = measure(saved, args.due)
        errored = None
        if args.errored:
            table = ProcessInstance.__table__
            victims = select(table.c.id).where(table.c.ticket_id.is_(None)).limit(args.errored).scalar_subquery()
            db.session.execute(update(table).where(table.c.id.in_(victims))
                               .values(status="error", next_timer_at=t0 - timedelta(days=1)))
            db.session.commit()
            settle()
            errored = measure(saved, args.due)

        db_bytes = sum(p.stat().st_size for p in tmp.iterdir() if p.name.startswith("bench.sqlite"))
        due_sql, due_params = captured_sql(lambda: instances.due_instance_ids(200))
        next_sql, next_params = captured_sql(instances.next_due_instant)
        scan_s = full_scan_time(due_sql, due_params)
        plans = {"due": query_plan(due_sql, due_params), "next": query_plan(next_sql, next_params)}
        template_len = db.session.scalar(select(func.length(ProcessInstance.state_json))
                                         .where(ProcessInstance.id == template_id))
        alerts = db.session.scalar(select(func.count()).select_from(Alert).where(Alert.kind == "响应超时"))

    print()
    if note:
        print(f"({note})")
    print(f"Timer sweep at T0+24h01m: {args.due} instances due, the rest waiting (5 sweeps per size, due rows re-armed)")
    print(f"{'waiting':>9} {'rows':>7} {'due':>4}  {'sweep median':>12}  {'min':>9}  {'max':>9}  {'CPU med.':>10}"
          f"  {'per due':>11}  {'due query':>9}  {'next-due q.':>11}")
    for total, waiting, *rest in results.values():
        print(row(waiting, total, waiting, *rest))
    if errored:
        print(row(f"{errored[1]}+{args.errored}err", *errored))
    small, large = (statistics.median(results[s][3]) for s in (args.small, args.large))
    print(f"large / small sweep time: {large / small:.2f}  (database + WAL {db_bytes / 2**20:.0f} MB, "
          f"state_json {template_len / 1024:.1f} KB per waiting instance, "
          f"{alerts} 响应超时 alerts raised over {(RUNS + 1) * (2 + bool(errored))} sweeps)")
    print()
    print("Due-instance query (instances.due_instance_ids):")
    print("  " + " ".join(due_sql.split()))
    for line in plans["due"]:
        print(f"  plan: {line}")
    print(f"  forced full scan (NOT INDEXED) over all {results[args.large][0]} rows: {scan_s * 1000:.1f} ms (contrast only)")
    print("Scheduler's next-due query (instances.next_due_instant):")
    print("  " + " ".join(next_sql.split()))
    for line in plans["next"]:
        print(f"  plan: {line}")


if __name__ == "__main__":
    main()
