"""Evidence files (photos, documents) taken on site: validated, stored once by SHA-256.

Files go under ``JIESU_UPLOAD_DIR/evidence/<aa>/<sha256>.<ext>``: written to a temporary
file in the same folder, checked, then renamed, so a half-written file never carries a
final name. The type is decided by the file's first bytes, not by its name or by what
the browser claims.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from app.services import ServiceError, _

MAX_BYTES = 20 * 1024 * 1024
CHUNK = 64 * 1024


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


def upload_root() -> Path:
    return Path(current_app.config["JIESU_UPLOAD_DIR"])


def path_of(stored_path: str) -> Path:
    root = upload_root().resolve()
    path = (root / stored_path).resolve()
    if root not in path.parents:
        raise ServiceError(_("文件路径无效。"))
    return path


def store(stream, original_name: str) -> StoredFile:
    """Validate and store one uploaded file; raise ServiceError naming the file and the problem."""
    name = os.path.basename(original_name or "") or _("未命名文件")
    root = upload_root() / "evidence"
    root.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    head = b""
    fd, tmp_name = tempfile.mkstemp(dir=root, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                if len(head) < 16:
                    head = (head + chunk)[:16]
                size += len(chunk)
                if size > MAX_BYTES:
                    raise ServiceError(_("文件“%(name)s”超过 %(mb)s MB，未保存。", name=name, mb=MAX_BYTES // 1024 // 1024))
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise ServiceError(_("文件“%(name)s”是空文件，未保存。", name=name))
        kind = _sniff(head)
        if kind is None:
            raise ServiceError(_("文件“%(name)s”不是支持的类型（照片限 JPG、PNG、WebP、HEIC，文件限 PDF），未保存。",
                                 name=name))
        content_type, ext = kind
        sha = digest.hexdigest()
        relative = f"evidence/{sha[:2]}/{sha}.{ext}"
        final = upload_root() / relative
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():
            os.unlink(tmp_name)
        else:
            os.replace(tmp_name, final)
        return StoredFile(sha, relative, content_type, size, name[:200])
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise


def verify(stored_path: str, sha256: str) -> bool:
    """True if the stored file still has the checksum recorded when it was taken."""
    digest = hashlib.sha256()
    with open(path_of(stored_path), "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest() == sha256
