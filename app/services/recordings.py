"""Files kept with a ticket (call recordings, exclusion evidence): only for those who may see the
caller's data, every playback and download in the access log, refusals too."""

from __future__ import annotations

from pathlib import Path

from app.extensions import db
from app.models import Attachment, User
from app.services import NotFound, PermissionDenied, _, access, files
from app.services.tickets import get_ticket

KIND_LABELS = {"callback_recording": "回访录音", "exclusion_evidence": "剔除证明材料"}


def kind_label(kind: str, default: str = "附件") -> str:
    """A form's file keeps the kind ``<task>:<field>``: the field names what it is."""
    return KIND_LABELS.get(kind.rsplit(":", 1)[-1], default)


def open_attachment(attachment_id: int, user: User, action: str, log: bool = True) -> tuple[Attachment, Path]:
    """The attachment and its file for ``action`` (play or download); raises PermissionDenied (logged).

    ``log``: False for the follow-up range requests of one playback (seeking), so that one
    listening is one line.
    """
    item = db.session.get(Attachment, attachment_id)
    if item is None:
        raise NotFound(_("文件不存在。"))
    ticket = get_ticket(item.ticket_id)
    detail = f"{kind_label(item.kind, item.kind)} #{item.id}"
    if not access.may_hear_recordings(user, ticket):
        access.record(user, action, "工单附件", ticket, outcome="denied", detail=detail)
        raise PermissionDenied(_("录音和附件含有来电人的个人信息，您的角色无权收听或下载。"))
    path = files.absolute_path(item.stored_path)
    if not path.exists():
        raise NotFound(_("文件已不在存储中，请联系管理员。"))
    if log:
        access.record(user, action, "工单附件", ticket, detail=detail)
    return item, path


def download_name(item: Attachment, ticket_no: str) -> str:
    """A generated name (never the uploader's): 回访录音-BJ2026112500001-7.mp3"""
    extension = next((ext for ext, mime in [*files.AUDIO_TYPES.values(), *files.DOCUMENT_TYPES.values()]
                      if mime == item.content_type), "bin")
    safe_no = "".join(c for c in ticket_no if c.isalnum() or c in "-_")[:40] or "ticket"
    return f"{kind_label(item.kind)}-{safe_no}-{item.id}.{extension}"
