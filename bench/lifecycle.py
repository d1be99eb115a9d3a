"""Throughput of the whole ticket lifecycle, through Jiesu's service layer and through SpiffWorkflow alone.

Run from the repo root: ``.venv/bin/python bench/lifecycle.py [--tickets N]`` (default 200).

Three runs of the same diagram (processes/ticket.bpmn), main line only: create the
ticket, then complete sign, dispatch, respond, handle, review and callback (6 user
tasks) with the data tests/helpers.py uses, so every ticket ends at 办结.

1. **app**: a fresh SQLite file DB in a temp dir (WAL, as the app configures it),
   ``seed_base()`` plus the demo users, the clock frozen at 2026-11-25 10:00 Beijing time.
   ``tickets.create_ticket`` and ``completion.complete_task`` are called as a web request would:
   the session is removed after every call (Flask-SQLAlchemy does so at the end of
   each request), and before each completion the open work item and the acting user
   are looked up in a fresh session, as the request handler would. The per-call
   figures time the service function alone; tickets/s counts everything.
2. **engine + serialization**: ``app.engine.runtime.Runtime`` as ``app.engine.instances``
   drives it (a new Runtime per operation, spec cached; new/load, run or complete,
   snapshot, dump), with no database: shows what the engine and the JSON round trip cost.
3. **in memory**: SpiffWorkflow alone: ``CamundaParser``, one ``BpmnWorkflow`` per ticket,
   a ``PythonScriptEngine`` with stub ``add_hours/add_workdays/now/notify/earliest/latest/is_future``,
   ``do_engine_steps`` after each task; no DB, no serialization.

Three warm-up tickets run before each timed run. Figures only; nothing is asserted
about timings (the script does check that every ticket closed).
"""

from __future__ import annotations

import argparse
import statistics
from collections import defaultdict
from datetime import timedelta

from common import (
    ROOT,
    STEPS,
    StatementCounter,
    cpu,
    fresh_app,
    load_note,
    perf,
    summary,
    ticket_fields,
    user,
)
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select

from app.engine import cache, calendar_store, instances
from app.engine.clock import clock
from app.engine.expressions import to_datetime, to_iso
from app.engine.runtime import Runtime
from app.extensions import db
from app.models import Ticket, WorkItem
from app.services import completion, tickets
from app.services.time_rules import DEFAULTS as DEFAULT_RULES

WARMUP = 3
PROCESS = "ticket_lifecycle"


# -- 1. the app, through the service layer ---------------------------------------------------

def run_app(n: int, stats: StatementCounter) -> dict:
    creates, completes, per_task = [], [], defaultdict(list)
    sql_create, sql_complete = [], []
    dispatcher_id = user("paidan").id
    db.session.remove()

    def one(i: int, timed: bool) -> None:
        from app.models import User

        actor = db.session.get(User, dispatcher_id)
        stats.take()
        t = cpu()
        ticket = tickets.create_ticket(ticket_fields(f"B-{i:06d}"), actor)
        took = cpu() - t
        ticket_id = ticket.id
        db.session.remove()
        if timed:
            creates.append(took)
            sql_create.append(stats.take())
        for spec_name, username, data in STEPS:
            item_id = db.session.scalar(select(WorkItem.id).where(
                WorkItem.ticket_id == ticket_id, WorkItem.spec_name == spec_name, WorkItem.state == "ready"))
            if item_id is None:
                raise SystemExit(f"{spec_name} is not ready for ticket {ticket_id}")
            actor = user(username)
            stats.take()
            t = cpu()
            completion.complete_task(item_id, actor, completion.Submission(data, [[k, str(v)] for k, v in data.items()]))
            took = cpu() - t
            db.session.remove()
            if timed:
                completes.append(took)
                per_task[spec_name].append(took)
                sql_complete.append(stats.take())

    for i in range(WARMUP):
        one(-1 - i, timed=False)
    start, cpu_start = perf(), cpu()
    for i in range(n):
        one(i, timed=True)
    wall, cpu_used = perf() - start, cpu() - cpu_start
    closed = db.session.scalar(select(func.count(Ticket.id)).where(Ticket.state == "办结"))
    if closed != n + WARMUP:
        raise SystemExit(f"only {closed} of {n + WARMUP} tickets closed: the bench did not run the lifecycle")
    return dict(wall=wall, cpu=cpu_used, creates=creates, completes=completes, per_task=per_task,
                sql_create=sql_create, sql_complete=sql_complete)


