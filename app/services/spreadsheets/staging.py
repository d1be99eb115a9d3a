"""Staged uploads: a file kept on the server between its preview and its confirmation, for its uploader only.

The bytes go through the one file store (``app/services/files.py``: streamed, size-checked,
recognised by their first bytes, named by checksum under ``staged/``); a ``StagedUpload``
row says whose upload it is, for which import, until when. Nothing travels back through
the browser but the row's random token. A file that cannot be read is never kept. A
confirmation marks the row in the transaction of the import itself, so a second click, a
reload of the confirming request or a second tab imports nothing twice. Uploads expire
(``JIESU_STAGED_UPLOAD_HOURS``, a day by default): they carry citizens' data.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, func, select, update

from app.engine.clock import LOCAL_TZ, clock
from app.extensions import db
from app.models import StagedUpload, User
from app.services import Conflict, NotFound, ServiceError, _, files
from app.services.spreadsheets.reading import TableFileError, check_filename, detect, file_size
from app.services.uow import unit_of_work

FOLDER = "staged"
DEFAULT_HOURS = 24
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class Expired(ServiceError):
    """The upload is older than the staging lifetime: upload the file again."""


class AlreadyImported(Conflict):
    """The upload was confirmed before: its rows are in (or being imported), nothing happens twice."""


def lifetime() -> timedelta:
    return timedelta(hours=current_app.config.get("JIESU_STAGED_UPLOAD_HOURS", DEFAULT_HOURS))


def stage(stream, filename: str, user: User, purpose: str, read: Callable[[Path, str], object], max_bytes: int,
          summary: Callable[[object], dict | None] = lambda _result: None) -> tuple[StagedUpload, object]:
    """Store an upload, ``read(path, filename)`` it (refusals raise, and the file is not kept), record it.

    Returns the staged upload and what ``read`` returned; ``summary(result)`` is kept with the
    row for a preview page that should not read the file again.
    """
    filename = Path((filename or "").replace("\\", "/")).name[:200]
    if not filename:
        raise TableFileError(_("请选择要导入的文件。"))
    check_filename(filename)
    purge_expired()
    try:
        kind, sha256, size, tmp_name = files.store_stream(stream, FOLDER, lambda head, _path: detect(head, filename),
                                                          max_bytes)
    except files.Refused as refused:
        raise TableFileError(_("文件是空的。") if refused.reason == "empty" else
                             _("文件太大，单次导入上限为 %(max)s，请拆分后导入。", max=file_size(max_bytes))) from refused
    try:
        result = read(Path(tmp_name), filename)
        kept = summary(result)
    except BaseException:
        os.unlink(tmp_name)
        raise
    relative = f"{FOLDER}/{sha256[:2]}/{sha256}.{kind}"
    files.keep(tmp_name, relative)
    now = clock.now()
    try:
        with unit_of_work():
            staged = StagedUpload(token=secrets.token_urlsafe(18), purpose=purpose, user_id=user.id,
                                  filename=filename, file_type=kind, stored_path=relative, sha256=sha256, size=size,
                                  summary=kept, created_at=now, expires_at=now + lifetime())
            db.session.add(staged)
    except BaseException:
        _release(relative)
        raise
    return staged, result


def find(token: str, user: User, purpose: str) -> StagedUpload:
    """The user's staged upload for this import, or a refusal saying why it cannot be used."""
    staged = None
    if _TOKEN.match(token or ""):
        staged = db.session.scalar(select(StagedUpload).where(StagedUpload.token == token))
    if staged is None or staged.user_id != user.id or staged.purpose != purpose:
        raise NotFound(_("找不到这次上传的文件（可能已导入或已过期），请重新上传。"))
    if staged.confirmed_at is not None:
        raise AlreadyImported(_("这个文件已于 %(at)s 确认导入，不会重复导入；如需再次导入，请重新上传。",
                                at=f"{staged.confirmed_at.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}"))
    if staged.expires_at <= clock.now():
        raise Expired(_("这次上传已过期（上传的文件只保留 %(hours)s 小时），请重新上传。",
                        hours=round(lifetime().total_seconds() / 3600)))
    if not files.absolute_path(staged.stored_path).exists():
        raise NotFound(_("找不到这次上传的文件（可能已导入或已过期），请重新上传。"))
    return staged


def path(staged: StagedUpload) -> Path:
    return files.absolute_path(staged.stored_path)


def claim(token: str, user: User, purpose: str) -> StagedUpload:
    """Mark the upload confirmed, inside the caller's transaction; a second confirmation is refused."""
    staged = find(token, user, purpose)
    now = clock.now()
    marked = db.session.execute(update(StagedUpload).where(StagedUpload.id == staged.id,
                                                           StagedUpload.confirmed_at.is_(None))
                                .values(confirmed_at=now).execution_options(synchronize_session=False))
    if marked.rowcount != 1:  # a concurrent confirmation won
        raise AlreadyImported(_("这个文件刚刚已确认导入，不会重复导入。"))
    staged.confirmed_at = now
    return staged


def release(stored_path: str) -> None:
    """The upload was imported: its file goes (unless another live upload has the same content)."""
    _release(stored_path)


def discard(token: str, user: User, purpose: str) -> None:
    """The uploader cancels: the row and the file go."""
    staged = find(token, user, purpose)
    relative = staged.stored_path
    with unit_of_work():
        db.session.delete(staged)
    _release(relative)


def purge_expired() -> int:
    """Drop expired uploads and the files no live upload needs; returns how many rows went."""
    now = clock.now()
    expired = list(db.session.execute(select(StagedUpload.id, StagedUpload.stored_path)
                                      .where(StagedUpload.expires_at <= now)))
    if not expired:
        return 0
    with unit_of_work():
        db.session.execute(delete(StagedUpload).where(StagedUpload.id.in_([row.id for row in expired])))
    for relative in {row.stored_path for row in expired}:
        _release(relative)
    return len(expired)


def _release(relative: str) -> None:
    """Delete a staged file unless an upload not yet confirmed nor expired still refers to it."""
    live = db.session.scalar(select(func.count(StagedUpload.id)).where(
        StagedUpload.stored_path == relative, StagedUpload.confirmed_at.is_(None),
        StagedUpload.expires_at > clock.now()))
    if not live:
        files.remove(relative)
