"""导入工单: the city/district platform's Excel (.xlsx) or CSV export, previewed, then imported.

The file is read with the platform's column names (``LAYOUT``, by ``app.services.spreadsheets``);
``parse_row`` adds what is particular to tickets; ``classify`` sorts the rows into new /
identical / conflicting / invalid against the database without writing anything;
``run_import`` hands every new row to ``intake.receive_ticket`` (one transaction per
ticket, idempotent on 工单编号), so importing the same file twice changes nothing the
second time and an interrupted import is finished by importing the file again.

On the pages (``IMPORT``), the upload is staged on the server with its preview; the
confirmation starts a background job (``app.services.spreadsheets.jobs``) whose
``ImportJob`` row the progress page polls.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from functools import partial
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from app.engine import errors
from app.engine.clock import clock
from app.extensions import db
from app.models import ImportJob, Ticket, User
from app.models.ticket import NATURES, SOURCES, TICKET_TYPES, URGENCIES
from app.services import Conflict, NotFound, PermissionDenied, ServiceError, _, _l, intake, ticket_rules
from app.services.spreadsheets import StagedImport, jobs, staging
from app.services.spreadsheets.reading import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_ROWS,
    Column,
    Layout,
    Table,
    TableFileError,
    read_table,
)
from app.services.spreadsheets.writing import csv_text
from app.services.uow import unit_of_work

log = logging.getLogger("jiesu.import")

PURPOSE = "tickets"


def _enum(values, default=None) -> dict:
    return {"choices": {v: v for v in values}, "default": default}


# The platform's column names (domain.md), in export order, with the few other spellings
# seen in exports.
LAYOUT = Layout([
    Column("ticket_no", "工单编号", ("工单号",), kind="code", required=True, max_length=40),
    Column("ticket_type", "工单类型", required=True, **_enum(TICKET_TYPES)),
    Column("topic", "问题分类", max_length=120),
    Column("title", "标题", ("工单标题",), required=True, max_length=200),
    Column("content", "主要内容", ("诉求内容",), required=True, max_length=5000),
    Column("caller_name", "来电人", ("来电人姓名",), max_length=60),
    Column("caller_phone", "来电号码", ("联系电话", "来电电话"), kind="code", max_length=30),
    Column("district", "被反映区", max_length=60),
    Column("street", "街乡镇", ("街道乡镇",), max_length=60),
    Column("community", "社区", max_length=60),
    Column("address", "地址", ("详细地址",), max_length=200),
    Column("enterprise", "涉及企业", max_length=120),
    Column("called_at", "来电时间", kind="datetime"),
    Column("dispatched_at", "派单时间", kind="datetime"),
    Column("platform_deadline", "办理时限", ("平台办理时限",), kind="deadline"),
    Column("urgency", "紧急程度", **_enum(URGENCIES, "一般")),
    Column("nature", "工单性质", **_enum(NATURES, "主办")),
    Column("source", "来源", ("工单来源",), **_enum(SOURCES, "其他")),
])
COLUMNS = [(c.name, c.label, c.aliases) for c in LAYOUT.columns]
COLUMN_NAMES = LAYOUT.labels
REQUIRED_COLUMNS = LAYOUT.required

NEW, IDENTICAL, CONFLICT, INVALID, FAILED = "new", "identical", "conflict", "invalid", "failed"
KIND_LABELS = {NEW: _l("新工单"), IDENTICAL: _l("已存在（相同）"), CONFLICT: _l("编号冲突"),
               INVALID: _l("数据有误"), FAILED: _l("导入失败")}
ImportFileError = TableFileError  # the file as a whole cannot be imported


@dataclass
class ImportRow:
    row: int  # as Excel shows it (1 = first line of the sheet); for CSV the record number
    ticket_no: str = ""
    title: str = ""
    fields: dict | None = None  # ticket fields, None when the row is invalid
    errors: list[str] = field(default_factory=list)  # full messages naming row and column
    checksum: str = ""
    kind: str = ""  # NEW, IDENTICAL, CONFLICT, INVALID (set by classify)
    note: str = ""  # why it is identical / conflicting

    def as_dict(self) -> dict:
        return {"row": self.row, "ticket_no": self.ticket_no, "title": self.title, "kind": self.kind,
                "messages": list(self.errors) or ([self.note] if self.note else [])}


@dataclass
class ParsedFile(Table):
    """The table read from an export, its rows made tickets (``ImportRow``)."""


@dataclass
class Preview:
    parsed: ParsedFile
    counts: dict[str, int]

    def first(self, kind: str, n: int = 20) -> list[ImportRow]:
        return [r for r in self.parsed.rows if r.kind == kind][:n]

    def to_json(self, n: int = 20) -> dict:
        """What the preview page shows, small enough to keep with the staged upload."""
        p = self.parsed
        return {"filename": p.filename, "file_type": p.file_type, "encoding": p.encoding, "sheet": p.sheet,
                "header_row": p.header_row, "columns": list(p.columns.values()),
                "ignored_columns": p.ignored_columns, "total": len(p.rows), "counts": self.counts,
                "samples": {kind: [r.as_dict() for r in self.first(kind, n)]
                            for kind in (NEW, IDENTICAL, CONFLICT, INVALID)}}


@dataclass
class ImportSummary:
    total: int = 0
    done: int = 0
    created: int = 0
    skipped: int = 0
    conflicts: int = 0
    invalid: int = 0
    failed: int = 0
    problems: list[dict] = field(default_factory=list)  # ImportRow.as_dict() of every row not imported

    def add_problem(self, row: ImportRow, kind: str, messages: list[str]) -> None:
        counter = {CONFLICT: "conflicts", INVALID: "invalid", FAILED: "failed"}[kind]
        setattr(self, counter, getattr(self, counter) + 1)
        self.problems.append({"row": row.row, "ticket_no": row.ticket_no, "title": row.title, "kind": kind,
                              "messages": messages})

    def counts(self) -> dict:
        return {"total": self.total, "done": self.done, "created": self.created, "skipped": self.skipped,
                "conflicts": self.conflicts, "invalid": self.invalid, "failed": self.failed}

    @property
    def errors(self) -> int:
        return self.conflicts + self.invalid + self.failed

    @property
    def nothing_imported_for_errors(self) -> bool:
        """Errors, and not one row is now in the system (neither created nor already present)."""
        return self.errors > 0 and self.created + self.skipped == 0


# --------------------------------------------------------------------------- reading


def _config(name: str, default):
    try:
        return current_app.config.get(name, default)
    except RuntimeError:  # no app context
        return default


def max_bytes() -> int:
    return _config("JIESU_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


def read_file(path: str | Path, filename: str | None = None) -> ParsedFile:
    """Parse an export into rows. Raises ImportFileError when the file as a whole is unusable."""
    table = read_table(path, LAYOUT, filename, max_bytes=max_bytes(),
                       max_rows=_config("JIESU_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS))
    kept = {f.name: getattr(table, f.name) for f in fields(table) if f.name != "rows"}
    return ParsedFile(**kept, rows=[_ticket_row(row) for row in table.rows])


def parse_row(number: int, raw: dict) -> ImportRow:
    """One data row (field -> cell value) into ticket fields, or the problems found in it."""
    return _ticket_row(LAYOUT.row(number, raw))


def _ticket_row(typed) -> ImportRow:
    fields = typed.values
    row = ImportRow(row=typed.number, ticket_no=(fields.get("ticket_no") or "")[:40],
                    title=(fields.get("title") or "")[:60])
    for name, message in ticket_rules.problems(fields).items():  # the rules of the API and the form too
        if not typed.has_problem(name):
            typed.add(name, message)
    if typed.problems:
        row.errors = LAYOUT.messages(typed)
        return row
    row.fields = dict(fields)
    row.checksum = intake.content_checksum(fields)
    return row


# --------------------------------------------------------------------------- against the database


def classify(parsed: ParsedFile) -> dict[str, int]:
    """Mark every row new / identical / conflict / invalid against what is stored now. Writes nothing."""
    numbers = list({r.ticket_no for r in parsed.rows if r.fields is not None})
    stored: dict[str, str] = {}
    for start in range(0, len(numbers), 500):
        chunk = numbers[start:start + 500]
        for number, checksum in db.session.execute(
                select(Ticket.ticket_no, Ticket.intake_checksum).where(Ticket.ticket_no.in_(chunk))):
            stored[number] = checksum
    seen: dict[str, ImportRow] = {}
    counts = {NEW: 0, IDENTICAL: 0, CONFLICT: 0, INVALID: 0}
    for row in parsed.rows:
        row.note = ""
        if row.fields is None:
            row.kind = INVALID
        elif row.ticket_no in seen:
            first = seen[row.ticket_no]
            if first.checksum == row.checksum:
                row.kind = IDENTICAL
                row.note = _("与第 %(row)s 行完全相同，只导入一次", row=first.row)
            else:
                row.kind = CONFLICT
                row.note = _("第 %(row)s 行：工单编号 %(no)s 与第 %(first)s 行相同，但内容不同",
                             row=row.row, no=row.ticket_no, first=first.row)
        else:
            seen[row.ticket_no] = row
            if row.ticket_no not in stored:
                row.kind = NEW
            elif not stored[row.ticket_no] or stored[row.ticket_no] == row.checksum:
                row.kind = IDENTICAL
                row.note = _("系统中已有此工单，内容相同")
            else:
                row.kind = CONFLICT
                row.note = _("第 %(row)s 行：工单编号 %(no)s 已存在且内容不同", row=row.row, no=row.ticket_no)
        counts[row.kind] += 1
    return counts


def preview(parsed: ParsedFile) -> Preview:
    return Preview(parsed, classify(parsed))


def preview_file(path: str | Path, filename: str | None = None) -> Preview:
    return preview(read_file(path, filename))


def _authorize(actor: User | None) -> None:
    """The command line imports without a user; a user must be a dispatcher or a duty officer."""
    if actor is not None and not actor.has_role("dispatcher", "duty"):
        raise PermissionDenied(_("只有派单员或值班员可以导入工单。"))


def run_import(parsed: ParsedFile, actor: User | None = None,
               progress: Callable[[ImportSummary], None] | None = None) -> ImportSummary:
    """Import every new row, each in its own transaction; identical rows are skipped, the rest reported.

    ``progress`` is called after each row with the running summary (the caller throttles).
    """
    _authorize(actor)
    classify(parsed)  # again: the database may have changed since the preview
    summary = ImportSummary(total=len(parsed.rows))
    for row in parsed.rows:
        if row.kind == NEW:
            _import_row(row, actor, summary)
        elif row.kind == IDENTICAL:
            summary.skipped += 1
        elif row.kind == CONFLICT:
            summary.add_problem(row, CONFLICT, [row.note])
        else:
            summary.add_problem(row, INVALID, list(row.errors))
        summary.done += 1
        if progress is not None:
            progress(summary)
    return summary


def _import_row(row: ImportRow, actor: User | None, summary: ImportSummary) -> None:
    try:
        result = intake.receive_ticket(row.fields, actor, channel="import")
    except Conflict as exc:  # stored meanwhile with other content
        summary.add_problem(row, CONFLICT, [_("第 %(row)s 行：%(error)s", row=row.row, error=str(exc))])
    except ServiceError as exc:
        summary.add_problem(row, FAILED, [_("第 %(row)s 行：%(error)s", row=row.row, error=str(exc))])
    except Exception as exc:  # keep going: one bad ticket must not stop the other 9,999
        db.session.rollback()
        log.exception("import row %s (%s) failed", row.row, row.ticket_no)
        summary.add_problem(row, FAILED, [_("第 %(row)s 行：保存失败（%(error)s），请稍后重新导入此文件",
                                            row=row.row, error=_(errors.describe(exc)))])
    else:
        if result.created:
            summary.created += 1
        else:
            summary.skipped += 1


def problems_csv(problems: list[dict]) -> str:
    """The rows not imported, as the CSV file the progress page and ``jiesu import --report`` give."""
    return csv_text([_("行号"), _("工单编号"), _("问题"), _("说明")],
                    ([p["row"], p["ticket_no"], str(KIND_LABELS.get(p["kind"], "")), "；".join(p["messages"])]
                     for p in problems))


# --------------------------------------------------------------------------- the pages: staged, in the background


class TicketImport(StagedImport):
    """Uploads are read and classified once (a 10,000-row file takes seconds); the confirmation is a job."""

    def __init__(self):
        super().__init__(PURPOSE, LAYOUT, authorize=_authorize, check=preview)

    def max_bytes(self) -> int:
        return max_bytes()

    def read(self, path: Path, filename: str) -> ParsedFile:
        return read_file(path, filename)

    def summarise(self, parsed: ParsedFile, result: Preview) -> dict:
        return result.to_json()

    def preview(self, token: str, user: User):
        """(staged upload, the preview kept at upload as ``Preview.to_json``)."""
        self.authorize(user)
        staged = staging.find(token, user, self.purpose)
        return staged, staged.summary

    def confirm(self, token: str, user: User) -> ImportJob:
        """Start the import job; a second confirmation lands on the job already started."""
        self.authorize(user)
        existing = job_for_token(token, user)
        if existing is not None:
            return existing
        with unit_of_work():
            staged = staging.claim(token, user, self.purpose)
            job = ImportJob(token=token, filename=staged.filename, user_id=user.id, status="queued",
                            total=(staged.summary or {}).get("total", 0), errors=[], created_at=clock.now())
            db.session.add(job)
            stored, path, filename = staged.stored_path, str(staging.path(staged)), staged.filename
        work = partial(_import_staged, path, filename, user.id)
        jobs.start(job, work, after=partial(staging.release, stored))
        return job


IMPORT = TicketImport()


def _import_staged(path: str, filename: str, user_id: int | None, progress) -> ImportSummary:
    parsed = read_file(path, filename)
    actor = db.session.get(User, user_id) if user_id else None
    return run_import(parsed, actor, progress)


def wait_for_jobs(timeout: float = 600) -> None:
    jobs.wait(timeout)


def job_for_token(token: str, user: User) -> ImportJob | None:
    """The job already started from this upload (a second click on 确认导入 lands there)."""
    return db.session.scalar(select(ImportJob).where(ImportJob.token == token, ImportJob.user_id == user.id,
                                                     ImportJob.status != "failed").order_by(ImportJob.id.desc()))


def get_job(job_id: int, user: User) -> ImportJob:
    job = db.session.get(ImportJob, job_id, populate_existing=True)
    if job is None:
        raise NotFound(_("导入任务不存在。"))
    if job.user_id != user.id and not user.has_role("dispatcher", "duty", "supervisor"):
        raise PermissionDenied(_("无权查看该导入任务。"))
    return job


def recent_jobs(user: User, limit: int = 10) -> list[ImportJob]:
    return list(db.session.scalars(select(ImportJob).where(ImportJob.user_id == user.id)
                                   .order_by(ImportJob.id.desc()).limit(limit)))


job_is_stale = jobs.is_stale
