"""Instances that loop for years (报表周期 every working day, a renewal cycle) keep running: the finished
path is shortened (app/engine/pruning.py), every round still does what the diagram says, the stored state
stays small, and the path shown on the diagram is whole. Without it SpiffWorkflow stopped such an instance
after about 1,000 levels of its task tree (the daily reports stopped after about a year)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from app.engine import cache, instances, migration, progress, pruning
from app.engine.clock import clock
from app.extensions import db
from app.models import Alert, ProcessInstance, WorkItem
from app.services import process
from app.services.timers import sweep
from tests.conftest import shanghai
from tests.helpers import retire_report_cycle

BPMN = Path(__file__).parents[1] / "bpmn"


def _reload(instance_id: int) -> ProcessInstance:
    db.session.expire_all()
    cache.clear()  # the next operation deserializes what was stored
    return db.session.get(ProcessInstance, instance_id)


def _tree(instance: ProcessInstance):
    return instances._runtime(instance.version).load(instance.state_json)


def test_a_timer_loop_with_a_parallel_split_runs_far_beyond_a_thousand_levels(app):
    clock.freeze(shanghai(2026, 11, 2, 9, 0))
    retire_report_cycle()
    instances.deploy((BPMN / "long_loop.bpmn").read_bytes())
    rounds = 160  # about 8 levels a round: 1,300 levels
    instance, _snap = instances.start("long_loop", {"total": rounds}, business_key="loop")
    db.session.commit()
    instance_id, largest_state, deepest = instance.id, 0, 0
    for done in range(1, rounds + 1):
        instance = db.session.get(ProcessInstance, instance_id)
        assert instance.status == "running", (done, instance.status, instance.error)
        clock.freeze(instance.next_timer_at + timedelta(seconds=1))
        assert sweep().fired == 1, done
        if done % 40 == 0:
            instance = _reload(instance_id)
            tree = _tree(instance)
            largest_state = max(largest_state, len(instance.state_json))
            deepest = max(deepest, max(t.depth for t in tree.tasks.values()))
            if done < rounds:
                data = instances.snapshot(instance).data  # the next round's, stored and read back
                assert data["rounds"] == done + 1 and {"branch_a", "branch_b"} <= data.keys(), done
    instance = _reload(instance_id)
    assert instance.status == "completed", instance.error
    assert instance.end_event == "轮次完成"
    assert deepest <= pruning.PRUNE_AT + 20
    assert largest_state < 120_000, largest_state  # 2,400 levels kept would be about 0.5 MB
    path = progress.path(_tree(instance))
    assert {"init", "tick", "fork", "a", "b", "join", "wait", "more", "e"} <= set(path)
    assert path.index("init") < path.index("tick")


def test_a_user_task_done_again_and_again_keeps_its_reminder_and_its_count(app):
    clock.freeze(shanghai(2026, 11, 2, 9, 0))
    retire_report_cycle()
    instances.deploy((BPMN / "long_review.bpmn").read_bytes())
    instance, snap = instances.start("long_review", {"checks": 0, "finished": "否"}, business_key="review")
    process.apply_snapshot(instance, None, snap)
    db.session.commit()
    instance_id = instance.id
    rounds = 250  # about 5 levels a round
    for done in range(1, rounds + 1):
        instance = _reload(instance_id) if done % 50 == 0 else db.session.get(ProcessInstance, instance_id)
        item = db.session.scalar(select(WorkItem).where(WorkItem.instance_id == instance_id, WorkItem.state == "ready"))
        assert item is not None, done
        last = done == rounds
        snap = instances.complete_task(instance, item.task_guid, {"finished": "是" if last else "否"})
        process.apply_snapshot(instance, None, snap, completed_guid=item.task_guid)
        db.session.commit()
        assert instance.status == ("completed" if last else "running"), (done, instance.error)
        if done == rounds - 1:  # the reminder on the task still fires, once, after the history was shortened
            clock.freeze(clock.now() + timedelta(hours=2))
            assert sweep().fired == 1
            assert db.session.scalar(select(Alert.kind).where(Alert.business_key == "review")) == "复核提醒"
    instance = _reload(instance_id)
    assert instance.end_event == "复核结束"
    assert snap.data["checks"] == rounds
    assert pruning.pruned_path(_tree(instance))[:4] == ["s", "check", "count", "more"]  # the history was shortened


def test_shortening_changes_nothing_an_instance_does(app, monkeypatch):
    """The same loop twice, one shortened after every round (12 levels, 1 kept), one never: the same data,
    timers and path after each of 40 rounds (about 330 levels: both can run that far)."""
    clock.freeze(shanghai(2026, 11, 2, 9, 0))
    retire_report_cycle()
    instances.deploy((BPMN / "long_loop.bpmn").read_bytes())
    runs = {}
    for name, prune_at, keep in (("shortened", 12, 1), ("whole", 10**9, 50)):
        monkeypatch.setattr(pruning, "PRUNE_AT", prune_at)
        monkeypatch.setattr(pruning, "KEEP", keep)
        clock.freeze(shanghai(2026, 11, 2, 9, 0))
        instance, _snap = instances.start("long_loop", {"total": 40}, business_key=name)
        seen = []
        for _ in range(40):
            clock.freeze(instance.next_timer_at + timedelta(seconds=1))
            snap = instances.fire_timers(instance)
            tree = _tree(instance)
            seen.append((snap.data, snap.next_timer_at, snap.end_event, progress.path(tree), progress.waiting(tree),
                         instances.snapshot(instance).data))
        runs[name] = (seen, len(tree.tasks), instance.status)
    assert runs["shortened"][0] == runs["whole"][0]
    assert runs["shortened"][2] == runs["whole"][2] == "completed"
    assert runs["shortened"][1] < 20 < runs["whole"][1]


def test_a_short_instance_is_left_as_it_is(app):
    clock.freeze(shanghai(2026, 11, 2, 9, 0))
    retire_report_cycle()
    instances.deploy((BPMN / "long_loop.bpmn").read_bytes())
    instance, _snap = instances.start("long_loop", {"total": 5}, business_key="short")
    for _ in range(4):
        clock.freeze(instance.next_timer_at + timedelta(seconds=1))
        instances.fire_timers(instance)
    tree = _tree(instance)
    assert pruning.prune(tree) == 0
    assert pruning.pruned_path(tree) == []


def test_a_shortened_instance_migrates_to_a_new_version_and_runs_on(app, monkeypatch):
    """A process owner changes the long-running diagram: the instance whose history was shortened moves
    to the new version (its deadline recomputed) and the loop goes on there."""
    monkeypatch.setattr(pruning, "PRUNE_AT", 12)
    monkeypatch.setattr(pruning, "KEEP", 3)
    clock.freeze(shanghai(2026, 11, 2, 9, 0))
    retire_report_cycle()
    xml = (BPMN / "long_loop.bpmn").read_text(encoding="utf-8")
    instances.deploy(xml)
    instance, _snap = instances.start("long_loop", {"total": 30}, business_key="migrated")
    for _ in range(10):
        clock.freeze(instance.next_timer_at + timedelta(seconds=1))
        instances.fire_timers(instance)
    assert pruning.pruned_path(_tree(instance)), "the history was shortened"
    newer = instances.deploy(xml.replace('name="下一轮"', 'name="开始下一轮"').replace(
        "next_at = add_hours(now(), 1)", "next_at = add_hours(now(), 2)"))
    snap, result = migration.migrate(instance, newer)
    assert result.safe and snap is not None, result.reasons
    assert instance.version_id == newer.id
    for _ in range(20):
        clock.freeze(instance.next_timer_at + timedelta(seconds=1))
        snap = instances.fire_timers(instance)
    assert instance.status == "completed" and snap.end_event == "轮次完成"
    assert snap.data["rounds"] == 30