def state_sizes() -> tuple[int, int]:
    from app.models import ProcessInstance, ProcessVersion

    state = db.session.scalar(select(func.avg(func.length(ProcessInstance.state_json))))
    spec = db.session.scalar(select(func.max(func.length(ProcessVersion.spec_json))))
    return int(state or 0), int(spec or 0)


# -- 2. engine + serialization, no database ---------------------------------------------------

def start_variables(i: int) -> dict:
    return {"ticket_id": i, "ticket_no": f"M-{i:06d}", "ticket_type": "投诉", "urgency": "一般",
            "source": "市级直派", "received_at": to_iso(clock.now()), "platform_deadline": None}


def run_runtime(n: int) -> dict:
    version = instances.current_version(PROCESS)
    key, spec_json, task_meta = (version.id, version.checksum), version.spec_json, version.task_meta
    calendar = calendar_store.get_calendar()
    functions = instances.bpmn_functions()  # rule('reply_workdays') and the other wired functions
    parts = defaultdict(float)

    def runtime() -> Runtime:
        t = perf()
        rt = Runtime(key, spec_json, task_meta, calendar, functions)
        parts["Runtime()"] += perf() - t
        return rt

    def step(name, fn, *args):
        t = perf()
        out = fn(*args)
        parts[name] += perf() - t
        return out

    def one(i: int) -> None:
        rt = runtime()
        wf = step("new+run", lambda: (w := rt.new(start_variables(i)), rt.run(w))[0])
        snap = step("snapshot", rt.snapshot, wf)
        state = step("dump", rt.dump, wf)
        for spec_name, username, data in STEPS:
            guid = next(r.guid for r in snap.ready_tasks if r.spec_name == spec_name)
            rt = runtime()
            wf = step("load", rt.load, state)
            step("complete+run", rt.complete, wf, guid, dict(data, **{f"{spec_name}_by": username}))
            snap = step("snapshot", rt.snapshot, wf)
            state = step("dump", rt.dump, wf)
        if not snap.completed:
            raise SystemExit("runtime variant: the instance did not complete")

    for i in range(WARMUP):
        one(-1 - i)
    parts.clear()
    start, cpu_start = perf(), cpu()
    for i in range(n):
        one(i)
    return dict(wall=perf() - start, cpu=cpu() - cpu_start, parts=dict(parts))


# -- 3. SpiffWorkflow alone, in memory --------------------------------------------------------

def stub_environment() -> dict:
    fixed_now = clock.now()

    def now():
        return to_iso(fixed_now)

    def add_hours(start, hours):
        return to_iso(to_datetime(start) + timedelta(hours=float(hours)))

    def add_workdays(start, days):  # calendar days: a stub, no holiday table
        return to_iso(to_datetime(start) + timedelta(days=int(days)))

    def notify(kind, message=""):
        return None

    def rule(name):  # the 时限规则 at their defaults
        return DEFAULT_RULES[name]

    def earliest(*instants):
        return to_iso(min(to_datetime(v) for v in instants if v))

    def latest(*instants):
        return to_iso(max(to_datetime(v) for v in instants if v))

    def is_future(when):
        return bool(when) and to_datetime(when) > to_datetime(now())

    return {"now": now, "add_hours": add_hours, "add_workdays": add_workdays, "notify": notify, "rule": rule,
            "earliest": earliest, "latest": latest, "is_future": is_future}


def run_memory(n: int) -> dict:
    parser = CamundaParser()
    parser.add_bpmn_file(str(ROOT / "processes" / "ticket.bpmn"))
    spec = parser.get_spec(PROCESS)
    subprocess_specs = parser.get_subprocess_specs(PROCESS)
    engine = PythonScriptEngine(environment=TaskDataEnvironment(stub_environment()))

    def one(i: int) -> None:
        wf = BpmnWorkflow(spec, subprocess_specs, script_engine=engine)
        wf.get_next_task(state=TaskState.READY).data.update(start_variables(i))
        wf.do_engine_steps()
        for spec_name, username, data in STEPS:
            task = next(t for t in wf.get_tasks(state=TaskState.READY, manual=True)
                        if t.task_spec.bpmn_id == spec_name)
            task.set_data(**data, **{f"{spec_name}_by": username})
            task.run()
            wf.do_engine_steps()
        if not wf.completed:
            raise SystemExit("in-memory variant: the workflow did not complete")

    for i in range(WARMUP):
        one(-1 - i)
    start, cpu_start = perf(), cpu()
    for i in range(n):
        one(i)
    return dict(wall=perf() - start, cpu=cpu() - cpu_start)


