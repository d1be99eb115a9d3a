"""导出任务: the case ledger's Excel export, made at once for a few rows, by a background job for more.

* ``start``: a filter matching at most IMMEDIATE_ROWS tickets (by the ledger's capped count) is
  exported inside the request as it always was (``export_xlsx``); a larger one becomes an
  ``ExportJob`` (``request_export``), and the user watches it on the 导出任务 page.
* The job is run by the worker's export runner (app/services/export_runner.py): on PostgreSQL
  the request's commit sends ``NOTIFY jiesu_exports``, on SQLite the runners poll twice a
  second, and a runner in the requesting process is poked directly.
* Without any worker (a plain ``jiesu serve``) the job would wait for ever, so the server that
  queued it runs it itself in a background thread if it is still 排队中 after
  ``JIESU_EXPORT_FALLBACK_SECONDS`` (5 s; 0 turns this off where workers always run): whether a
  worker or that thread gets it, the claim below gives it to exactly one of them, and no
  request thread waits for the file.
* ``claim`` takes a job by a compare-and-set UPDATE on (state, attempts), so of several workers
  exactly one runs it; a job left 生成中 by a killed worker (no progress for STALE_AFTER) is
  taken again, at most MAX_ATTEMPTS times. Every later write of the run names its attempt, so
  a run that lost its job (taken over) stops without touching it.
* ``run`` reads the tickets by keyset on (received_at, id), BATCH at a time, only the exported
  columns, writes them into a write-only workbook in a temporary file, and commits rows_done
  after each batch (the page shows it). Masking and the access-log line (rows and unmasked
  rows) are those of the immediate export; the line is written with the job's completion, and
  every download is logged too. Files and jobs go after KEEP_DAYS (``purge_expired``).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import secrets
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import and_, delete, func, or_, select, text, tuple_, update
from sqlalchemy.exc import IntegrityError

from app.engine import errors
from app.engine.clock import LOCAL_TZ, clock
from app.extensions import db
from app.models import ExportJob, Section, Ticket, TicketNote, User
from app.models.ledger_export import FINISHED_STATES, UNFINISHED_STATES
from app.services import (
    N_,
    Conflict,
    NotFound,
    ServiceError,
    _,
    access,
    export_limits,
    files,
    ledger,
    masking,
)
from app.services.ledger import LedgerFilter
from app.services.spreadsheets.streaming import StreamingSheet
from app.services.spreadsheets.writing import text_width
from app.services.tickets import FIELD_LABELS
from app.services.uow import unit_of_work

log = logging.getLogger("jiesu.exports")

EXPORT_LIMIT = 50_000  # rows of one export
IMMEDIATE_ROWS = 2_000  # at most this many: made in the request
BATCH = 1_000  # tickets read (and progress committed) at a time
STALE_AFTER = timedelta(minutes=2)  # a 生成中 job without progress for this long is taken again
MAX_ATTEMPTS = 3
KEEP_DAYS = 7
FOLDER = "exports"
CHANNEL = "jiesu_exports"
RUNNERS = "jiesu_export_runners"  # app.extensions[RUNNERS]: the export runners of this process
DEFAULT_FALLBACK_SECONDS = 5.0
STATE_LABELS = {"queued": N_("排队中"), "running": N_("生成中"), "done": N_("已完成"), "failed": N_("失败")}
TITLE = "案件台账"

COLUMNS = list(FIELD_LABELS.items()) + [
    ("state", "状态"), ("section", "承办科室"), ("received_at", "接收时间"), ("response_deadline", "响应时限"),
    ("first_contact_at", "首次联系时间"), ("reply_deadline", "办理时限（计算）"), ("closed_at", "办结时间"),
    ("callback_resolved", "是否解决"), ("callback_satisfied", "是否满意"), ("excluded", "已剔除"),
    ("supervised", "督办件"), ("carried", "挂账"), ("reply_text", "回复内容"),
    ("notes", "备注"),
    ("replied_at", "回复时间"), ("original_reply_deadline", "延期前办理时限"), ("callback_contacted", "回访联系上")]
_YES_NO = ("excluded", "supervised", "carried")
# what a column's values usually take, in spreadsheet columns (a Chinese character is two); a column is
# at least as wide as its header. Long texts are cut at the width (the cell holds all of it).
_CONTENT_WIDTHS = {"ticket_no": 18, "topic": 28, "title": 30, "content": 50, "caller_phone": 14, "address": 30,
                   "enterprise": 24, "section": 16, "reply_text": 50, "notes": 36}
_DATETIME_WIDTH = 17  # yyyy-mm-dd hh:mm
_MIN_WIDTH = 8


def column_widths(header: list[str]) -> list[int]:
    """The export's column widths: by what the column holds, never narrower than its header."""
    def content(name: str) -> int:
        if name in _CONTENT_WIDTHS:
            return _CONTENT_WIDTHS[name]
        return _DATETIME_WIDTH if name.endswith(("_at", "_deadline")) else _MIN_WIDTH
    return [max(content(name), text_width(label) + 2) for (name, _label), label in zip(COLUMNS, header, strict=True)]
