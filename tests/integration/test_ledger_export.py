"""导出任务: a ledger export made by the worker is the immediate export's workbook (rows, masking, access
log), shows its progress, is run once by two workers, is taken again when its worker died, and fails in Chinese."""

from __future__ import annotations

import io
import time
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, update

from app.engine.clock import clock
from app.extensions import db
from app.models import AccessLog, ExportJob
from app.services import files, ledger, ledger_export
from app.services.export_runner import ExportRunner
from tests.conftest import shanghai
from tests.helpers import new_ticket, user


def _tickets():
    clock.freeze(shanghai(2026, 11, 3, 9, 0))
    new_ticket(no="E-1", caller_phone="13811112222", caller_name="李建国", content="来电人电话13912345678")
    clock.freeze(shanghai(2026, 11, 3, 9, 0))  # the same instant: the keyset's second key decides
    t2 = new_ticket(no="E-2", title='=HYPERLINK("http://evil.example/","点我")')
    ledger.add_note(t2.id, user("paidan"), "+1 回电 13700001111")
    clock.freeze(shanghai(2026, 11, 20, 9, 0))
    new_ticket(no="E-3")
    clock.freeze(shanghai(2026, 10, 20, 9, 0))
    new_ticket(no="OCT-1")  # another month
    clock.freeze(shanghai(2026, 11, 25, 10, 0))


def _sheet(data) -> list[tuple]:
    ws = load_workbook(data if not isinstance(data, bytes) else io.BytesIO(data)).active
    return [tuple((c.value, c.data_type, bool(c.quotePrefix)) for c in row) for row in ws.iter_rows()]


def _job_file(job: ExportJob):
    return files.absolute_path(job.stored_path)


@pytest.mark.parametrize("username", ["tongji", "paidan"])
def test_a_job_makes_the_immediate_exports_workbook(app, username):
    _tickets()
    f = ledger.LedgerFilter.from_args({"period": "2026-11"})
    reader = user(username)
    immediate = _sheet(ledger_export.export_xlsx(f, reader))
    job = ledger_export.request_export(f, reader)
    assert job.state == "queued" and job.args == {"period": "2026-11"}
    claimed = ledger_export.claim()
    assert claimed == (job.id, 1)
    assert ledger_export.run(*claimed, batch=2) == "done"  # two batches: the keyset goes on past equal instants
    db.session.expire_all()
    job = db.session.get(ExportJob, job.id)
    assert job.state == "done" and job.rows_done == job.rows_total == 3 and job.finished_at is not None
    made = _sheet(_job_file(job))
    assert made == immediate
    numbers = [row[0][0] for row in made[1:]]
    assert numbers == ["E-1", "E-2", "E-3"]
    header = [c[0] for c in made[0]]
    first = dict(zip(header, [c[0] for c in made[1]], strict=True))
    if username == "tongji":  # an analyst: callers masked, numbers in free text too
        assert first["来电号码"] == "138****2222" and first["来电人"] == "李**"
        assert first["主要内容"] == "来电人电话139****5678"
    else:
        assert first["来电号码"] == "13811112222" and first["主要内容"] == "来电人电话13912345678"
    second = dict(zip(header, made[2], strict=True))
    assert second["标题"][1] == "s" and second["标题"][2], "a formula-like title stays text"
    logs = db.session.scalars(select(AccessLog).where(AccessLog.action == "export").order_by(AccessLog.id)).all()
    assert len(logs) == 2 and logs[0].where == logs[1].where
    unmasked = 3 if username == "paidan" else 0
    assert logs[1].where == f"案件台账 3 件，含未脱敏 {unmasked} 件" and logs[1].masked == (unmasked < 3)
    assert logs[1].user_id == reader.id and logs[1].detail == "period=2026-11"


def test_progress_is_committed_batch_by_batch(app):
    _tickets()
    job = ledger_export.request_export(ledger.LedgerFilter(), user("zhuguan"))
    seen = []

    def look():  # what the page would read while the job runs
        seen.append(db.session.execute(select(ExportJob.rows_done, ExportJob.rows_total)
                                       .where(ExportJob.id == job.id)).one())
        return False

    assert ledger_export.run(*ledger_export.claim(), should_stop=look, batch=1) == "done"
    assert seen == [(0, 4), (1, 4), (2, 4), (3, 4)]


def test_a_reload_finds_the_running_job_instead_of_queueing_another(app):
    f = ledger.LedgerFilter.from_args({"period": "2026-11"})
    first = ledger_export.request_export(f, user("zhuguan"))
    assert ledger_export.request_export(f, user("zhuguan")).id == first.id
    assert ledger_export.request_export(ledger.LedgerFilter(), user("zhuguan")).id != first.id
    assert ledger_export.request_export(f, user("tongji")).id != first.id


