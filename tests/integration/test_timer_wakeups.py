"""Timers on time wherever they were saved: a committed save that brings a timer forward wakes the
schedulers (NOTIFY on PostgreSQL, a poke in the same process), a database error is retried after
a second, not after the full sleep, and a sweep commits every few instances and stops between two.

The same across processes (real `jiesu serve` and `jiesu worker`) is tests/integration/test_several_nodes.py.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from app.engine import instances
from app.engine.clock import clock
from app.extensions import db
from app.models import Alert, ProcessInstance
from app.services import timers, wakeups
from app.services.scheduler import Scheduler
from tests.conftest import PG_URL

DIAGRAM = Path(__file__).parent.parent / "bpmn" / "timer_alert.bpmn"


def deploy():
    instances.deploy(DIAGRAM.read_bytes())
    db.session.commit()


def save_timer(due, key="t") -> int:
    instance, _snap = instances.start("timer_alert", {"due": due.isoformat()}, business_key=key)
    db.session.commit()
    return instance.id


def alerts_of(key: str) -> int:
    return db.session.scalar(select(func.count()).select_from(Alert).where(Alert.business_key == key))


class Recorder:
    def __init__(self):
        self.instants = []

    def poke(self, instant):
        self.instants.append(instant)


def test_a_committed_save_wakes_the_schedulers_of_this_process_and_a_rolled_back_one_does_not(app):
    deploy()
    recorder = Recorder()
    wakeups.local_schedulers(app).append(recorder)
    due = clock.now() + timedelta(minutes=5)
    instances.start("timer_alert", {"due": due.isoformat()}, business_key="gone")
    db.session.rollback()
    assert recorder.instants == [], "a timer that was never committed wakes nobody"
    save_timer(due)
    assert recorder.instants == [due]
    save_timer(due + timedelta(minutes=5), "later")
    assert recorder.instants == [due, due + timedelta(minutes=5)], "each instance's own timer, earlier than none"
    savepoint = db.session.begin_nested()
    instances.start("timer_alert", {"due": due.isoformat()}, business_key="in a savepoint")
    savepoint.commit()
    assert len(recorder.instants) == 2, "a savepoint is not a commit: nobody could see the timer yet"
    db.session.commit()
    assert recorder.instants[2:] == [due]


@pytest.mark.skipif(not PG_URL, reason="LISTEN/NOTIFY: PostgreSQL only (JIESU_TEST_DATABASE_URL)")
def test_on_postgresql_the_save_notifies_listeners_when_it_commits(app):
    import psycopg

    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    deploy()
    listener = psycopg.connect(PG_URL, autocommit=True)
    try:
        listener.execute(f"LISTEN {wakeups.CHANNEL}")
        due = clock.now() + timedelta(minutes=3)
        instances.start("timer_alert", {"due": due.isoformat()}, business_key="gone")
        assert list(listener.notifies(timeout=0.5)) == [], "nothing before the commit"
        db.session.rollback()
        assert list(listener.notifies(timeout=0.5)) == [], "nothing after a rollback"
        save_timer(due)
        notes = list(listener.notifies(timeout=2, stop_after=1))
        assert [datetime.fromisoformat(n.payload) for n in notes] == [due]
    finally:
        listener.close()


@pytest.mark.skipif(not PG_URL, reason="LISTEN/NOTIFY: PostgreSQL only (JIESU_TEST_DATABASE_URL)")
@pytest.mark.real_commits  # NOTIFY is delivered at a real commit
def test_on_postgresql_a_worker_listening_is_woken_by_a_save_in_another_process(app):
    """The drill's worker logs (bench/db_outage.py) showed the listener never connected (the psycopg
    connection was read after detaching it, so it was None): workers only polled."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    deploy()
    clock.reset()  # the scheduler's thread reads the real clock here
    scheduler = Scheduler(app, max_sleep=600, poll=600, listen=True)  # only a notification can wake it
    scheduler.start()
    try:
        deadline = time.monotonic() + 20
        while not (scheduler.sweeps and scheduler.listener.connected) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert scheduler.listener.connected, "the worker listens"
        time.sleep(0.3)  # asleep now, for ten minutes at most
        save_timer(clock.now() + timedelta(seconds=1), "told")
        db.session.remove()
        deadline = time.monotonic() + 20
        while alerts_of("told") == 0 and time.monotonic() < deadline:
            db.session.remove()
            time.sleep(0.1)
        assert alerts_of("told") == 1, "woken by the notification, not after its ten-minute sleep"
        assert scheduler.listener.notifications >= 1
    finally:
        scheduler.stop()
        scheduler.join(20)


def test_the_scheduler_sleeps_until_the_due_instant_a_save_brought_forward(app):
    deploy()
    save_timer(clock.now() + timedelta(hours=1), "far")
    clock.reset()  # the scheduler's thread reads the real clock here
    scheduler = Scheduler(app, max_sleep=60, poll=60, listen=False)  # only a poke can wake it early
    scheduler.start()
    try:
        deadline = time.monotonic() + 20
        while scheduler.sweeps == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        save_timer(clock.now() + timedelta(seconds=1), "soon")
        deadline = time.monotonic() + 20
        while alerts_of("soon") == 0 and time.monotonic() < deadline:
            db.session.remove()
            time.sleep(0.1)
        assert alerts_of("soon") == 1, "fired although the scheduler had gone to sleep for a minute"
    finally:
        scheduler.stop()
        scheduler.join(20)


