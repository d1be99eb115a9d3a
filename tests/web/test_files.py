"""Uploaded recordings: recognised by content, stored with a checksum, played back to permitted users."""

import hashlib
import io
from pathlib import Path
from urllib.parse import unquote

from sqlalchemy import select

from app.engine import instances
from app.extensions import db
from app.models import Attachment
from app.services import files
from app.services.process import apply_snapshot
from tests.helpers import new_ticket

HERE = Path(__file__).resolve().parents[1]
WAV = b"RIFF" + (36).to_bytes(4, "little") + b"WAVEfmt " + bytes(24) + b"data" + bytes(4)
MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + bytes(200)
AMR = b"#!AMR\n" + bytes(100)
M4A = bytes(4) + b"ftypM4A " + bytes(100)


def test_formats_are_recognised_by_their_first_bytes():
    assert [files.sniff_audio(b[:16]) for b in (WAV, MP3, AMR, M4A)] == ["wav", "mp3", "amr", "m4a"]
    assert files.sniff_audio(b"%PDF-1.7 not audio") is None


def _upload_task(ticket):
    instances.deploy((HERE / "bpmn" / "file_field.bpmn").read_bytes())
    instance, snap = instances.start("file_field", {}, ticket.id)
    apply_snapshot(instance, ticket, snap)
    db.session.commit()
    from app.models import WorkItem

    return db.session.scalar(select(WorkItem).where(WorkItem.spec_name == "upload"))


def test_recording_is_stored_with_checksum_and_played_back(app, browser):
    ticket = new_ticket()
    item = _upload_task(ticket)
    huifang = browser("huifang")
    response = huifang.post(f"/tasks/{item.id}", {"recording": (io.BytesIO(WAV), "回访录音.wav")},
                            content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    attachment = db.session.scalar(select(Attachment))
    assert attachment.sha256 == hashlib.sha256(WAV).hexdigest() and attachment.content_type == "audio/wav"
    assert files.verify(attachment.stored_path, attachment.sha256)
    page = huifang.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "<audio" in page and "回访录音.wav" in page
    played = huifang.get(f"/tickets/files/{attachment.id}")
    assert played.status_code == 200 and played.data == WAV and played.mimetype == "audio/wav"
    partial = huifang.get(f"/tickets/files/{attachment.id}", headers={"Range": "bytes=0-3"})
    assert partial.status_code == 206 and partial.data == b"RIFF"
    assert browser("lvyou").get(f"/tickets/files/{attachment.id}").status_code == 403


def test_wrong_or_missing_file_is_refused_with_a_message(app, browser):
    ticket = new_ticket()
    item = _upload_task(ticket)
    huifang = browser("huifang")
    page = huifang.post(f"/tasks/{item.id}", {"recording": (io.BytesIO(b"%PDF-1.7"), "x.mp3")},
                        content_type="multipart/form-data").get_data(as_text=True)
    assert "不是支持的录音格式" in page
    page = huifang.post(f"/tasks/{item.id}", {}, content_type="multipart/form-data").get_data(as_text=True)
    assert "请填写回访录音" in page
    assert db.session.scalar(select(Attachment.id)) is None


def test_callback_keeps_the_call_recording(app, browser):
    from tests.helpers import open_item, run_to

    ticket = new_ticket()
    run_to(ticket, stop_before="callback")
    huifang = browser("huifang")
    item = open_item(ticket, "callback")
    page = huifang.get(f"/tasks/{item.id}").get_data(as_text=True)
    assert 'type="file"' in page and "通话录音" in page
    response = huifang.post(f"/tasks/{item.id}", {
        "callback_contacted": "是", "callback_resolved": "解决", "callback_satisfied": "满意",
        "callback_recording": (io.BytesIO(MP3), "录音20261125.mp3")}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    attachment = db.session.scalar(select(Attachment))
    assert attachment.content_type == "audio/mpeg" and attachment.ticket_id == ticket.id
    page = huifang.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "<audio" in page and "录音20261125.mp3" in page
    # the 回访数据表 of the month links the recording (for a role that may hear it)
    from openpyxl import load_workbook

    sheet = browser("zhuguan").get("/reports/callbacks.xlsx?kind=month&month=2026-11")
    rows = list(load_workbook(io.BytesIO(sheet.data)).active.iter_rows(values_only=True))
    line = dict(zip(rows[0], next(r for r in rows[1:] if r[0] == ticket.ticket_no), strict=True))
    assert (line["录音"] or "").endswith(f"/tickets/files/{attachment.id}"), line
    download = browser("zhuguan").get(f"/tickets/files/{attachment.id}?download=1")
    assert f"回访录音-{ticket.ticket_no}-{attachment.id}.mp3" in unquote(download.headers["Content-Disposition"])


def test_a_refused_submission_leaves_no_file_behind(app, browser):
    from tests.helpers import open_item, run_to

    ticket = new_ticket()
    run_to(ticket, stop_before="callback")
    item = open_item(ticket, "callback")
    page = browser("huifang").post(f"/tasks/{item.id}", {  # the recording is fine, the answers disagree
        "callback_contacted": "是", "callback_resolved": "解决", "callback_satisfied": "满意",
        "callback_unreached": "无人接听",
        "callback_recording": (io.BytesIO(MP3), "录音.mp3")}, content_type="multipart/form-data")
    assert page.status_code == 422
    stored = [p for p in files.upload_root().rglob("*") if p.is_file() and not p.name.startswith(".")]
    assert stored == [] and db.session.scalar(select(Attachment.id)) is None
