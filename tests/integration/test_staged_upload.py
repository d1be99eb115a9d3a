"""Staged uploads through a real import (the duty roster): kept on the server, only for their uploader, once."""

from __future__ import annotations

import hashlib
import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.engine.clock import clock
from app.extensions import db
from app.models import DutyAssignment, StagedUpload
from app.services import NotFound, ServiceError, enterprises, roster, spreadsheets
from app.services.spreadsheets import staging
from tests.helpers import user, xlsx

GOOD = [(date(2026, 11, 26), "夜班", "zhiban", "值班派单员"),
        ("2026-11-27", "日班", "张敏", "值班派单员"),
        ("2026/11/28", "节假日值班", "刘洋", "值班员")]


def roster_file(rows=GOOD) -> bytes:
    return xlsx(["日期", "班次", "姓名/用户名", "岗位"], rows)


def upload(content: bytes, username="zhiban"):
    return roster.IMPORT.upload(io.BytesIO(content), "排班.xlsx", user(username))


def staged_files(app) -> list[Path]:
    folder = Path(app.config["JIESU_UPLOAD_DIR"]) / "staged"
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def assignments() -> int:
    return db.session.scalar(select(func.count(DutyAssignment.id)))


def test_an_upload_is_kept_once_by_its_checksum_for_its_uploader_only(app):
    content = roster_file()
    first, second = upload(content), upload(content)
    assert first.token != second.token
    assert staged_files(app) == [staging.path(first)] == [staging.path(second)]
    assert staging.path(first).name == hashlib.sha256(content).hexdigest() + ".xlsx"
    assert staging.path(first).read_bytes() == content and first.expires_at == clock.now() + timedelta(hours=24)

    with pytest.raises(NotFound, match="找不到这次上传的文件"):  # a supervisor may import rosters, not this one
        roster.IMPORT.preview(first.token, user("zhuguan"))
    theirs = upload(content, "zhuguan")
    with pytest.raises(NotFound):  # an upload for the roster is not an upload for the ledger
        enterprises.IMPORT.preview(theirs.token, user("zhuguan"))
    with pytest.raises(NotFound):
        roster.IMPORT.preview("../../etc/passwd", user("zhiban"))

    roster.IMPORT.discard(first.token, user("zhiban"))
    assert staged_files(app), "the same content is still staged for the others"
    roster.IMPORT.confirm(second.token, user("zhiban"))
    roster.IMPORT.discard(theirs.token, user("zhuguan"))
    assert staged_files(app) == [], "imported or discarded: the file is gone"


def test_a_file_that_cannot_be_read_is_not_kept(app):
    for content, name in ((b"not a workbook", "排班.xlsx"), (roster_file([]), "排班.xlsx"), (b"", "x.csv")):
        with pytest.raises(spreadsheets.TableFileError):
            roster.IMPORT.upload(io.BytesIO(content), name, user("zhiban"))
    assert staged_files(app) == [] and db.session.scalar(select(func.count(StagedUpload.id))) == 0


def test_the_preview_is_read_again_and_shows_what_is_true_now(app):
    staged = upload(roster_file())
    _staged, preview = roster.IMPORT.preview(staged.token, user("zhiban"))
    assert len(preview.new) == 3
    roster.assign(user("zhuguan"), date(2026, 11, 26), "night", user("zhiban").id, "dispatcher")
    _staged, preview = roster.IMPORT.preview(staged.token, user("zhiban"))
    assert (len(preview.new), len(preview.existing)) == (2, 1)


def test_confirming_twice_imports_once(app):
    staged = upload(roster_file())
    assert len(roster.IMPORT.confirm(staged.token, user("zhiban")).new) == 3
    with pytest.raises(spreadsheets.AlreadyImported, match="不会重复导入"):
        roster.IMPORT.confirm(staged.token, user("zhiban"))
    with pytest.raises(spreadsheets.AlreadyImported):
        roster.IMPORT.preview(staged.token, user("zhiban"))
    assert assignments() == 3


def test_a_refused_confirmation_writes_nothing_and_leaves_the_upload_to_try_again(app):
    staged = upload(roster_file())
    # meanwhile 刘洋 (zhiban) is put on Thursday night as 值班员: the file's row for him as 值班派单员 now clashes
    roster.assign(user("zhuguan"), date(2026, 11, 26), "night", user("zhiban").id, "duty")
    with pytest.raises(ServiceError, match="文件中有 1 行错误，未导入任何排班"):
        roster.IMPORT.confirm(staged.token, user("zhiban"))
    assert assignments() == 1, "none of the file's rows"
    _staged, preview = roster.IMPORT.preview(staged.token, user("zhiban"))  # still there, not confirmed
    assert len(preview.errors) == 1


def test_an_expired_upload_is_refused_and_then_purged(app):
    staged = upload(roster_file())
    clock.advance(timedelta(hours=24, minutes=1))
    with pytest.raises(spreadsheets.Expired, match="这次上传已过期（上传的文件只保留 24 小时），请重新上传。"):
        roster.IMPORT.preview(staged.token, user("zhiban"))
    with pytest.raises(spreadsheets.Expired):
        roster.IMPORT.confirm(staged.token, user("zhiban"))
    assert assignments() == 0
    fresh = upload(roster_file(GOOD[:1]))  # any new upload sweeps the expired ones away
    assert db.session.scalar(select(StagedUpload.token)) == fresh.token
    assert staged_files(app) == [staging.path(fresh)]