# the columns read: the keys and the masking's, then every exported ticket field once
_READ = ["id", "section_id", "received_at"] + [n for n, _label in COLUMNS
                                              if n not in ("section", "notes", "id", "section_id", "received_at")]


# ---- the rows -------------------------------------------------------------------------------------

def _rows(f: LedgerFilter, user: User, tally: dict, batch: int = BATCH):
    """The export's rows, oldest first, a batch (a list of rows) at a time; ``tally`` counts rows and
    unmasked rows as they go."""
    query = ledger.matching(f, user).with_only_columns(*[getattr(Ticket, n) for n in _READ])
    sections = dict(db.session.execute(select(Section.id, Section.name)).all())
    at = {name: i for i, name in enumerate(_READ)}
    plan = []  # per column: (how, index of the value read, name)
    for name, _label in COLUMNS:
        how = ("section" if name == "section" else "notes" if name == "notes" else "yes_no" if name in _YES_NO
               else "contacted" if name == "callback_contacted" else "field")
        plan.append((how, at.get(name), name))
    key = tuple_(Ticket.received_at, Ticket.id)
    last = None
    left = EXPORT_LIMIT
    while left > 0:
        page = query if last is None else query.where(key > tuple_(*last))
        tickets = db.session.execute(page.order_by(Ticket.received_at, Ticket.id).limit(min(batch, left))).all()
        if not tickets:
            return
        left -= len(tickets)
        last = (tickets[-1].received_at, tickets[-1].id)
        notes_of: dict[int, list[str]] = {}
        for tid, note in db.session.execute(select(TicketNote.ticket_id, TicketNote.text).where(
                TicketNote.ticket_id.in_([t.id for t in tickets])).order_by(TicketNote.at, TicketNote.id)):
            notes_of.setdefault(tid, []).append(note)
        lines = []
        for t in tickets:
            mask = masking.for_viewer(user, t)  # a row has the id and section_id the decision reads
            full = mask.full
            tally["unmasked"] += full
            line = []
            for how, i, name in plan:
                if how == "field":
                    value = t[i] if full else mask.field(name, t[i])
                elif how == "section":
                    value = sections.get(t.section_id, "")
                elif how == "notes":
                    value = mask.text("；".join(notes_of.get(t.id, ())))
                elif how == "yes_no":
                    value = "是" if t[i] else "否"
                else:
                    value = {True: "是", False: "否"}.get(t[i], "")
                line.append(value)
            lines.append(line)
        tally["rows"] += len(lines)
        yield lines


def _writer(target) -> StreamingSheet:
    header = [str(label) for _name, label in COLUMNS]
    return StreamingSheet(target, TITLE, header, widths=column_widths(header), freeze_header=True)


def _log_export(user: User, f: LedgerFilter, rows: int, unmasked: int) -> None:
    access.record(user, "export", f"{TITLE} {rows} 件，含未脱敏 {unmasked} 件", masked=unmasked < rows,
                  detail=" ".join(f"{k}={v}" for k, v in f.as_args().items())[:200])


def export_xlsx(f: LedgerFilter, user: User) -> bytes:
    """The filtered ledger as an Excel workbook, made now; personal data masked (fields and free text)
    unless the user may see it, formula-like text kept as text; the export is in the access log."""
    tally = {"rows": 0, "unmasked": 0}
    out = io.BytesIO()
    writer = _writer(out)
    for lines in _rows(f, user, tally):
        for line in lines:
            writer.append(line)
    writer.close()
    _log_export(user, f, tally["rows"], tally["unmasked"])
    return out.getvalue()