def test_after_a_database_error_the_scheduler_tries_again_after_a_second(app, monkeypatch):
    deploy()
    save_timer(clock.now() + timedelta(minutes=1), "due")
    clock.freeze(clock.now() + timedelta(minutes=2))
    real_sweep, calls = timers.sweep, []

    def failing_once(*args, **kwargs):
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise OperationalError("SELECT 1", {}, Exception("the database went away"))
        return real_sweep(*args, **kwargs)

    monkeypatch.setattr(timers, "sweep", failing_once)
    scheduler = Scheduler(app, max_sleep=60, poll=60, listen=False)
    scheduler.start()
    try:
        deadline = time.monotonic() + 20
        while alerts_of("due") == 0 and time.monotonic() < deadline:
            db.session.remove()
            time.sleep(0.1)
        assert alerts_of("due") == 1, "the timer fired on the retry, not after the full minute's sleep"
    finally:
        scheduler.stop()
        scheduler.join(20)
    assert scheduler.failures == 0
    waits = []
    for failures in range(1, 8):
        scheduler.failures = failures
        waits.append(scheduler.backoff())
    assert waits == [1, 2, 4, 5, 5, 5, 5], "1 s, doubled, capped at 5 s: back within seconds of the database"


def test_a_scheduler_waiting_after_database_errors_sweeps_as_soon_as_the_listener_is_back(app, monkeypatch):
    """The drill (bench/db_outage.py): the backoff once reached 16 s during a 20 s outage, and the
    listener's reconnection (which wakes the scheduler) did not end it."""
    deploy()
    save_timer(clock.now() + timedelta(minutes=1), "back")
    clock.freeze(clock.now() + timedelta(minutes=2))
    real_sweep, calls = timers.sweep, []

    def down_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("SELECT 1", {}, Exception("connection refused"))
        return real_sweep(*args, **kwargs)

    monkeypatch.setattr(timers, "sweep", down_once)
    scheduler = Scheduler(app, max_sleep=600, poll=600, listen=False, backoff_cap=600)
    scheduler.failures = 10  # the long outage: the next wait would be the cap, ten minutes
    scheduler.start()
    try:
        deadline = time.monotonic() + 20
        while not calls and time.monotonic() < deadline:
            time.sleep(0.05)
        scheduler.wake()  # what the listener does once its connection is open again
        deadline = time.monotonic() + 20
        while alerts_of("back") == 0 and time.monotonic() < deadline:
            db.session.remove()
            time.sleep(0.1)
        assert alerts_of("back") == 1, "fired on the wake, not after the ten-minute backoff"
    finally:
        scheduler.stop()
        scheduler.join(20)


def test_a_sweep_commits_every_few_instances(app):
    deploy()
    for n in range(12):
        save_timer(clock.now() + timedelta(minutes=1), f"b{n}")
    clock.freeze(clock.now() + timedelta(minutes=2))
    commits = []
    listener = lambda _connection: commits.append(1)  # noqa: E731
    event.listen(db.engine, "commit", listener)  # a COMMIT sent to the database, not a savepoint's release
    try:
        result = timers.sweep(batch=5)
    finally:
        event.remove(db.engine, "commit", listener)
    assert result.fired == 12
    assert 3 <= len(commits) <= 4, "12 instances, at most 5 held in one transaction"
    assert all(alerts_of(f"b{n}") == 1 for n in range(12))


def test_a_sweep_told_to_stop_commits_what_it_fired_and_leaves_the_rest_for_the_next(app):
    deploy()
    for n in range(4):
        save_timer(clock.now() + timedelta(minutes=1), f"s{n}")
    clock.freeze(clock.now() + timedelta(minutes=2))
    asked = []

    def stop_after_one():
        asked.append(1)
        return len(asked) > 2  # the batch, the first instance: then stop

    first = timers.sweep(should_stop=stop_after_one)
    assert first.fired == 1
    db.session.remove()
    assert sum(alerts_of(f"s{n}") for n in range(4)) == 1, "the fired instance is committed"
    assert timers.sweep().fired == 3
    assert all(alerts_of(f"s{n}") == 1 for n in range(4)), "each timer exactly once"
    assert db.session.scalar(select(func.count()).select_from(ProcessInstance).where(
        ProcessInstance.business_key.like("s%"), ProcessInstance.status == "running")) == 0


def test_two_schedulers_in_one_process_fire_each_timer_once(app):
    deploy()
    clock.reset()
    due = clock.now() + timedelta(seconds=1)
    schedulers = [Scheduler(app, max_sleep=60, poll=0.2, listen=False) for _ in range(2)]
    for s in schedulers:
        s.start()
    try:
        for n in range(8):
            save_timer(due, f"d{n}")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            db.session.remove()
            if sum(alerts_of(f"d{n}") for n in range(8)) >= 8:
                break
            time.sleep(0.1)
        time.sleep(0.5)
        db.session.remove()
        assert [alerts_of(f"d{n}") for n in range(8)] == [1] * 8
    finally:
        for s in schedulers:
            s.stop()
        threads = [threading.Thread(target=s.join, args=(20,)) for s in schedulers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()


pytestmark = pytest.mark.real_commits  # threads / schedulers with their own connections, NOTIFY at commit