def test_two_clicks_at_the_same_instant_queue_one_job(app, monkeypatch):
    """Both requests look before either has queued (the race a double click makes): the database's
    unique key on the unfinished job lets one insert through and hands the other the same job."""
    _tickets()
    f = ledger.LedgerFilter.from_args({"period": "2026-11"})
    first = ledger_export.request_export(f, user("tongji"))
    looked = []
    real_lookup = ledger_export._active_job

    def saw_nothing_the_first_time(reader, key, args):
        looked.append(key)
        return None if len(looked) == 1 else real_lookup(reader, key, args)

    monkeypatch.setattr(ledger_export, "_active_job", saw_nothing_the_first_time)
    second = ledger_export.request_export(f, user("tongji"))
    assert second.id == first.id and len(looked) == 2
    assert db.session.scalar(select(func.count(ExportJob.id))) == 1
    assert ledger_export.request_export(ledger.LedgerFilter.from_args({"period": "2026-10"}), user("tongji")).id \
        != first.id  # another filter is another job


def test_a_finished_job_lets_the_same_filter_be_exported_again(app):
    _tickets()
    f = ledger.LedgerFilter.from_args({"period": "2026-11"})
    job = ledger_export.request_export(f, user("tongji"))
    assert ledger_export.run(*ledger_export.claim(), batch=10) == "done"
    db.session.expire_all()
    assert db.session.get(ExportJob, job.id).active_key is None
    again = ledger_export.request_export(f, user("tongji"))
    assert again.id != job.id and again.state == "queued"


def test_a_finished_job_left_holding_its_key_and_a_job_from_before_the_key(app):
    """A worker of an older version marks a job done without freeing its key: the next request frees it and
    queues a new job (no refusal for a week). A job queued before the key existed is found by its filter."""
    _tickets()
    f = ledger.LedgerFilter.from_args({"period": "2026-11"})
    job = ledger_export.request_export(f, user("tongji"))
    db.session.execute(update(ExportJob).where(ExportJob.id == job.id).values(state="done"))  # key kept
    db.session.commit()
    again = ledger_export.request_export(f, user("tongji"))
    assert again.id != job.id and again.state == "queued"
    db.session.execute(update(ExportJob).where(ExportJob.id == again.id).values(active_key=None))  # "old" row
    db.session.commit()
    assert ledger_export.request_export(f, user("tongji")).id == again.id
    assert db.session.scalar(select(func.count(ExportJob.id))) == 2


def test_one_claim_per_job_and_a_dead_workers_job_is_taken_again(app):
    _tickets()
    job = ledger_export.request_export(ledger.LedgerFilter(), user("zhuguan"))
    first = ledger_export.claim()
    assert first == (job.id, 1)
    assert ledger_export.claim() is None, "a second worker finds nothing to do"
    clock.advance(ledger_export.STALE_AFTER + timedelta(seconds=1))  # the first worker was killed: no progress
    second = ledger_export.claim()
    assert second == (job.id, 2)
    assert ledger_export.run(*first) == "lost", "the first run, were it alive, no longer owns the job"
    assert ledger_export.run(*second) == "done"
    db.session.expire_all()
    assert db.session.get(ExportJob, job.id).rows_done == 4
    assert db.session.scalar(select(AccessLog.where).where(AccessLog.action == "export")) == "案件台账 4 件，含未脱敏 4 件"


def test_a_job_interrupted_too_often_fails_in_chinese(app):
    job = ledger_export.request_export(ledger.LedgerFilter(), user("zhuguan"))
    for _attempt in range(ledger_export.MAX_ATTEMPTS):
        assert ledger_export.claim() is not None
        clock.advance(ledger_export.STALE_AFTER + timedelta(seconds=1))
    assert ledger_export.claim() is None
    db.session.expire_all()
    job = db.session.get(ExportJob, job.id)
    assert job.state == "failed" and "已停止重试" in job.error


def test_a_failing_job_says_why_in_chinese(app, monkeypatch):
    _tickets()
    job = ledger_export.request_export(ledger.LedgerFilter(), user("zhuguan"))

    def broken(*_args, **_kw):
        raise RuntimeError("disk full")
        yield  # a generator, as the real one

    monkeypatch.setattr(ledger_export, "_rows", broken)
    assert ledger_export.run(*ledger_export.claim()) == "failed"
    db.session.expire_all()
    job = db.session.get(ExportJob, job.id)
    assert job.state == "failed" and job.error.startswith("生成导出文件时出错（内部错误）")
    assert "RuntimeError" not in job.error and "disk full" not in job.error
    assert not list((files.upload_root() / ledger_export.FOLDER).glob("*")), "no half-written file is left"
    assert db.session.scalar(select(AccessLog).where(AccessLog.action == "export")) is None


def test_a_stopping_worker_puts_the_job_back(app):
    _tickets()
    job = ledger_export.request_export(ledger.LedgerFilter(), user("zhuguan"))
    assert ledger_export.run(*ledger_export.claim(), should_stop=lambda: True, batch=1) == "released"
    db.session.expire_all()
    assert db.session.get(ExportJob, job.id).state == "queued"
    assert ledger_export.claim() == (job.id, 2)