def start(f: LedgerFilter, user: User) -> bytes | ExportJob:
    """A small export at once (its bytes), a large one as a job (queued)."""
    matches = ledger.count(f, user)  # capped: raises for a filter the ledger cannot read
    if matches <= min(IMMEDIATE_ROWS, ledger.count_cap(f)):
        return export_xlsx(f, user)
    return request_export(f, user)


# ---- the job's state changes ------------------------------------------------------------------------

def request_export(f: LedgerFilter, user: User) -> ExportJob:
    """Queue an export (the same filter's job still 排队中 or 生成中 is returned instead: a reload of
    the 导出 link makes no second file). Wakes the runners; without any, the server runs it itself."""
    args = f.as_args()
    # a filter the ledger cannot read, or one matching more than a file may hold, is refused now
    export_limits.refuse_beyond(ledger.matching(f, user).with_only_columns(Ticket.id), EXPORT_LIMIT, _("工单"))
    key = active_key(args)
    for _attempt in range(2):
        if (job := _active_job(user, key, args)) is not None:
            return job
        try:
            with unit_of_work():
                job = ExportJob(user_id=user.id, args=args, active_key=key, state="queued", created_at=clock.now(),
                                rows_done=0, unmasked=0, attempts=0, size=0, error="")
                db.session.add(job)
                db.session.flush()
                if db.engine.dialect.name == "postgresql":  # delivered at the commit, dropped on a rollback
                    db.session.connection().execute(text("SELECT pg_notify(:channel, :at)"),
                                                    {"channel": CHANNEL, "at": job.created_at.isoformat()})
        except IntegrityError:  # the same request, at the same instant, queued it first (a double click)
            db.session.rollback()
            continue
        _hand_over(job.id)
        return job
    raise Conflict(_("同样的导出刚刚已经提交，请稍后在导出任务中查看。"))


