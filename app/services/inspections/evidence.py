"""Evidence (photos, documents) taken on site: validated, stored once by SHA-256, attached to a check.

Files go under ``JIESU_UPLOAD_DIR/evidence/<aa>/<sha256>.<ext>`` through the one file store
(app/services/files.py): streamed to a temporary file, checked by their first bytes, then
renamed, so a half-written file never carries a final name.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.diagrams import inspection as diagram
from app.engine.clock import clock
from app.extensions import db
from app.models import Evidence, Inspection, User
from app.services import NotFound, PermissionDenied, ServiceError, _, access, files
from app.services.completion import can_complete
from app.services.inspections.access import can_view
from app.services.inspections.reading import get, open_items
from app.services.uow import unit_of_work

MAX_BYTES = 20 * 1024 * 1024


@dataclass
class StoredFile:
    sha256: str
    stored_path: str  # relative to the upload folder
    content_type: str
    size: int
    original_name: str


def _sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) from a file's first bytes, for the types we accept."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"hevc", b"mif1", b"msf1", b"heif"):
        return "image/heic", "heic"
    if head.startswith(b"%PDF-"):
        return "application/pdf", "pdf"
    return None


def path_of(stored_path: str) -> Path:
    return files.absolute_path(stored_path)


def store(stream, original_name: str) -> StoredFile:
    """Validate and store one uploaded file; raise ServiceError naming the file and the problem."""
    name = os.path.basename(original_name or "") or _("未命名文件")
    try:
        kind, sha, size, tmp_name = files.store_stream(stream, "evidence", lambda head, _path: _sniff(head),
                                                       MAX_BYTES)
    except files.Refused as refused:
        raise ServiceError({
            "too_big": _("文件“%(name)s”超过 %(mb)s MB，未保存。", name=name, mb=MAX_BYTES // 1024 // 1024),
            "empty": _("文件“%(name)s”是空文件，未保存。", name=name),
            "bad_type": _("文件“%(name)s”不是支持的类型（照片限 JPG、PNG、WebP、HEIC，文件限 PDF），未保存。",
                          name=name),
        }[refused.reason]) from refused
    content_type, ext = kind
    relative = f"evidence/{sha[:2]}/{sha}.{ext}"
    files.keep(tmp_name, relative)
    return StoredFile(sha, relative, content_type, size, name[:200])


def verify(stored_path: str, sha256: str) -> bool:
    """True if the stored file still has the checksum recorded when it was taken."""
    return files.verify(stored_path, sha256)


def can_add_evidence(user: User, insp: Inspection) -> bool:
    return any(can_complete(user, w) for w in open_items(insp) if w.spec_name in (diagram.CHECK, diagram.REINSPECT))


def add_evidence(insp: Inspection, user: User, upload) -> Evidence:
    """Store one photo or document for the inspection's current check (one transaction per file)."""
    if not can_add_evidence(user, insp):
        raise PermissionDenied(_("只有正在办理本次检查的检查员可以上传证据。"))
    stored = store(upload.stream, upload.filename)
    try:
        with unit_of_work():
            existing = db.session.scalar(select(Evidence).where(Evidence.inspection_id == insp.id,
                                                                Evidence.sha256 == stored.sha256))
            if existing is not None:
                return existing
            row = Evidence(inspection_id=insp.id, sha256=stored.sha256, stored_path=stored.stored_path,
                           original_name=stored.original_name, content_type=stored.content_type, size=stored.size,
                           uploaded_by_id=user.id, uploaded_at=clock.now())
            db.session.add(row)
    except IntegrityError:  # the same file, uploaded twice at once
        row = db.session.scalar(select(Evidence).where(Evidence.inspection_id == insp.id,
                                                       Evidence.sha256 == stored.sha256))
    return row


def get_evidence(evidence_id: int, user: User, action: str = "view", log: bool = True) -> Evidence:
    """An evidence file for someone who may see its inspection; every look and refusal is logged."""
    row = db.session.get(Evidence, evidence_id)
    if row is None:
        raise NotFound(_("文件不存在。"))
    insp = get(row.inspection_id)
    detail = f"检查 #{insp.id} 证据 #{row.id}"
    if not can_view(user, insp):
        access.record(user, action, "现场检查证据", insp.ticket, outcome="denied", detail=detail)
        raise PermissionDenied(_("您无权查看该检查的证据。"))
    if log:
        access.record(user, action, "现场检查证据", insp.ticket, detail=detail)
    return row


def download_name(row: Evidence) -> str:
    """A generated name (never the uploader's): 检查证据-12-34.jpg"""
    extension = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "application/pdf": "pdf"}.get(
        row.content_type, Path(row.stored_path).suffix.lstrip(".") or "bin")
    return f"检查证据-{row.inspection_id}-{row.id}.{extension}"

