"""Evidence files (photos, documents) taken on site: validated, stored once by SHA-256.

Files go under ``JIESU_UPLOAD_DIR/evidence/<aa>/<sha256>.<ext>`` through the one file store
(app/services/files.py): streamed to a temporary file, checked by their first bytes, then
renamed, so a half-written file never carries a final name.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from app.services import ServiceError, _, files

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