def active_key(args: dict) -> str:
    """What identifies a filter among a user's unfinished jobs (``ux_export_job_active``)."""
    return hashlib.sha256(json.dumps(args, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def _active_job(user: User, key: str, args: dict) -> ExportJob | None:
    """The user's unfinished job for this filter, handed to a runner again if nobody is running it.
    A finished job still holding the key (finished by a worker of an older version) lets it go; a job
    queued before the key existed is found by its filter."""
    job = db.session.scalar(select(ExportJob).where(ExportJob.user_id == user.id, ExportJob.active_key == key))
    if job is not None and job.finished:
        with unit_of_work():
            db.session.execute(update(ExportJob).where(ExportJob.id == job.id, ExportJob.active_key == key)
                               .values(active_key=None).execution_options(synchronize_session=False))
        job = None
    if job is None:
        job = next((j for j in db.session.scalars(select(ExportJob).where(
            ExportJob.user_id == user.id, ExportJob.active_key.is_(None), ExportJob.state.in_(UNFINISHED_STATES)))
            if j.args == args), None)
    if job is None:
        return None
    if job.state == "queued" or job.heartbeat_at is None or job.heartbeat_at < clock.now() - STALE_AFTER:
        _hand_over(job.id)  # its server went away before anyone ran it: this one may
    return job


def claim(job_id: int | None = None) -> tuple[int, int] | None:
    """Take the oldest job waiting (or ``job_id`` only) for this run: (job id, attempt), or None.
    One transaction per try; of several workers trying at once exactly one gets a job."""
    now = clock.now()
    stale = now - STALE_AFTER
    takeable = or_(ExportJob.state == "queued", and_(ExportJob.state == "running", ExportJob.heartbeat_at < stale))
    query = select(ExportJob.id, ExportJob.attempts, ExportJob.state).where(takeable).order_by(ExportJob.id).limit(5)
    if job_id is not None:
        query = query.where(ExportJob.id == job_id)
    candidates = db.session.execute(query).all()
    db.session.rollback()
    for jid, attempts, state in candidates:
        if state == "running" and attempts >= MAX_ATTEMPTS:
            _set(jid, attempts, state="failed", finished_at=now,
                 error=_("导出已中断 %(n)s 次（后台进程重启或内存不足），已停止重试。请缩小筛选范围后重新导出。",
                         n=attempts))
            continue
        taken = db.session.execute(update(ExportJob).where(ExportJob.id == jid, ExportJob.attempts == attempts, takeable)
                                   .values(state="running", attempts=attempts + 1, started_at=now, heartbeat_at=now,
                                           rows_done=0, unmasked=0)
                                   .execution_options(synchronize_session=False))
        db.session.commit()
        if taken.rowcount == 1:
            return jid, attempts + 1
    return None


def _set(job_id: int, attempt: int, **values) -> bool:
    """Write to the job if this run still holds it; commit. False: another run took it over."""
    if values.get("state") in FINISHED_STATES:
        values["active_key"] = None  # finished: the same filter may be exported again
    done = db.session.execute(update(ExportJob).where(ExportJob.id == job_id, ExportJob.attempts == attempt,
                                                      ExportJob.state == "running")
                              .values(**values).execution_options(synchronize_session=False))
    db.session.commit()
    return done.rowcount == 1


class _Lost(Exception):
    """The job was taken over by another run (this one was thought dead)."""


def run(job_id: int, attempt: int, should_stop: Callable[[], bool] | None = None, batch: int = BATCH) -> str:
    """Make the claimed job's file: 'done', 'lost' (taken over), 'released' (asked to stop) or 'failed'
    (its Chinese message is on the job). Progress is committed after every batch."""
    job = db.session.get(ExportJob, job_id)
    user, f = job.user, LedgerFilter.from_args(job.args)
    root = files.upload_root() / FOLDER
    root.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=root, prefix=".export-", suffix=".xlsx")
    os.close(fd)
    writer = _writer(tmp)
    try:
        total = db.session.scalar(select(func.count()).select_from(
            ledger.matching(f, user).with_only_columns(Ticket.id).limit(EXPORT_LIMIT).subquery()))
        if not _set(job_id, attempt, rows_total=total, heartbeat_at=clock.now()):
            raise _Lost
        tally = {"rows": 0, "unmasked": 0}
        for lines in _rows(f, user, tally, batch):
            for line in lines:
                writer.append(line)
            if should_stop is not None and should_stop():
                _set(job_id, attempt, state="queued", rows_done=0, heartbeat_at=None)
                return "released"
            if not _set(job_id, attempt, rows_done=tally["rows"], heartbeat_at=clock.now()):
                raise _Lost
        writer.close()
        relative = f"{FOLDER}/{job_id}-{secrets.token_hex(8)}.xlsx"
        size = os.path.getsize(tmp)
        os.replace(tmp, files.absolute_path(relative))
        tmp = None
        now = clock.now()
        marked = db.session.execute(update(ExportJob).where(
            ExportJob.id == job_id, ExportJob.attempts == attempt, ExportJob.state == "running").values(
            state="done", active_key=None, rows_done=tally["rows"], rows_total=tally["rows"],
            unmasked=tally["unmasked"], stored_path=relative, size=size, finished_at=now, heartbeat_at=now)
            .execution_options(synchronize_session=False))
        if marked.rowcount != 1:
            db.session.rollback()
            files.remove(relative)
            raise _Lost
        _log_export(user, f, tally["rows"], tally["unmasked"])  # commits the job's completion with it
        return "done"
    except _Lost:
        db.session.rollback()
        return "lost"
    except ServiceError as exc:
        db.session.rollback()
        fail(job_id, attempt, str(exc))
        return "failed"
    except Exception as exc:
        db.session.rollback()
        log.exception("export job %s failed", job_id)
        fail(job_id, attempt, _("生成导出文件时出错（%(error)s）。请重新导出；如仍然失败，请联系系统管理员。",
                                error=_(errors.describe(exc))))
        return "failed"
    finally:
        writer.discard()
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)


def fail(job_id: int, attempt: int, message: str) -> bool:
    """The run stops with ``message`` (Chinese) shown on the job's page."""
    return _set(job_id, attempt, state="failed", error=message[:500], finished_at=clock.now())