# -- report -----------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=200, help="tickets per run (default 200)")
    n = parser.parse_args().tickets
    tasks = len(STEPS)
    note = load_note()

    with fresh_app() as (app, _tmp):
        stats = StatementCounter(db.engine)
        app_run = run_app(n, stats)
        state_avg, spec_len = state_sizes()
        rt_run = run_runtime(n)
    mem_run = run_memory(n)

    app_tps = n / app_run["wall"]
    rt_tps = n / rt_run["wall"]
    mem_tps = n / mem_run["wall"]
    print(f"Ticket lifecycle: {n} tickets x (create + {tasks} user tasks), processes/ticket.bpmn main line")
    if note:
        print(f"({note})")
    print()
    print("1. app: service layer on a SQLite file (tickets.create_ticket, completion.complete_task)")
    print(f"   tickets/s                 {app_tps:8.1f}   ({app_run['wall']:.2f} s wall, "
          f"{app_run['wall'] / n * 1000:.1f} ms per ticket incl. lookups between calls)")
    print(f"   CPU per ticket            {app_run['cpu'] / n * 1000:8.1f} ms   (this process, user + system)")
    print(f"   create_ticket CPU         {summary(app_run['creates'])}")
    print(f"   complete_task CPU         {summary(app_run['completes'])}")
    print(f"   workflow cache            {cache.stats['hits']} hits, {cache.stats['misses']} loads")
    for spec_name, _user, _data in STEPS:
        print(f"     {spec_name:<10}              median {statistics.median(app_run['per_task'][spec_name]) * 1000:6.2f} ms")
    print(f"   SQL statements            create {statistics.fmean(app_run['sql_create']):.1f}, "
          f"complete {statistics.fmean(app_run['sql_complete']):.1f} (mean per call)")
    print(f"   stored sizes              spec_json {spec_len / 1024:.0f} KB (once per version), "
          f"state_json {state_avg / 1024:.1f} KB (mean per closed instance)")
    print()
    ops = n * (tasks + 1)
    print("2. engine + serialization: app.engine.runtime.Runtime, no database")
    print(f"   tickets/s                 {rt_tps:8.1f}   ({rt_run['wall'] / ops * 1000:.2f} ms per operation, "
          f"{tasks + 1} operations per ticket)")
    print(f"   CPU per ticket            {rt_run['cpu'] / n * 1000:8.1f} ms")
    for name, total in sorted(rt_run["parts"].items(), key=lambda kv: -kv[1]):
        print(f"     {name:<14}  {total / ops * 1000:6.3f} ms per operation (mean over all {ops})"
              f"  {total / rt_run['wall'] * 100:4.1f} % of the run")
    print()
    print("3. SpiffWorkflow alone, in memory (no DB, no serialization, stub calendar)")
    print(f"   tickets/s                 {mem_tps:8.1f}   ({mem_run['wall'] / ops * 1000:.2f} ms per operation)")
    print(f"   CPU per ticket            {mem_run['cpu'] / n * 1000:8.1f} ms")
    print()
    print("Ratios of time per ticket                 wall     CPU")
    for label, a, b in (("app / in-memory", app_run, mem_run), ("app / engine+serialization", app_run, rt_run),
                        ("engine+serialization / in-memory", rt_run, mem_run)):
        print(f"   {label:<36} {a['wall'] / b['wall']:6.1f} x {a['cpu'] / b['cpu']:6.1f} x")
    print(f"   engine+serialization share of app    {rt_run['wall'] / app_run['wall'] * 100:6.0f} % "
          f"{rt_run['cpu'] / app_run['cpu'] * 100:6.0f} %")


if __name__ == "__main__":
    main()