def test_exports_older_than_a_week_are_removed_with_their_files(app):
    _tickets()
    job = ledger_export.request_export(ledger.LedgerFilter(), user("zhuguan"))
    ledger_export.run(*ledger_export.claim())
    db.session.expire_all()
    path = _job_file(db.session.get(ExportJob, job.id))
    assert path.exists()
    clock.advance(timedelta(days=6))
    assert ledger_export.purge_expired() == 0
    assert [j.id for j in ledger_export.recent_jobs(user("zhuguan"))] == [job.id]
    clock.advance(timedelta(days=1, seconds=1))
    assert ledger_export.purge_expired() == 1
    assert not path.exists() and db.session.get(ExportJob, job.id) is None


def _wait(predicate, seconds=20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _state(job_id):
    db.session.expire_all()
    db.session.rollback()
    return db.session.scalar(select(ExportJob.state).where(ExportJob.id == job_id))


@pytest.mark.real_commits
def test_two_workers_run_each_job_once(app):
    _tickets()
    runners = [ExportRunner(app, poll=0.02, listen=False) for _ in range(2)]
    for runner in runners:
        runner.start()
    try:
        jobs = [ledger_export.request_export(ledger.LedgerFilter.from_args(args), user("zhuguan")).id
                for args in ({}, {"period": "2026-11"}, {"period": "2026-10"}, {"type": "投诉"})]
        assert _wait(lambda: all(_state(j) == "done" for j in jobs))
    finally:
        for runner in runners:
            runner.stop()
        for runner in runners:
            runner.join(10)
    assert sum(r.runs for r in runners) == 4
    attempts = db.session.scalars(select(ExportJob.attempts).where(ExportJob.id.in_(jobs))).all()
    assert attempts == [1, 1, 1, 1], "each job was claimed once"
    assert len(db.session.scalars(select(AccessLog).where(AccessLog.action == "export")).all()) == 4


@pytest.mark.real_commits
def test_a_runner_in_the_process_is_poked_at_once(app):
    runner = ExportRunner(app, poll=30, max_sleep=30)  # it would not look again for 30 s by itself
    runner.start()
    try:
        assert _wait(lambda: runner in app.extensions.get(ledger_export.RUNNERS, []), 5)
        if db.engine.dialect.name == "postgresql":
            assert _wait(lambda: runner.listener.connected, 10), "it LISTENs on jiesu_exports"
        job = ledger_export.request_export(ledger.LedgerFilter(), user("zhuguan"))
        assert _wait(lambda: _state(job.id) == "done", 10)
    finally:
        runner.stop()
        runner.join(10)


@pytest.mark.real_commits
def test_without_a_worker_the_server_makes_the_file_itself(app):
    _tickets()
    app.config["JIESU_EXPORT_FALLBACK_SECONDS"] = 0.05
    job = ledger_export.request_export(ledger.LedgerFilter(), user("zhuguan"))
    ledger_export.wait_for_threads()
    assert _state(job.id) == "done"


@pytest.mark.real_commits
def test_a_worker_process_makes_an_export_queued_by_a_server(app, tmp_path):
    """``jiesu worker`` in another process is woken (NOTIFY on PostgreSQL, its poll on SQLite) and makes
    the file where the server finds it; SIGTERM then stops it cleanly."""
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from sqlalchemy import update

    from app.models import ProcessInstance

    _tickets()
    # the worker runs on the real clock, days after the tests' frozen one: no timer of the seed fires there
    db.session.execute(update(ProcessInstance).values(next_timer_at=None))
    db.session.commit()
    env = dict(os.environ, JIESU_DATABASE_URL=db.engine.url.render_as_string(hide_password=False),
               JIESU_INSTANCE_DIR=str(tmp_path / "instance"), JIESU_UPLOAD_DIR=app.config["JIESU_UPLOAD_DIR"])
    worker = subprocess.Popen([sys.executable, "-m", "app.console", "worker", "--max-sleep", "60"],
                              cwd=Path(__file__).resolve().parents[2], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        started = ""
        while "已启动" not in started and worker.poll() is None:
            started += worker.stdout.readline()
        time.sleep(1)  # its runner has looked once (and on PostgreSQL listens)
        job = ledger_export.request_export(ledger.LedgerFilter(), user("zhuguan"))
        assert _wait(lambda: _state(job.id) == "done", 20), "the worker was woken, not left to its 60 s sleep"
        worker.send_signal(signal.SIGTERM)
        out, _ = worker.communicate(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0 and "Traceback" not in out, out
    assert "notifications unavailable" not in out, "on PostgreSQL both listeners connected"
    done = db.session.get(ExportJob, job.id)
    assert done.rows_done == 4 and _job_file(done).exists()


@pytest.mark.real_commits
def test_exporting_again_revives_a_job_whose_server_died(app):
    _tickets()
    f = ledger.LedgerFilter()
    job = ledger_export.request_export(f, user("zhuguan"))  # no worker, no fallback: it waits
    assert ledger_export.claim() == (job.id, 1)  # a server's thread took it, then the server was killed
    clock.advance(ledger_export.STALE_AFTER + timedelta(seconds=1))
    app.config["JIESU_EXPORT_FALLBACK_SECONDS"] = 0.05
    assert ledger_export.request_export(f, user("zhuguan")).id == job.id
    ledger_export.wait_for_threads()
    assert _state(job.id) == "done"