def run_pending(should_stop: Callable[[], bool] | None = None) -> int:
    """Run the jobs waiting, one after another (``jiesu worker --once``, the runner); how many ran."""
    ran = 0
    while not (should_stop is not None and should_stop()):
        claimed = claim()
        if claimed is None:
            break
        run(*claimed, should_stop=should_stop)
        ran += 1
    return ran


def get_job(job_id: int, user: User) -> ExportJob:
    """The job, for the user who asked for it (and admins); anyone else is told it does not exist."""
    job = db.session.get(ExportJob, job_id)
    if job is None or not (job.user_id == user.id or "admin" in user.role_set):
        raise NotFound(_("导出任务不存在。"))
    return job


def download(job_id: int, user: User) -> tuple[ExportJob, Path]:
    """The job's file for its requester (or an admin), the download in the access log; others are
    refused (and that is logged too)."""
    job = db.session.get(ExportJob, job_id)
    if job is not None and job.user_id != user.id and "admin" not in user.role_set:
        access.record(user, "download", f"导出文件（导出任务 {job.id}，他人的导出）", outcome="denied")
    job = get_job(job_id, user)
    path = files.absolute_path(job.stored_path) if job.stored_path else None
    if job.state != "done" or path is None or not path.exists():
        raise NotFound(_("导出文件不存在（尚未生成或已过期删除），请重新导出。"))
    access.record(user, "download", f"导出文件 {TITLE} {job.rows_done} 件，含未脱敏 {job.unmasked} 件（导出任务 {job.id}）",
                  masked=job.unmasked < job.rows_done,
                  detail=" ".join(f"{k}={v}" for k, v in job.args.items())[:200])
    return job, path


def download_name(job: ExportJob) -> str:
    return f"{TITLE}-{job.created_at.astimezone(LOCAL_TZ):%Y%m%d-%H%M}.xlsx"


def recent_jobs(user: User, limit: int = 50) -> list[ExportJob]:
    """The user's own exports of the last KEEP_DAYS days, newest first."""
    since = clock.now() - timedelta(days=KEEP_DAYS)
    return list(db.session.scalars(select(ExportJob).where(ExportJob.user_id == user.id, ExportJob.created_at >= since)
                                   .order_by(ExportJob.created_at.desc(), ExportJob.id.desc()).limit(limit)))


def purge_expired() -> int:
    """Remove the jobs (and files) older than KEEP_DAYS days; how many went."""
    before = clock.now() - timedelta(days=KEEP_DAYS)
    old = db.session.execute(select(ExportJob.id, ExportJob.stored_path).where(ExportJob.created_at < before)).all()
    if not old:
        db.session.rollback()
        return 0
    with unit_of_work():
        db.session.execute(delete(ExportJob).where(ExportJob.id.in_([row.id for row in old])))
    for row in old:
        if row.stored_path:
            files.remove(row.stored_path)
    return len(old)


# ---- waking a runner, or running without one -------------------------------------------------------

_threads: list[threading.Thread] = []


def _hand_over(job_id: int) -> None:
    app = current_app._get_current_object()
    runners = app.extensions.get(RUNNERS) or []
    for runner in list(runners):
        runner.poke()
    if runners:
        return
    seconds = app.config.get("JIESU_EXPORT_FALLBACK_SECONDS", None if app.config.get("TESTING")
                             else DEFAULT_FALLBACK_SECONDS)
    if seconds:
        thread = threading.Thread(target=_fallback, args=(app, job_id, float(seconds)), daemon=True,
                                  name=f"jiesu-export-{job_id}")
        _threads[:] = [t for t in _threads if t.is_alive()] + [thread]
        thread.start()


def _fallback(app, job_id: int, seconds: float) -> None:
    """Run the job in this server if no worker took it within ``seconds``."""
    time.sleep(seconds)
    with app.app_context():
        try:
            claimed = claim(job_id)
            if claimed is not None:
                log.warning("export job %s: no worker took it in %.0f s, made by the server", job_id, seconds)
                run(*claimed)
        except Exception:  # the database went away: a worker (or the next request) takes it later
            log.exception("export job %s: the server's own run failed", job_id)
        finally:
            db.session.remove()


def wait_for_threads(timeout: float = 60) -> None:
    """Join the server's own export threads (tests)."""
    for thread in list(_threads):
        thread.join(timeout)
